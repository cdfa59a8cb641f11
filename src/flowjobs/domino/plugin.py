"""Domino as a job plugin: a Domino job task's script runs in Domino's folders, with Domino's variables and
interpreters (registered as the job plugin `domino`: flowjobs/job_plugins.py).

The job task (flowjobs/job_runtime.py) writes inputs and reads outputs in the attempt's folders as for any task;
for a task made through flowjobs.domino (its spec names this plugin, its settings are a DominoLayout) it then asks
this plugin to
  - prepare: the argv, working folder and environment of the script. Locally the script gets a mount namespace
    of its own (flowjobs/domino/sandbox.py) where the attempt's folders ARE /workflow/inputs and /workflow/outputs,
    the project is /mnt/code (read-only) and each snapshot /mnt/data/<name>; in a pod the image has these
    folders (one task per pod), so inputs are copied in and outputs back;
  - collect: in a pod, the outputs from /workflow/outputs (and PathConfig's fixed paths);
  - publish: the outputs that are artifact files, to the execution's artifacts (flowjobs/domino/artifact_store.py);
    `publish_reused` does it for a node whose outputs `flowjobs run` took from its cache or a resumed run.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import sys
import typing
from pathlib import Path, PurePosixPath

from flowjobs import contract, execution, input_manifest
from flowjobs.domino import sandbox
from flowjobs.domino.layout import CODE, DATA, EDV, INPUTS, OUTPUTS, DominoLayout, host_command, load_project
from flowjobs.job_plugins import JobPlugin, Section
from flowjobs.script_command import PYTHON_NAMES, split
from flowjobs.settings import executions_state, project_root, state_dir
from flowjobs.value_types import Kind, describe, from_token

if typing.TYPE_CHECKING:
    from flowjobs.job_spec import Attempt, JobSpec
    from flowjobs.records import ExecutionRecord

MANIFEST = "input_types.json"  # beside the attempt's inputs folder: each input's declared kind
# What Domino runs a command's file with when the command starts with the file: suffix -> (program, runtime)
RUNTIMES = {
    ".py": ("python", "Python"),
    ".R": ("Rscript", "R"),
    ".r": ("Rscript", "R"),
    ".sh": ("bash", "Bash"),
    ".sas": ("sas", "SAS"),
    ".ipynb": ("jupyter", "Jupyter"),
    ".m": ("matlab", "MATLAB"),
    ".jl": ("julia", "Julia"),
}


class DominoRuntimeError(ValueError):
    """A Domino task that cannot start here: a runtime, a namespace tool or the image's folders are missing."""


def layout_of(spec: JobSpec) -> DominoLayout:
    """The task's Domino layout, carried in its spec as the plugin's settings."""
    return DominoLayout.model_validate(spec.plugin_settings or {})


def argv_for(task: str, command: str, python: str = sys.executable) -> list[str]:
    """The command as Domino runs it: a leading .py/.R/.sh/… file with its interpreter (`python`: the task
    environment's), paths as written (the working folder is /mnt/code); a runtime this machine lacks is one line
    naming it."""
    tokens = split(command)
    program, runtime = tokens[0], None
    suffix = PurePosixPath(program).suffix
    if suffix in RUNTIMES:
        program, runtime = RUNTIMES[suffix]
        if suffix == ".ipynb":
            tokens = ["nbconvert", "--to", "notebook", "--execute", "--inplace", *tokens]
        tokens = [program, *tokens]
    if tokens[0] in PYTHON_NAMES:
        return [python, *tokens[1:]]
    if shutil.which(tokens[0]) is None:
        needs = f"the {runtime} runtime ({tokens[0]})" if runtime else f"the program {tokens[0]!r}"
        raise DominoRuntimeError(
            f"task '{task}': command {command!r} needs {needs}, which is not installed here; "
            "run it in an environment whose image has it (environment_name=…, the config's `environments`)"
        )
    return tokens


def run_id(attempt: Attempt) -> str:
    short = re.sub(r"\W+", "-", attempt.spec.name.rsplit(".", 1)[-1]).strip("-").lower()
    return f"{execution.execution_id()}-{short}-{attempt.number}"


def _username() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER") or "flowjobs"


