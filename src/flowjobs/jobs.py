"""Flow side: turn a script, its typed inputs and outputs and a hardware tier into a real Flyte task.

    result = run_job_task("train", "python tasks/train_model.py", "Large",
                          inputs=[Input("processed_data", CSV, processed)],
                          output_specs=[Output("model", PKL), Output("accuracy", float)])
    result["model"], result["accuracy"]

The task is an ordinary flytekit task: it serializes, registers and runs in a pod like any other. Because it
is created by a call inside a workflow body it is not a module attribute, so it carries its own resolver:
the container's loader args hold the task's whole spec, and the resolver rebuilds the task from them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import inspect
import typing
from dataclasses import dataclass

from flytekit.core.base_task import TaskMetadata, TaskResolverMixin
from flytekit.core.context_manager import FlyteContext
from flytekit.core.interface import Interface
from flytekit.core.python_auto_container import PythonAutoContainerTask
from flytekit.core.tracker import TrackedInstance

from flowjobs import contract, environments, job_plugins, project, task_kinds, tiers
from flowjobs.hashing import code_hash
from flowjobs.job_spec import JobSpec
from flowjobs.script_command import script_path
from flowjobs.snapshots import DatasetSnapshot, SnapshotError, resolve
from flowjobs.tracking_secret import tracking_secret_name, tracking_secret_requests
from flowjobs.value_types import UnsupportedTypeError, from_token, to_token

__all__ = ["DatasetSnapshot", "Input", "Output", "run_job_task", "JobDefinitionError"]


class JobDefinitionError(ValueError):
    """A job task that cannot be defined; raised when the flow is defined, naming the task and the thing."""


@dataclass(frozen=True, eq=False)
class Input:
    """A named, typed input: `value` is an upstream output, a workflow input or a constant."""

    name: str
    type: typing.Any
    value: typing.Any = None


@dataclass(frozen=True)
class Output:
    """A named, typed output the script writes to its outputs folder."""

    name: str
    type: typing.Any


class JobOutputsMixin:
    """Several outputs reachable by name (`result["model"]`), as well as by attribute and position."""

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in self._fields:
                raise KeyError(f"no output named {key!r}; outputs: {', '.join(self._fields)}")
            return getattr(self, key)
        return super().__getitem__(key)


class JobTask(PythonAutoContainerTask):
    """A Flyte task that runs a script as a subprocess and hands its typed outputs to the next node."""

    def __init__(self, spec: JobSpec):
        self.spec = spec
        tier = spec.hardware_tier()
        interface = Interface(
            inputs={name: from_token(token) for name, token in spec.inputs.items()},
            outputs={name: from_token(token) for name, token in spec.outputs.items()},
        )
        metadata = TaskMetadata(
            cache=spec.cache,
            cache_version=spec.cache_version,
            retries=spec.retries,
            timeout=dt.timedelta(seconds=spec.timeout_seconds) if spec.timeout_seconds else None,
        )
        super().__init__(
            name=spec.name,
            task_config=None,
            task_type="python-task",
            interface=interface,
            metadata=metadata,
            task_resolver=job_task_resolver,
            container_image=_image(spec),
            secret_requests=tracking_secret_requests(spec.tracking_secret),
            enable_deck=True,  # the script's report fragments become its decks (flowjobs/decks.py)
            deck_fields=(),  # and only those: no input, output, source-code or timeline deck
            **tiers.flyte_resources(tier),
        )
        # A workflow compiling its body installs itself as resolver of the tasks created there; a job task
        # must keep its own, which needs no workflow to rebuild it.
        self._task_resolver = job_task_resolver
        self._name = spec.name

    def __call__(self, *args, **kwargs):
        result = super().__call__(*args, **kwargs)
        if isinstance(result, tuple) and hasattr(result, "_fields"):
            named = type("JobOutputs", (JobOutputsMixin, type(result)), {})
            return named(*result)
        return result

    def dispatch_execute(self, ctx: FlyteContext, input_literal_map: typing.Any) -> typing.Any:
        """Locally flytekit hands every task the deck list of the workflow's context, one list for all, so a task's
        deck would also show the decks of the tasks before it (or, under `flowjobs run`, beside it): a local
        execution of a job task gets a list of its own. In a pod there is one task per process."""
        state = ctx.execution_state
        if state is not None and state.is_local_execution() and state.user_space_params is not None:
            own_decks = state.user_space_params.new_builder(state.user_space_params)
            own_decks.decks = []
            ctx = ctx.with_execution_state(state.with_params(user_space_params=own_decks.build())).build()
        return super().dispatch_execute(ctx, input_literal_map)

    def execute(self, **kwargs) -> typing.Any:
        from flowjobs.job_runtime import run_job

        outputs = run_job(self.spec, kwargs)
        values = tuple(outputs[name] for name in self.spec.outputs)
        return values[0] if len(values) == 1 else (values or None)


def _image(spec: JobSpec) -> str | None:
    """The task's image; an environment this config does not know (a pod rebuilding the task) names the task."""
    try:
        return environments.image_for(spec.environment_name)
    except environments.EnvironmentConfigError as err:
        raise JobDefinitionError(f"task '{spec.name}': {err}") from None


