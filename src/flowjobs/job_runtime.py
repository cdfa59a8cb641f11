"""What a job task does when it runs: write the script's inputs, run it, read its outputs back.

Each attempt gets a fresh working folder (inputs/, outputs/, reports/, logs/), so nothing of a failed attempt can reach
the next attempt or a downstream node. Locally the task enforces its own retries (stock `pyflyte run` ignores
them); on a cluster Flyte retries, and a failed script raises a recoverable error so that it does.

Attempt hooks (ATTEMPT_HOOKS) are context managers entered around every attempt: a local execution records
each attempt in its execution record (flowjobs/recorder.py), and `flowjobs run` adds one that holds the
tier's CPUs and shows the attempt live. They see the attempt before it starts and its outcome after.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
import re
import shutil
import sys
import tempfile
import typing
from dataclasses import dataclass
from pathlib import Path

from flytekit.exceptions.user import FlyteRecoverableException

from flowjobs import (
    confinement,
    contract,
    decks,
    environments,
    execution,
    held_attempts,
    job_plugins,
    phases,
    settings,
    snapshots,
    tiers,
    tracking,
    tracking_store,
)
from flowjobs.errors import first_line
from flowjobs.job_spec import Attempt, AttemptHook, JobSpec
from flowjobs.project import ENV_PROJECT_ROOT
from flowjobs.script_command import to_argv
from flowjobs.script_process import ScriptRun, run_script
from flowjobs.script_process import hold as hold_script
from flowjobs.settings import executions_state, project_root
from flowjobs.tracking_secret import apply_tracking_secret
from flowjobs.value_types import Kind, ValueType, describe, from_token

ENV_WORK_DIR = "FLOWJOBS_WORK_DIR"
ENV_ATTEMPT = "FLOWJOBS_ATTEMPT"

log = logging.getLogger("flowjobs")
if not log.handlers:
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("flowjobs: %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def _record_execution(attempt: Attempt) -> typing.ContextManager[None]:
    from flowjobs import parent_run, recorder

    return recorder.record_attempt(attempt, on_stock_exit=parent_run.close_stock_run)


def _log_to_branch_runs(attempt: Attempt) -> typing.ContextManager[None]:
    from flowjobs import tracking_logs

    return tracking_logs.log_to_branch_runs(attempt)


ATTEMPT_HOOKS: list[AttemptHook] = [_record_execution, tracking.end_runs_left_running, _log_to_branch_runs]


class ScriptFailedError(FlyteRecoverableException):
    """The script exited non-zero or ran out of time; recoverable, so a cluster retries it like we do locally."""


REFUSED_FILE = "refused.txt"  # beside the attempt's log files: the script's one-line refusal (FLOWJOBS_REFUSED_FILE)


class ScriptRefusedInputError(ValueError):
    """The script refused its input (a one-line error from run_main): not recoverable, so nobody retries it."""


class JobEnvironmentError(ValueError):
    """The task's environment cannot be made here (not defined, or its requirements do not install)."""


class JobIOError(ValueError):
    """An input that cannot be given to the script or an output it did not deliver as declared."""


@functools.cache
def value_type(token: str) -> ValueType:
    return describe(from_token(token))


def _work_root() -> Path:
    if os.environ.get(ENV_WORK_DIR):
        root = Path(os.environ[ENV_WORK_DIR])
        root.mkdir(parents=True, exist_ok=True)
        return root
    from flytekit import FlyteContextManager

    return Path(FlyteContextManager.current_context().user_space_params.working_directory)


def run_job(spec: JobSpec, values: dict[str, typing.Any]) -> dict[str, typing.Any]:
    """Run the job's script until it succeeds or its attempts are used up; returns its outputs by name."""
    tier = spec.hardware_tier()
    attempts = spec.retries + 1 if execution.is_local_execution() else 1
    for attempt in range(1, attempts + 1):
        held = held_attempts.take(spec.name) if attempt == 1 else None
        folder = held.attempt.folder if held else _attempt_folder(spec, attempt)
        try:
            return _run_attempt(spec, tier, values, folder, attempt, attempts, held)
        except BaseException as err:
            if out_of_space(err):  # its logs are kept beside the record: the disk is given back
                shutil.rmtree(folder, ignore_errors=True)
            if not isinstance(err, ScriptFailedError) or attempt == attempts:
                raise
            log.warning("%s; retrying (attempt %d of %d)", first_line(err), attempt + 1, attempts)
    raise AssertionError("unreachable")


