"""`flowjobs run FILE WORKFLOW [inputs as pyflyte run takes them] [--max-parallel N] [--cpus N] [--fresh]`.

The workflow is called exactly as `pyflyte run` calls it (`workflow(**inputs)`, so flytekit converts the inputs
and shapes and prints the outputs itself); only the body's one-node-after-another local execution is replaced,
for this call, by the scheduler's walk of the compiled node graph.

Exit codes: 0 done, 1 a task failed, 2 bad input (nothing ran), 130 interrupted. On Ctrl-C every running script
and everything it started is stopped, the nodes already finished stay stored, and the record says so.
"""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import math
import os
import signal
import sys
import typing

import click
from flytekit.core.array_node_map_task import ArrayNodeMapTask
from flytekit.core.context_manager import flyte_context_Var
from rich.console import Console
from rich.markup import escape

from flowjobs import (
    errors,
    execution,
    job_runtime,
    lease,
    parent_run,
    process_tree,
    recorder,
    records,
    script_guard,
    script_process,
    tracking_logs,
    tracking_store,
)
from flowjobs.container.in_image import InImage, InImageError
from flowjobs.parent_run_process import ParentRunProcess
from flowjobs.recorder import Recorder
from flowjobs.records import ExecutionStatus, TaskStatus
from flowjobs.runner import dynamic, lifecycle, space
from flowjobs.runner.budget import CpuBudget
from flowjobs.runner.cache import ResultStore
from flowjobs.runner.entities import as_workflow
from flowjobs.runner.logs import flytekit_logs_to_stderr
from flowjobs.runner.prestart import Prestart
from flowjobs.runner.progress import Display
from flowjobs.runner.scheduler import NodeFailed, Scheduler
from flowjobs.runner.task_node import NodeRunner, Stores, load_lazy_modules, python_tasks, runs_python_in_process
from flowjobs.runner.workers import WorkerPool
from flowjobs.runner.workflow_inputs import (
    LoadedWorkflow,
    SetupError,
    escaped,
    load_workflow,
    not_utf8,
    parse_arguments,
)

RUNNER = "flowjobs run"
KILL_GRACE_SECONDS = 5.0