class JobTaskResolver(TrackedInstance, TaskResolverMixin):
    """Rebuilds a job task from the spec in its loader args: no flow module needs to be imported."""

    def name(self) -> str:
        return "JobTaskResolver"

    def load_task(self, loader_args: list[str]) -> JobTask:
        if len(loader_args) != 2 or loader_args[0] != "job-spec":
            raise ValueError(f"job task resolver: expected ['job-spec', <json>], got {loader_args}")
        return JobTask(JobSpec.model_validate_json(loader_args[1]))

    def loader_args(self, settings, task: JobTask) -> list[str]:  # noqa: ARG002 (flytekit's signature)
        return ["job-spec", task.spec.model_dump_json(exclude_defaults=True)]

    def get_all_tasks(self) -> list[JobTask]:
        return list(_TASKS.values())


job_task_resolver = JobTaskResolver()
_TASKS: dict[str, JobTask] = {}


def _task_for(spec: JobSpec) -> JobTask:
    """One task object per name: a workflow body runs again on every local execution."""
    existing = _TASKS.get(spec.name)
    if existing is not None:
        if existing.spec != spec:
            raise JobDefinitionError(f"task '{spec.name}' is defined twice with different settings")
        return existing
    _TASKS[spec.name] = JobTask(spec)
    return _TASKS[spec.name]


def _check_command(task: str, command: str, host: str | None = None) -> str:
    """`command` if the script it names (as this machine has it: `host`) exists."""
    try:
        script = script_path(host or command)
    except ValueError as err:
        raise JobDefinitionError(f"task '{task}': {err}") from None
    if script is not None and not script.is_file():
        raise JobDefinitionError(f"task '{task}': script {script} does not exist; {project.how_found()}")
    return command


def _cache_version(user_version: str, command: str, environment: str = "") -> str:
    """The user's version plus a hash of what the results depend on (flowjobs/hashing.py): the command, the
    script and the project modules it imports, the libraries and the environment (its image and requirements)."""
    return f"{user_version or '0'}-{code_hash(command, script_path(command), environment)}"


def _caller_module() -> str:
    """The module of the flow defining the task; its file makes the flow's project the process's project (the
    root its commands, /mnt/code, state and store are found in: flowjobs/project.py)."""
    frame = inspect.currentframe()
    while frame is not None and frame.f_globals.get("__name__", "").startswith("flowjobs."):  # a plugin's API too
        frame = frame.f_back
    if frame is None:
        return ""
    if frame.f_globals.get("__file__"):
        project.use_flow_file(frame.f_globals["__file__"])
    return frame.f_globals.get("__name__", "")