def _attempt_folder(spec: JobSpec, attempt: int) -> Path:
    short_name = spec.name.rsplit(".", 1)[-1]
    return Path(tempfile.mkdtemp(prefix=f"{short_name}-attempt{attempt}-", dir=_work_root()))


def hold(spec: JobSpec, key: str) -> bool:
    """Start node `key`'s first attempt ahead of its turn (flowjobs/held_attempts.py): a local Python script of
    our own job task (not a plugin's); True when it is held."""
    if not execution.is_local_execution() or job_plugins.of(spec) is not None:
        return False
    with contextlib.suppress(ValueError, KeyError):  # an environment of its own may need building: in its turn
        if (found := environments.get(spec.environment_name)) is not None and found.local:
            return False
    folder = _attempt_folder(spec, 1)
    seen = Attempt(spec, spec.hardware_tier(), 1, spec.retries + 1, folder, echo=False, started_ahead=True)
    try:
        launch = _launch(seen)
        held = None
        if launch.command[:1] == [seen.python] and launch.command[1:2] and launch.command[1].endswith(".py"):
            held = hold_script(
                launch.argv, launch.command_at, cwd=launch.cwd, env=launch.env, log_dir=seen.folder / "logs"
            )
    except Exception as err:  # the attempt, made in its turn, meets it again and says so
        log.debug("%s not started ahead: %s", spec.name, err)
        held = None
    if held is None:
        shutil.rmtree(seen.folder, ignore_errors=True)
        return False
    held_attempts.put(key, held_attempts.HeldAttempt(seen, launch, held))
    return True


def _run_attempt(
    spec: JobSpec,
    tier: tiers.Tier,
    values: dict,
    folder: Path,
    attempt: int,
    attempts: int,
    held: held_attempts.HeldAttempt | None = None,
) -> dict[str, typing.Any]:
    seen = held.attempt if held else Attempt(spec, tier, attempt, attempts, folder)
    with contextlib.ExitStack() as hooks:
        for hook in list(ATTEMPT_HOOKS):
            hooks.enter_context(hook(seen))
        return _run_script(seen, values, held)


def _writable(folder: Path, env: dict[str, str]) -> list[Path]:
    """What our own job task's script writes: its attempt folder, the project (its models, a store inside it), the
    local tracking store's folder."""
    store = tracking_store.sqlite_path(env.get(tracking_store.ENV_TRACKING_URI, ""))
    uri = env.get(tracking_store.ENV_TRACKING_URI, "")
    files = Path(uri.removeprefix("file://")) if uri.startswith("file://") else None
    return [folder, project_root(), *(path for path in (store.parent if store else None, files) if path)]


@dataclass
class Launch:
    """What an attempt's script runs as: its argv (`command`, inside a confining one from `command_at` on), working
    folder and environment, and the attempt's folders."""

    argv: list[str]
    command: list[str]
    command_at: int
    cwd: Path
    env: dict[str, str]
    inputs: Path
    outputs: Path
    reports: Path
    refused: Path


def _launch(seen: Attempt, values: dict | None = None) -> Launch:
    """The attempt's folders, environment and argv; with `values`, its inputs written before a plugin sees them."""
    spec, tier, folder, attempt = seen.spec, seen.tier, seen.folder, seen.number
    apply_tracking_secret(spec.tracking_secret)  # on a cluster: the tracking URI from a Flyte secret, if configured
    if spec.tracking and not execution.is_local_execution():
        tracking_store.require_named_store(spec.name)
    inputs, outputs, reports = folder / "inputs", folder / "outputs", folder / "reports"
    refused = folder / "logs" / REFUSED_FILE
    for made in (inputs, outputs, reports):
        made.mkdir()
    if values is not None:
        write_inputs(spec, values, inputs)
    env = {
        **os.environ,
        **tier.script_env(),
        **contract.flow_env(inputs, outputs, spec.name, reports, refused=refused),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(project_root()), os.environ.get("PYTHONPATH")])),
        ENV_PROJECT_ROOT: str(project_root()),  # the script's project is the flow's, wherever it runs from
        "PYTHONUNBUFFERED": "1",
        execution.ENV_EXECUTION_ID: execution.execution_id(),
        ENV_ATTEMPT: str(attempt),
        phases.ENV_MARKS_FILE: str(folder / "logs" / phases.MARKS_FILE),  # the script's time split
        **tracking_store.script_env(),  # an absolute MLFLOW_TRACKING_URI and bounded HTTP retries
    }
    _use_environment(seen, env)
    command = argv = to_argv(spec.command, seen.python)
    cwd = folder
    plugin = job_plugins.of(spec)  # a plugin's task: the plugin's view of the attempt's folders
    prepared = plugin.prepare(seen, env, inputs, outputs) if plugin is not None else None
    if prepared is not None:
        argv, cwd, env = prepared
    elif execution.is_local_execution():  # the machine read-only but for what the script is meant to write
        argv = confinement.confine_script(argv, cwd, _writable(folder, env), [*executions_state(), folder.parent])
    return Launch(argv, command, len(argv) - len(command), cwd, env, inputs, outputs, reports, refused)