class PositiveNumber(click.FloatRange):
    """A number above 0 that is a number: click's FloatRange lets `nan` through (no comparison holds for it) and
    `inf` (above any bound)."""

    name = "positive number"

    def convert(self, value: typing.Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number above 0", param, ctx)
        return number


OPTIONS = [
    click.Option(
        ["--max-parallel", "max_parallel"],
        type=click.IntRange(min=1),
        help="Run at most N nodes at the same time (default: as many as the CPU budget admits).",
    ),
    click.Option(
        ["--cpus", "cpus"],
        type=PositiveNumber(min=0, min_open=True),
        help="The CPU budget running tasks share, each holding its tier's CPUs (default: this machine's CPUs).",
    ),
    click.Option(
        ["--fresh", "fresh"],
        is_flag=True,
        help="Run every task again: neither the cache nor the failed run before this one is used.",
    ),
    click.Option(
        ["--in-image", "in_image"],
        multiple=True,
        help="Run each job task in a container of its environment's image, as a pod: IMAGE for the default "
        "image, NAME=IMAGE for a named environment (podman or docker; see docs/deployment.md).",
    ),
    click.Option(
        ["--experiment", "experiment"],
        help="Record the execution as an MLflow parent run in this experiment (default: the workflow's "
        "experiment_name input, if it has one; else no MLflow run).",
    ),
]


def main(file: str, workflow: str, args: list[str], console: Console | None = None) -> int:
    flytekit_logs_to_stderr()
    if console is None:
        console = Console(stderr=True, soft_wrap=True)
        if not console.is_terminal:  # a CI log or a pipe: wide enough for the summary table
            console.width = max(console.width, 160)
    try:
        if not_utf8(file) or not_utf8(workflow):
            raise SetupError(f"flow file or workflow '{escaped(file)} {escaped(workflow)}' is not UTF-8 text")
        loaded = load_workflow(file, workflow)
        parsed = parse_arguments(loaded, args, OPTIONS)
    except SetupError as err:
        console.print(f"[red]error:[/red] {escape(errors.shorten(str(err)))}", highlight=False)
        return 2
    if parsed is None:
        return 0
    inputs, options = parsed
    experiment = parent_run.experiment_for(inputs, options.pop("experiment"))
    try:
        run = Run(loaded, console, **options)
    except (InImageError, errors.ConfigError) as err:
        console.print(f"[red]error:[/red] {escape(str(err))}", highlight=False)
        return 2
    return run.execute(inputs, experiment)


class Run:
    """One execution: its record, stores, CPU budget, worker pool, display and interrupt handling."""

    def __init__(
        self,
        loaded: LoadedWorkflow,
        console: Console,
        max_parallel: int | None = None,
        cpus: float | None = None,
        fresh: bool = False,
        in_image: tuple[str, ...] = (),
    ):
        self.loaded = loaded
        self.console = console
        self.max_parallel = max_parallel
        self.budget = CpuBudget(cpus)
        self.execution_id = execution.new_execution_id()
        process_tree.become_subreaper()  # what a task starts, orphaned, stays below the runner (and its guard's eyes)
        folder = records.execution_dir(self.execution_id)
        self.containers = InImage(in_image, folder) if in_image else None
        self.workers = self._start_workers()  # its forkserver is forked before this run holds any lease
        found = None if fresh else records.resumable(loaded.name, str(loaded.file), RUNNER, warn=self._warn)
        self.resumes, self.resume_claim = found or (None, None)
        self.stores = Stores(
            cache=ResultStore(records.state_dir() / "cache"),
            results=ResultStore(folder / "results"),
            resume_from=ResultStore(records.execution_dir(self.resumes.execution_id) / "results")
            if self.resumes
            else None,
            lookup=not fresh,
        )
        self.recorder: Recorder | None = None
        self.mlflow: ParentRunProcess | None = None  # a tracked run's MLflow work (flowjobs/parent_run_process.py)
        self.scheduler: Scheduler | None = None
        self.retention = space.retention_hours()  # a bad setting stops the run before anything runs
        self.temp_folders = space.temp_folders()
        self.temp_before = space.snapshot(self.temp_folders)  # what earlier executions of this process left

    def _warn(self, line: str) -> None:
        self.console.print(f"[yellow]warning:[/yellow] {escape(line)}", highlight=False)

    def _end_runs_left_running(self, failed: records.ExecutionRecord) -> None:
        """The resumed execution's MLflow runs that nothing could end (a lost server, a killed runner): FAILED."""
        if not failed.tracked:
            return
        try:
            ended = parent_run.end_left_running(failed.execution_id)
        except Exception as err:  # the new execution goes on; its own runs are what it tracks
            reason = escape(str(err))
            self.console.print(f"[yellow]warning:[/yellow] runs of {failed.execution_id} left as they are: {reason}")
            return
        if ended:
            self.console.print(f"ended FAILED {ended} MLflow run(s) execution {failed.execution_id} left RUNNING")

    def execute(self, inputs: dict[str, typing.Any], experiment: str | None = None) -> int:
        if experiment:
            try:  # a store that cannot be used stops the run before any node
                parent_run.prepare()
            except tracking_store.TrackingError as err:
                self.console.print(f"[red]error:[/red] {escape(str(err))}", highlight=False)
                if self.workers is not None:
                    self.workers.close()
                return 2
            self.mlflow = ParentRunProcess()  # MLflow loads there while the nodes run; the end's work is done there
        self.recorder = recorder.begin(
            records.ExecutionRecord(
                execution_id=self.execution_id,
                runner=RUNNER,
                workflow=self.loaded.name,
                file=str(self.loaded.file),
                command=sys.argv,
                inputs={name: str(value) for name, value in inputs.items()},
                resumes=self.resumes.execution_id if self.resumes else None,
                temp_folders=self.temp_folders,
            )
        )
        lease_held = self.recorder.lease
        script_guard.start(hold_fd=lease_held.fd if lease_held else None)  # ends everything if this process dies
        if self.resumes:
            self.console.print(f"resuming {self.resumes.status} execution {self.resumes.execution_id}")
            lifecycle.mark_killed(self.resumes)
            self._end_runs_left_running(self.resumes)
        display = Display(self.console, self.recorder)
        failures: list = []
        handing = tracking_logs.handed_to(self.mlflow.log_files) if self.mlflow else contextlib.nullcontext()
        with (
            self._environment() as stopped_by,
            handing,  # until every node has ended (the pool below is left first)
            display.live(),
            futures.ThreadPoolExecutor(self.max_parallel) as pool,
        ):
            try:
                output = self._call(self.loaded.workflow, inputs, pool)
                status, code, error = ExecutionStatus.SUCCEEDED, 0, None
            except KeyboardInterrupt:
                self._stop()
                status, code, error = lifecycle.stopped_status(stopped_by)
            except NodeFailed as err:
                status, code, error, failures = ExecutionStatus.FAILED, 1, err.summary, err.failures
            finally:
                if self.workers is not None:
                    self.workers.close()
                Prestart.close()  # the held scripts of nodes that never ran
        self._finish(display, status, error, experiment)
        self._give_back(output if status == ExecutionStatus.SUCCEEDED else None)
        self.recorder.release()
        lease.release(self.resume_claim)
        for step, err in failures:
            message = escape(f"node {step.key} ({step.node.metadata.name}): {errors.message(err)}")
            self.console.print(f"[red]failed:[/red] {message}", highlight=False)
        if status == ExecutionStatus.SUCCEEDED:
            click.echo(output)
        return code

    def _give_back(self, output: typing.Any) -> None:
        """The execution's work and temp folders removed, its outputs kept (flowjobs/runner/space.py); with a
        retention setting they wait for `flowjobs gc`. Before the lease is released: no gc races this."""
        if self.retention == 0:
            space.give_back(self.recorder.record, keep=space.output_paths(output), before=self.temp_before)

    def _record_in_mlflow(self, experiment: str) -> None:
        """The execution as its MLflow parent run: got or created (the flow's first tracked task may have made it),
        linked to the run of the execution it resumes, with the tasks and the final status."""
        assert self.mlflow is not None
        record = self.recorder.record
        record_path = self.recorder.path
        resumed = records.record_path(self.resumes.execution_id) if self.resumes else None
        try:
            run_id = self.mlflow.open_run(experiment, self.loaded.name, self.execution_id, RUNNER, record_path)
            with self.recorder.lock:
                record.mlflow_run_id = run_id
                self.recorder.save()
            experiment, warnings = self.mlflow.close_run(run_id, record_path, resumed)
        except Exception as err:  # the store went away mid-run: say so, the local record is complete
            message = escape(f"the MLflow parent run of execution {self.execution_id} not recorded: {err}")
            self.console.print(f"[yellow]warning:[/yellow] {message}", highlight=False)
            return
        finally:
            self.mlflow.end()
        for warning in warnings:
            self.console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
        self.console.print(f"MLflow parent run {run_id} in experiment '{escape(experiment)}'", highlight=False)

    def _call(self, entity: typing.Any, inputs: dict[str, typing.Any], pool: futures.Executor) -> typing.Any:
        """`entity(**inputs)` as `pyflyte run` calls it, with the scheduler walking the nodes."""
        entity, workflow = as_workflow(entity)

        if runs_python_in_process(workflow, pooled=self.workers is not None):
            load_lazy_modules()

        def execute(**kwargs: typing.Any) -> typing.Any:
            in_container = self.containers.execute if self.containers else None
            nodes = NodeRunner(flyte_context_Var.get(), self.recorder, self.stores, self.workers, in_container)
            self.scheduler = Scheduler(pool, nodes, self.recorder, self.budget, Prestart(self.budget))
            outputs = self.scheduler.run(workflow, kwargs)
            ordered = tuple(outputs[name] for name in workflow.python_interface.outputs)
            return ordered[0] if len(ordered) == 1 else (ordered or None)

        workflow.execute = execute
        try:
            return entity(**inputs)
        finally:
            del workflow.execute

    def _start_workers(self) -> WorkerPool | None:
        """Worker processes for plain Python tasks, if the workflow has any: as many warmed up as the budget runs."""
        loaded = self.loaded
        found = python_tasks(as_workflow(loaded.workflow)[1])
        if loaded.root is None or not found:
            return None
        fan_out = any(isinstance(task, ArrayNodeMapTask) or dynamic.is_dynamic(task) for task in found)
        warm = min(int(self.budget.total), self.max_parallel or int(self.budget.total))
        return WorkerPool(
            str(loaded.root), loaded.module, self.budget, start=max(1, warm if fan_out else min(warm, len(found)))
        )

    @contextlib.contextmanager
    def _environment(self) -> typing.Iterator[list[int]]:
        """The execution id for scripts and tasks, the CPU-budget hook; Ctrl-C, SIGTERM and SIGHUP as
        KeyboardInterrupt (the signal that came is put in the list yielded); a SIGHUP this process was started with
        ignored stays ignored: `nohup flowjobs run …` outlives its terminal, as `nohup pyflyte run …` does."""
        saved_id = os.environ.get(execution.ENV_EXECUTION_ID)
        os.environ[execution.ENV_EXECUTION_ID] = self.execution_id
        job_runtime.ATTEMPT_HOOKS.insert(0, self.budget.attempt_hook)  # before the recorder: waiting is not running
        stopped_by: list[int] = []

        def interrupt(signum: int, frame: typing.Any) -> None:
            stopped_by.append(signum)
            signal.default_int_handler(signum, frame)

        handlers = {
            sig: signal.signal(sig, interrupt)
            for sig in lifecycle.STOP_SIGNALS
            if not (sig == signal.SIGHUP and signal.getsignal(sig) is signal.SIG_IGN)
        }
        try:
            yield stopped_by
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
            job_runtime.ATTEMPT_HOOKS.remove(self.budget.attempt_hook)
            if saved_id is None:
                os.environ.pop(execution.ENV_EXECUTION_ID, None)
            else:
                os.environ[execution.ENV_EXECUTION_ID] = saved_id

    def _stop(self) -> None:
        """Ctrl-C: no new attempt starts; running scripts get SIGTERM, then SIGKILL; running nodes end."""
        stopped_at = records.now()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            self.console.print("[magenta]interrupted:[/magenta] stopping every running script")
            self.budget.stop()
            if self.workers is not None:
                self.workers.stop()
            script_process.kill_all(signal.SIGTERM)
            if self.scheduler is not None:
                for future in self.scheduler.running:
                    future.cancel()  # nodes queued behind --max-parallel never start
                _, still = futures.wait(self.scheduler.running, timeout=KILL_GRACE_SECONDS)
                while still:  # also a script that started just as the signal came
                    script_process.kill_all(signal.SIGKILL)
                    _, still = futures.wait(still, timeout=1.0)
        finally:
            signal.signal(signal.SIGINT, previous)
        with self.recorder.lock:
            for key, entry in self.recorder.record.tasks.items():
                if entry.status in (TaskStatus.PENDING, TaskStatus.RUNNING) or (
                    entry.status == TaskStatus.FAILED and entry.end and entry.end >= stopped_at
                ):
                    self.recorder.task(key, status=TaskStatus.INTERRUPTED)

    def _finish(self, display: Display, status: ExecutionStatus, error: str | None, experiment: str | None) -> None:
        """Close the record (and its MLflow parent run); keep this run's results for resuming only when it did not
        succeed."""
        self.recorder.finish(status, error)
        if experiment:
            self._record_in_mlflow(experiment)
        results, previous = self.stores.results, self.stores.resume_from
        if status == ExecutionStatus.SUCCEEDED:
            results.remove()
            if previous:
                previous.remove()
        elif previous:
            results.absorb(previous)
        display.summary()