def _refuse_unknown(task: str, unknown: dict) -> None:
    """An argument run_job_task does not have (`timout=60`) is one line suggesting the closest one."""
    if not unknown:
        return
    known = [name for name in inspect.signature(run_job_task).parameters if name != "unknown"]
    named = []
    for name in sorted(unknown):
        match = difflib.get_close_matches(name, known, n=1)
        named.append(f"{name!r} (did you mean {match[0]!r}?)" if match else repr(name))
    raise JobDefinitionError(f"task '{task}': unknown argument {', '.join(named)}")


def _tokens(task: str, what: str, items: list) -> dict[str, str]:
    tokens: dict[str, str] = {}
    for item in items:
        if item.name in tokens:
            raise JobDefinitionError(f"task '{task}': {what} {item.name!r} is declared twice")
        try:
            contract.check_name(item.name, what)
        except contract.ContractError as err:
            raise JobDefinitionError(f"task '{task}': {err}") from None
        try:
            tokens[item.name] = to_token(item.type)
        except UnsupportedTypeError as err:
            raise JobDefinitionError(f"task '{task}': {what} {item.name!r}: {err}") from None
    return tokens


def _look_up(task: str, tier_name: str, environment: str | None) -> tuple[tiers.Tier, str | None, str, str | None]:
    """The tier, the environment's name (it may be given by an id) and what the results depend on of it, and the
    tracking secret: looked up once, when the flow is defined."""
    try:
        named = environments.named(environment)
        return tiers.get_tier(tier_name), named, environments.fingerprint(named), tracking_secret_name()
    except ValueError as err:
        raise JobDefinitionError(f"task '{task}': {err}") from None


def _check_values(task: str, inputs: list[Input]) -> None:
    """An input given no value is named here, not by flytekit's "Failed to Bind variable" when the flow runs."""
    for item in inputs:
        if item.value is None:  # a job task's inputs are never optional (flowjobs/value_types.py)
            raise JobDefinitionError(f"task '{task}': input {item.name!r} is required and was given no value")


def _snapshot_inputs(task: str, snapshots: list[DatasetSnapshot], input_tokens: dict[str, str]) -> dict[str, str]:
    """Each snapshot, checked against the catalog, becomes a str input holding its reference (name@version#sha256)."""
    values = {}
    for snapshot in snapshots:
        try:
            values[snapshot.input_name] = resolve(snapshot).ref
        except SnapshotError as err:
            raise JobDefinitionError(f"task '{task}': {err}") from None
        if snapshot.input_name in input_tokens:
            raise JobDefinitionError(f"task '{task}': snapshot {snapshot.name!r} clashes with an input of that name")
        input_tokens[snapshot.input_name] = "str"
    return values


def _timeout_seconds(task: str, retries: int, timeout: dt.timedelta | float | None) -> float | None:
    if retries < 0:
        raise JobDefinitionError(f"task '{task}': retries must be 0 or more, got {retries}")
    timeout_seconds = timeout.total_seconds() if isinstance(timeout, dt.timedelta) else timeout
    if timeout_seconds is not None and timeout_seconds <= 0:
        raise JobDefinitionError(f"task '{task}': timeout must be positive, got {timeout}")
    return timeout_seconds