def _run_script(seen: Attempt, values: dict, held: held_attempts.HeldAttempt | None = None) -> dict[str, typing.Any]:
    spec, tier, folder, attempt = seen.spec, seen.tier, seen.folder, seen.number
    if held is None:
        launch = _launch(seen, values)
    else:
        launch = held.launch
        write_inputs(spec, values, launch.inputs)
    if spec.tracking:  # a fresh store's schema, once, before any script (in the node's turn: it may import MLflow)
        tracking_store.prepare_store(launch.env[tracking_store.ENV_TRACKING_URI])
    from flowjobs import recorder  # its import is the job hooks' (flowjobs/recorder.py, lazily)

    kept = recorder.kept_folder(seen)  # the logs' and deck's lasting copies, not the temp folder they are written in
    where = f"logs and deck kept in {kept}" if kept else f"logs in {folder / 'logs'}"
    ahead = ", started ahead" if held else ""
    log.info("%s on %s, attempt %d/%d%s, %s", spec.name, tier.name, attempt, seen.attempts, ahead, where)
    seen.run = run_script(
        launch.argv,
        cwd=launch.cwd,
        env=launch.env,
        log_dir=folder / "logs",
        timeout=spec.timeout_seconds,
        echo=seen.echo,
        held=held.process if held else None,
    )
    seen.run.returncode = confinement.script_exit(launch.argv, seen.run.returncode)
    plugin = job_plugins.of(spec)
    if plugin is not None:
        plugin.collect(seen, launch.outputs)
    try:
        _check_exit(spec, seen.run, refused=launch.refused.is_file())
    except (ScriptFailedError, ScriptRefusedInputError) as err:  # the user's file, not the task's copy of it
        text = str(err.args[0]) if err.args else str(err)  # Flyte's exceptions add a prefix in str()
        raise type(err)(by_source(text, spec, values, launch.inputs)) from None
    results = read_outputs(spec, launch.outputs)
    if plugin is not None:
        plugin.publish(seen, results)
    seen.deck = decks.publish(spec.name, launch.reports, folder, local=execution.is_local_execution(), kept=kept)
    _give_back_inputs(launch.inputs)
    return results


def _give_back_inputs(inputs: Path) -> None:
    """The inputs folder of an attempt that succeeded: copies of files kept elsewhere (the user's, an earlier
    task's outputs), which no output may link to (contract.check_inside). Removed at once, under both runners,
    unless a retention keeps work folders (settings.work_retention_hours)."""
    try:
        if settings.work_retention_hours() > 0:
            return
    except ValueError:  # a bad setting is `flowjobs run`'s to report; keep the folder
        return
    shutil.rmtree(inputs, ignore_errors=True)


def _use_environment(seen: Attempt, env: dict[str, str]) -> None:
    """A local run of a task whose environment lists requirements: its own Python (built once) runs the script,
    and first on PATH for what the script starts. In a pod the image is the environment."""
    if not execution.is_local_execution():
        return
    try:
        python = environments.python_for(seen.spec.environment_name)
    except ValueError as err:
        raise JobEnvironmentError(f"task '{seen.spec.name}': {err}") from None
    if python is not None:
        seen.python = str(python)
        env["PATH"] = os.pathsep.join(filter(None, [str(python.parent), env.get("PATH")]))
        env["VIRTUAL_ENV"] = str(python.parent.parent)