def domino_env(attempt: Attempt, manifest: Path) -> dict[str, str]:
    """Domino's variables, and the contract's folders as the script sees them."""
    project = load_project()
    return {
        "DOMINO_IS_WORKFLOW_JOB": "true",
        "DOMINO_PROJECT_NAME": project.project.name,
        "DOMINO_PROJECT_OWNER": project.project.owner,
        "DOMINO_STARTING_USERNAME": _username(),
        "DOMINO_RUN_ID": run_id(attempt),
        "DOMINO_RUN_NUMBER": str(attempt.number),
        "DOMINO_HARDWARE_TIER_ID": attempt.tier.name,
        "DOMINO_WORKING_DIR": str(CODE),
        "DOMINO_DATASETS_DIR": str(DATA),
        "DOMINO_IS_GIT_BASED": "true",
        contract.ENV_INPUTS_DIR: str(INPUTS),
        contract.ENV_OUTPUTS_DIR: str(OUTPUTS),
        input_manifest.ENV_INPUT_TYPES: str(manifest),
    }


def prepare(attempt: Attempt, env: dict[str, str], inputs: Path, outputs: Path) -> tuple[list[str], Path, dict]:
    """The script's argv, working folder and environment (see the module's docstring)."""
    spec, layout = attempt.spec, layout_of(attempt.spec)
    argv = argv_for(spec.name, spec.command, attempt.python)
    kinds = {name: describe(from_token(token)).kind.value for name, token in spec.inputs.items()}
    manifest = input_manifest.write(
        attempt.folder / MANIFEST, {name: kind for name, kind in kinds.items() if name not in layout.datasets}
    )
    env = {**env, **domino_env(attempt, manifest)}
    if not execution.is_local_execution():
        _copy_into_image(spec.name, inputs, layout.datasets)
        return argv, Path(CODE), env
    program = sandbox.require_namespaces(spec.name)
    own = attempt.folder.resolve()  # its reports, refusal and marks, written by the script at their real paths
    binds = [
        sandbox.Bind(inputs, INPUTS),
        sandbox.Bind(outputs, OUTPUTS),
        sandbox.Bind(project_root(), CODE, read_only=True),
        *sandbox.kept_from_tmp(project_root(), Path(argv[0]).parent.parent if os.path.isabs(argv[0]) else None),
        sandbox.Bind(own, PurePosixPath(own)),
        *(sandbox.Bind(inputs / name, DATA / mount, read_only=True) for name, mount in layout.datasets.items()),
        *(sandbox.Bind(volume_folder(spec.name, name, folder), EDV / name) for name, folder in layout.volumes.items()),
    ]
    links = {PurePosixPath(path): OUTPUTS / name for name, path in layout.fixed_outputs.items()}
    env = {**env, "HOME": "/tmp", "TMPDIR": "/tmp"}  # its scratch: the namespace's private /tmp
    argv = sandbox.command(program, argv, binds, links, CODE, hidden=hidden_folders(own.parent))
    return argv, attempt.folder, env


def hidden_folders(work_root: Path) -> list[PurePosixPath]:
    """What a task must not see (other executions' records, results, logs and attempts): the state folder's runs
    and cache and the attempts' work folder, at their real paths and, when inside the project, under /mnt/code."""
    found: list[PurePosixPath] = []
    code = project_root().resolve()
    for folder in (*executions_state(), work_root):
        if not folder.is_dir():
            continue
        found.append(PurePosixPath(folder))
        if folder.is_relative_to(code) and folder != code:
            found.append(CODE / folder.relative_to(code))
    return found


def volume_folder(task: str, name: str, folder: str) -> Path:
    """An external volume's host folder, links resolved; one that is (or holds) the project or the state folder
    would let a task write them: refused in one line."""
    real = Path(folder).resolve()
    for guarded, what in ((project_root().resolve(), "the project"), (state_dir().resolve(), "the state folder")):
        if real == guarded or guarded.is_relative_to(real) or real.is_relative_to(guarded):
            raise DominoRuntimeError(
                f"task '{task}': external volume {name!r} at {folder} resolves to {real}, which is or holds "
                f"{what} ({guarded}); mount a folder of its own"
            )
    return real


def _copy_into_image(task: str, inputs: Path, datasets: dict[str, str]) -> None:
    """In a pod: the image laid out Domino's folders (one task per pod), the inputs are copied into them."""
    for folder in (INPUTS, OUTPUTS, CODE, DATA):
        if not os.path.isdir(folder):
            raise DominoRuntimeError(
                f"task '{task}': this image has no {folder} folder; build it from the project's Dockerfile, "
                "which lays out /workflow/inputs, /workflow/outputs, /mnt/code and /mnt/data"
            )
    for entry in inputs.iterdir():
        mount = datasets.get(entry.name)
        target = Path(DATA / mount) if mount else Path(INPUTS) / entry.name
        _replace(entry, target)