def run_job_task(
    flyte_task_name: str,
    command: str,
    hardware_tier_name: str,
    inputs: list[Input] | None = None,
    output_specs: list[Output] | None = None,
    dataset_snapshots: list[DatasetSnapshot] | None = None,
    cache: bool = False,
    cache_version: str = "",
    retries: int = 0,
    timeout: dt.timedelta | int | float | None = None,
    environment_name: str | None = None,
    tracking: bool = False,
    plugin: str | None = None,
    plugin_settings: dict[str, typing.Any] | None = None,
    **unknown: typing.Any,
) -> typing.Any:
    """Define a job task for `command` on a hardware tier and call it with `inputs` inside a workflow.

    Returns the output's promise for one output, or the outputs by name (`result["model"]`) for several.
    `tracking=True` marks a script that logs to MLflow: its store is made ready before it starts (so parallel
    branches on a fresh store do not race to create it) and runs it leaves RUNNING when killed are ended FAILED.
    `plugin` and `plugin_settings` are set by a job plugin's API (flowjobs/job_plugins.py; Domino's: flowjobs.domino):
    the plugin then prepares the script's view of its folders.
    """
    inputs, output_specs, dataset_snapshots = inputs or [], output_specs or [], dataset_snapshots or []
    name = f"{_caller_module()}.{flyte_task_name}".lstrip(".")
    _refuse_unknown(name, unknown)
    tier, environment_name, environment, tracking_secret = _look_up(name, hardware_tier_name, environment_name)
    input_tokens = _tokens(name, "input", inputs)
    _check_values(name, inputs)
    output_tokens = _tokens(name, "output", output_specs)
    snapshot_values = _snapshot_inputs(name, dataset_snapshots, input_tokens)
    timeout_seconds = _timeout_seconds(name, retries, timeout)
    try:
        found = job_plugins.get(plugin) if plugin else None
    except job_plugins.JobPluginError as err:
        raise JobDefinitionError(f"task '{name}': {err}") from None
    checked = found.host_command(command) if found else command  # the command's paths as this machine has them
    spec = JobSpec(
        name=name,
        command=_check_command(name, command, checked),
        tier=hardware_tier_name,
        inputs=input_tokens,
        outputs=output_tokens,
        snapshot_inputs=tuple(snapshot_values),
        cache=cache,
        cache_version=_cache_version(cache_version, checked, environment) if cache else "",
        retries=retries,
        timeout_seconds=timeout_seconds,
        environment_name=environment_name,
        tracking_secret=tracking_secret,
        tracking=tracking,
        resolved_tier=tier,
        plugin=plugin,
        plugin_settings=plugin_settings,
    )
    task = _task_for(spec)
    return task(**{item.name: item.value for item in inputs}, **snapshot_values)


def _version_parts(task: JobTask) -> tuple[str, ...]:
    """Its spec and the code hash of what its script runs (the script, the project modules it imports, the
    libraries), so resuming and the cache see the same code."""
    spec = task.spec
    script = script_path(spec.command)
    environment = environments.fingerprint(spec.environment_name)
    code = code_hash(spec.command, script, environment) if script and script.is_file() else ""
    return (spec.model_dump_json(), code)


def _reused(task: JobTask, outputs: typing.Any) -> None:
    plugin = job_plugins.of(task.spec)
    if plugin is not None:
        plugin.publish_reused(task.spec, outputs)


def _drawing(task: JobTask) -> task_kinds.Drawing:
    spec = task.spec
    more = {"dataset snapshots": ", ".join(spec.snapshot_inputs)} if spec.snapshot_inputs else {}
    more |= {"environment": spec.environment_name} if spec.environment_name else {}
    return task_kinds.Drawing(
        node_kind="job",
        type_label="job task (a script run as a subprocess)",
        tier=spec.hardware_tier(),
        command=spec.command,
        script=script_path(spec.command),
        cache=spec.cache,
        cache_version=spec.cache_version.rsplit("-", 1)[0] if spec.cache_version else "",
        retries=spec.retries,
        timeout_seconds=spec.timeout_seconds,
        more=more,
        inputs=dict(spec.inputs),
        outputs=dict(spec.outputs),
    )


JOB_TASK = task_kinds.register(
    task_kinds.TaskKind(
        "job",
        matches=lambda task: isinstance(task, JobTask),
        tier=lambda task: task.spec.tier,
        version_parts=_version_parts,
        reports_own_attempts=True,  # its attempt hooks record each attempt (flowjobs/records.py)
        runs_python=False,  # its script runs as a subprocess of the task
        runs_in_image=True,
        tracked=lambda task: task.spec.tracking,
        reused=_reused,
        drawing=_drawing,
    )
)