NO_SPACE = (os.strerror(errno.ENOSPC), os.strerror(errno.EDQUOT))


def out_of_space(error: BaseException) -> bool:
    """A failure of a full disk (or quota), the script's or ours: its attempt's folder is removed."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return any(reason in str(error) for reason in NO_SPACE)


def _check_exit(spec: JobSpec, run: ScriptRun, refused: bool = False) -> None:
    if run.log_error:  # the stderr tail may be empty then: the tail kept in memory says why the script ended
        ended = f"; its script {_how(run)}: {_cause(run)}" if run.returncode != 0 else ""
        raise ScriptFailedError(f"task '{spec.name}': log not written: {run.log_error}{ended}")
    if run.timed_out:
        raise ScriptFailedError(
            f"task '{spec.name}': timed out after {spec.timeout_seconds:g}s; its processes were killed "
            f"(logs: {_logs_kept(run)})"
        )
    if run.returncode != 0:
        tail = "\n".join(run.stderr_tail)
        raise (ScriptRefusedInputError if refused else ScriptFailedError)(
            f"task '{spec.name}': script {_how(run)}: {_cause(run)}\n"
            f"--- last {len(run.stderr_tail)} lines of stderr (all in {run.stderr_log}) ---\n{tail}"
        )


def _logs_kept(run: ScriptRun) -> str:
    """Where an attempt's logs are read after it: beside the record on a local run (its work folder is given back
    when the run ends), else in its work folder."""
    if execution.is_local_execution():
        return f"kept with execution {execution.execution_id()}'s record, `flowjobs status {execution.execution_id()}`"
    return str(run.stderr_log.parent)


def _how(run: ScriptRun) -> str:
    return f"was killed by signal {-run.returncode}" if run.returncode < 0 else f"exited with code {run.returncode}"


def _cause(run: ScriptRun) -> str:
    """The script's last line on stderr; on a full disk, with the folder it wrote in (Python's names no file)."""
    cause = next((line.strip() for line in reversed(run.stderr_tail) if line.strip()), "no output on stderr")
    if any(reason in cause for reason in NO_SPACE):
        cause = f"{cause} (on the disk of its work folder {run.stdout_log.parent.parent})"
    return cause


def by_source(message: str, spec: JobSpec, values: dict[str, typing.Any], inputs: Path) -> str:
    """`message` with each file input's copy in the attempt's inputs folder named by the file it was copied from
    (the user's file, or the output of the task before), which is what the user knows."""
    for name in spec.inputs:
        source = getattr(values.get(name), "path", None)
        if isinstance(source, str | os.PathLike) and not str(source).startswith(str(inputs)):
            message = re.sub(rf"{re.escape(str(inputs / name))}(?![\w.-])", str(source).replace("\\", r"\\"), message)
    return message


def write_inputs(spec: JobSpec, values: dict[str, typing.Any], folder: Path) -> None:
    for name, token in spec.inputs.items():
        try:
            if name in spec.snapshot_inputs:
                snapshots.materialize(snapshots.resolve_ref(values[name]), folder / name)
            else:
                contract.write_value(folder / name, values[name], value_type(token))
        except (ValueError, OSError) as err:
            raise JobIOError(f"task '{spec.name}': input '{name}' ({token}): {err}") from None


def read_outputs(spec: JobSpec, folder: Path) -> dict[str, typing.Any]:
    results = {}
    for name, token in spec.outputs.items():
        vtype = value_type(token)
        path = folder / name
        try:
            path = contract.check_inside(contract.locate_output(folder, name, vtype), folder)
            value = contract.read_value(path, vtype, max_scalar_bytes=contract.MAX_SCALAR_BYTES)
        except (ValueError, OSError) as err:
            raise JobIOError(f"task '{spec.name}': output '{name}' ({token}) at {path}: {err}") from None
        results[name] = _as_flyte_value(value, vtype)
    return results


def _as_flyte_value(value: typing.Any, vtype: ValueType) -> typing.Any:
    """Paths become the declared FlyteFile/FlyteDirectory type, so Flyte uploads them as such."""
    if vtype.kind in (Kind.FILE, Kind.DIRECTORY):
        return vtype.python_type(path=str(value))
    if vtype.kind == Kind.LIST:
        return [_as_flyte_value(item, vtype.item) for item in value]
    return value