def _replace(source: Path, target: Path) -> None:
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    elif target.exists() or target.is_symlink():
        target.unlink()
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copyfile(source, target)


def collect(attempt: Attempt, outputs: Path) -> None:
    """In a pod, what the script wrote to /workflow/outputs (or a PathConfig path) into the attempt's outputs; then,
    anywhere, a folder output the script named by its path (`folders_by_path`)."""
    if not execution.is_local_execution():
        _collect_in_pod(attempt, outputs)
    folders_by_path(attempt.spec, outputs)


def folders_by_path(spec: JobSpec, outputs: Path) -> None:
    """Domino's named output of a folder: a script may write, as a FlyteDirectory output, a short file holding the
    folder's path under /workflow/outputs (`/workflow/outputs/csv_files`); the folder becomes the output."""
    for name, token in spec.outputs.items():
        written = outputs / name
        if describe(from_token(token)).kind is not Kind.DIRECTORY or not written.is_file():
            continue
        if written.stat().st_size > 4096:
            continue
        named = PurePosixPath(written.read_text(encoding="utf-8", errors="replace").strip())
        if not named.is_relative_to(OUTPUTS) or named == OUTPUTS or ".." in named.parts:
            continue
        folder = outputs / named.relative_to(OUTPUTS) if execution.is_local_execution() else Path(named)
        if folder.is_dir() and not folder.is_symlink():
            written.unlink()
            shutil.copytree(folder, written, symlinks=True)


def _collect_in_pod(attempt: Attempt, outputs: Path) -> None:
    layout = layout_of(attempt.spec)
    for name in attempt.spec.outputs:
        fixed = layout.fixed_outputs.get(name)
        written = Path(fixed) if fixed else Path(OUTPUTS) / name
        if written.exists():
            _replace(written, outputs / name)
        elif not fixed:
            for candidate in Path(OUTPUTS).glob(f"{contract.glob_escape(name)}.*"):
                _replace(candidate, outputs / candidate.name)


def publish(attempt: Attempt, results: dict[str, typing.Any]) -> None:
    """The outputs that are files of a Domino artifact, recorded for the execution and logged to MLflow."""
    layout = layout_of(attempt.spec)
    if not layout.artifacts:
        return
    from flowjobs.domino import artifact_store

    for name, artifact in layout.artifacts.items():
        artifact_store.record(attempt.spec.name, name, artifact, Path(results[name].path))


def publish_reused(spec: typing.Any, outputs: typing.Any) -> None:
    """A node `flowjobs run` did not run (its cache or the resumed run had its outputs, a JobSpec's outputs as a
    LiteralMap): its artifact files, recorded for this execution too, so every execution holds all its artifacts."""
    layout = layout_of(spec)
    if not layout.artifacts:
        return
    from flowjobs.domino import artifact_store

    for name, artifact in layout.artifacts.items():
        uri = outputs.literals[name].scalar.blob.uri
        artifact_store.record(spec.name, name, artifact, Path(uri.removeprefix("file://")))


def artifact_section(record: ExecutionRecord) -> list[Section]:
    """The Domino artifacts the execution recorded: one row per artifact (flowjobs/domino/artifact_store.py)."""
    from flowjobs.domino import artifact_store

    grouped: dict[tuple[str, str], list[str]] = {}
    for item in artifact_store.list_files(record.execution_id):
        names = grouped.setdefault((item.kind, item.artifact), [])
        if item.file not in names:
            names.append(item.file)
    rows = [{"kind": kind, "artifact": name, "files": ", ".join(files)} for (kind, name), files in grouped.items()]
    return [Section("Artifacts", rows, {"kind": 6, "artifact": 28, "files": 36})] if rows else []


class DominoPlugin(JobPlugin):
    name = "domino"

    def host_command(self, command: str) -> str:
        return host_command(command)

    def prepare(self, attempt: Attempt, env: dict[str, str], inputs: Path, outputs: Path):
        return prepare(attempt, env, inputs, outputs)

    def collect(self, attempt: Attempt, outputs: Path) -> None:
        collect(attempt, outputs)

    def publish(self, attempt: Attempt, results: dict[str, typing.Any]) -> None:
        publish(attempt, results)

    def publish_reused(self, spec: JobSpec, outputs: typing.Any) -> None:
        publish_reused(spec, outputs)

    def sections(self, record: ExecutionRecord) -> list[Section]:
        return artifact_section(record)


PLUGIN = DominoPlugin()
