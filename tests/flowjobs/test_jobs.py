"""Job tasks end to end: every I/O type through a real task, definition errors, and scripts that misbehave."""

import datetime as dt
import re
import typing
from pathlib import Path

import pytest
from flytekit import workflow
from flytekit.exceptions.user import FlyteRecoverableException
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from flowjobs import jobs
from flowjobs.job_runtime import ScriptRefusedInputError
from flowjobs.jobs import DatasetSnapshot, Input, JobDefinitionError, Output, run_job_task
from tests.support.values import Point

CSV = FlyteFile[typing.TypeVar("csv")]
ECHO = "python tests/scripts/echo_values.py"
MISBEHAVE = "python tests/scripts/misbehave.py"


class EchoResult(typing.NamedTuple):
    text: str
    count: int
    ratio: float
    flag: bool
    when: dt.datetime
    table: CSV
    folder: FlyteDirectory
    numbers: typing.List[int]
    weights: typing.Dict[str, float]
    point: Point
    files: typing.List[FlyteFile]


@workflow
def echo_everything(
    text: str,
    count: int,
    ratio: float,
    flag: bool,
    when: dt.datetime,
    table: CSV,
    folder: FlyteDirectory,
    numbers: typing.List[int],
    weights: typing.Dict[str, float],
    point: Point,
    files: typing.List[FlyteFile],
) -> EchoResult:
    given = {
        "text": (str, text),
        "count": (int, count),
        "ratio": (float, ratio),
        "flag": (bool, flag),
        "when": (dt.datetime, when),
        "table": (CSV, table),
        "folder": (FlyteDirectory, folder),
        "numbers": (typing.List[int], numbers),
        "weights": (typing.Dict[str, float], weights),
        "point": (Point, point),
        "files": (typing.List[FlyteFile], files),
    }
    echoed = run_job_task(
        "echo_everything",
        ECHO,
        "Small",
        inputs=[Input(name, kind, value) for name, (kind, value) in given.items()],
        output_specs=[Output(f"{name}_out", kind) for name, (kind, _) in given.items()],
    )
    return tuple(echoed[f"{name}_out"] for name in given)


def test_every_type_round_trips_through_a_job_task(tmp_path: Path) -> None:
    table = tmp_path / "table.csv"
    table.write_text("a,b\n1,2\n")
    folder = tmp_path / "folder"
    (folder / "nested").mkdir(parents=True)
    (folder / "nested" / "x.txt").write_text("inside")
    extra = [tmp_path / "f0.txt", tmp_path / "f1.txt"]
    for index, path in enumerate(extra):
        path.write_text(f"file {index}")
    when = dt.datetime(2026, 3, 1, 12, 30, 15, 250000, tzinfo=dt.UTC)
    result = echo_everything(
        text="héllo, wörld; $(rm -rf /) `x`",
        count=-42,
        ratio=0.1 + 0.2,
        flag=False,
        when=when,
        table=CSV(str(table)),
        folder=FlyteDirectory(str(folder)),
        numbers=[3, 1, 2],
        weights={"a": 1.5, "b": -2.0},
        point=Point(x=1.0, y=-0.5, label="p"),
        files=[FlyteFile(str(p)) for p in extra],
    )
    assert result.text == "héllo, wörld; $(rm -rf /) `x`"
    assert result.count == -42 and result.ratio == 0.1 + 0.2 and result.flag is False
    assert result.when == when
    assert Path(result.table.download()).read_text() == "a,b\n1,2\n"
    assert (Path(result.folder.download()) / "nested" / "x.txt").read_text() == "inside"
    assert result.numbers == [3, 1, 2]
    assert result.weights == {"a": 1.5, "b": -2.0}
    assert result.point == Point(x=1.0, y=-0.5, label="p")
    assert [Path(f.download()).read_text() for f in result.files] == ["file 0", "file 1"]


def single_output_flow(mode: str, output_type: typing.Any = int, **options: typing.Any):
    """A one-task workflow running misbehave.py in `mode`, with its one output `result`."""

    name = re.sub(r"\W", "_", f"misbehave_{mode}_{'_'.join(f'{k}{v}' for k, v in options.items())}")

    @workflow
    def flow() -> output_type:
        return run_job_task(
            name,
            f"{MISBEHAVE} {mode}",
            "Small",
            output_specs=[Output("result", output_type)],
            **options,
        )

    return flow


def test_one_output_is_returned_as_the_value_itself() -> None:
    assert single_output_flow("fail_until 1")() == 1


@pytest.mark.parametrize(
    ("mode", "output_type", "expected"),
    [
        ("no_output", int, r"output 'result' \(int\) at .*/outputs/result: the script did not write it"),
        ("abc_int", int, r"output 'result' \(int\) at .*/outputs/result: not a int: 'abc'"),
        ("two_candidates", CSV, r"output 'result' \(file:csv\) .*two or more candidate files: result.csv, result.txt"),
        ("huge_scalar", int, r"output 'result' \(int\) .*2000 bytes; a int output is at most 1024 bytes"),
        ("link_outside", FlyteFile, r"output 'result' \(file\) .*link leading outside the outputs folder"),
    ],
)
def test_an_output_that_breaks_the_contract_fails_the_task_naming_it(mode, output_type, expected) -> None:
    with pytest.raises(Exception) as caught:
        single_output_flow(mode, output_type)()
    message = str(caught.value)
    assert "task 'tests.flowjobs.test_jobs.misbehave_" in message
    assert re.search(expected, message), message
    assert isinstance(caught.value.__cause__ or caught.value, Exception)


def test_a_failing_script_fails_with_its_last_50_stderr_lines() -> None:
    with pytest.raises(Exception) as caught:
        single_output_flow("exit1")()
    message = str(caught.value)
    assert "script exited with code 1: boom: the script failed on purpose" in message
    assert "diagnostic line 11" in message and "diagnostic line 10\n" not in message  # 49 + the last line
    assert "last 50 lines of stderr" in message


def test_a_timeout_kills_the_script_and_fails_the_task(work_dir: Path) -> None:
    started = dt.datetime.now()
    with pytest.raises(Exception, match=r"timed out after 1s; its processes were killed"):
        single_output_flow("sleep 30", timeout=1)()
    assert (dt.datetime.now() - started).total_seconds() < 15


def test_an_output_write_that_fails_is_one_clear_line_and_leaves_nothing_behind(work_dir: Path) -> None:
    with pytest.raises(Exception) as caught:
        single_output_flow("write_too_big", FlyteFile)()
    expected = (
        r"script exited with code 1: error: \S+: could not write output 'result' to \S+/outputs/result.bin: "
        r"File too large$"
    )
    assert re.search(expected, str(caught.value), re.MULTILINE), str(caught.value)
    (attempt,) = work_dir.glob("misbehave_write_too_big*")
    assert list((attempt / "outputs").iterdir()) == []


def test_local_retries_rerun_a_failed_attempt_in_a_fresh_folder(work_dir: Path) -> None:
    assert single_output_flow("fail_until 3", retries=2)() == 3
    attempts = sorted(p.name.split("-")[1] for p in work_dir.iterdir() if p.name.startswith("misbehave_fail_until_3"))
    assert attempts == ["attempt1", "attempt2", "attempt3"]
    with pytest.raises(Exception, match="attempt 1 fails"):
        single_output_flow("fail_until 2", retries=0)()


def test_a_refused_input_fails_at_once_without_a_retry(work_dir: Path) -> None:
    with pytest.raises(Exception, match=r"input 'value' is not usable \(attempt 1\)") as failed:
        single_output_flow("refuse", retries=2)()
    attempts = [p.name.split("-")[1] for p in work_dir.iterdir() if p.name.startswith("misbehave_refuse")]
    assert attempts == ["attempt1"], "one attempt: retrying cannot change the input"
    assert isinstance(failed.value, ScriptRefusedInputError) and not isinstance(failed.value, FlyteRecoverableException)


def test_the_script_gets_the_tier_thread_budget() -> None:
    assert single_output_flow("env OMP_NUM_THREADS")() == 1


@workflow
def failing_then_downstream() -> int:
    first = run_job_task("upstream_fails", f"{MISBEHAVE} abc_int", "Small", output_specs=[Output("result", int)])
    return run_job_task(
        "downstream_never_runs",
        f"{MISBEHAVE} fail_until 1",
        "Small",
        inputs=[Input("value", int, first)],
        output_specs=[Output("result", int)],
    )


def test_nothing_of_a_failed_task_reaches_downstream(work_dir: Path) -> None:
    with pytest.raises(Exception, match="upstream_fails"):
        failing_then_downstream()
    assert not [p for p in work_dir.iterdir() if p.name.startswith("downstream_never_runs")]


def define(**overrides: typing.Any):
    """Compile a one-task workflow with the given run_job_task arguments; returns the workflow."""
    arguments = {
        "flyte_task_name": "defined",
        "command": f"{MISBEHAVE} fail_until 1",
        "hardware_tier_name": "Small",
        "output_specs": [Output("result", int)],
        **overrides,
    }

    @workflow
    def flow() -> None:
        run_job_task(**arguments)

    return flow


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"hardware_tier_name": "Huge"}, r"unknown hardware tier 'Huge'; valid tiers: Small, Medium, Large, GPU"),
        (
            {"dataset_snapshots": [DatasetSnapshot("iris", 99)]},
            r"unknown version '99' of dataset snapshot 'iris'; versions: 1",
        ),
        ({"dataset_snapshots": [DatasetSnapshot("nope", 1)]}, r"unknown dataset snapshot 'nope'; datasets: iris"),
        ({"command": "python tasks/does_not_exist.py"}, r"script .*tasks/does_not_exist.py does not exist"),
        ({"command": "python 'unbalanced"}, r"command .* does not parse: No closing quotation"),
        ({"output_specs": [Output("../escape", int)]}, r"output '../escape' must be an identifier"),
        ({"output_specs": [Output("result", set)]}, r"output 'result': unsupported type"),
        ({"output_specs": [Output("a", int), Output("a", int)]}, r"output 'a' is declared twice"),
        ({"retries": -1}, r"retries must be 0 or more"),
        ({"timeout": 0}, r"timeout must be positive"),
        ({"timout": 60}, r"unknown argument 'timout' \(did you mean 'timeout'\?\)"),
        ({"gpu_count": 1}, r"unknown argument 'gpu_count'$"),
    ],
)
def test_a_bad_definition_fails_when_the_flow_is_defined(overrides, expected) -> None:
    with pytest.raises(JobDefinitionError, match=r"task 'tests\.flowjobs\.test_jobs\.defined': " + expected):
        define(**overrides).compile()


def test_the_job_core_takes_no_plugin_s_arguments_and_a_plugin_it_does_not_know_is_one_line() -> None:
    """Domino's own keywords belong to Domino's API (flowjobs.domino.helpers), not to the plain job task."""
    with pytest.raises(JobDefinitionError, match=r"unknown argument 'volume_size_gib'"):
        define(flyte_task_name="plain_a", volume_size_gib=10).compile()
    with pytest.raises(JobDefinitionError, match=r"job plugin 'nope' is not installed here \(installed: domino\)"):
        define(flyte_task_name="plain_b", plugin="nope").compile()


def test_the_resolver_rebuilds_the_same_task_from_its_loader_args() -> None:
    from flytekit.configuration import Image, ImageConfig, SerializationSettings

    define(flyte_task_name="resolved", retries=2, timeout=30, cache=True, cache_version="7").compile()
    task = jobs._TASKS["tests.flowjobs.test_jobs.resolved"]
    settings = SerializationSettings(image_config=ImageConfig(default_image=Image(name="d", fqn="img", tag="1")))
    args = task.get_command(settings)
    assert args[args.index("--resolver") + 1] == "flowjobs.jobs.job_task_resolver"
    rebuilt = jobs.job_task_resolver.load_task(args[args.index("--") + 1 :])
    assert rebuilt.spec == task.spec and rebuilt is not task
    assert rebuilt.interface.outputs.keys() == {"result"}
    assert rebuilt.metadata.retries == 2 and rebuilt.metadata.timeout == dt.timedelta(seconds=30)
    assert rebuilt.metadata.cache_version.startswith("7-")


def test_the_cache_version_changes_with_the_script_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "step.py"
    script.write_text("print(1)\n")
    first = jobs._cache_version("1", f"python {script}")
    script.write_text("print(2)\n")
    assert jobs._cache_version("1", f"python {script}") != first
    assert jobs._cache_version("2", f"python {script}") != jobs._cache_version("1", f"python {script}")


def test_redefining_a_task_name_with_other_settings_is_an_error() -> None:
    define(flyte_task_name="twice").compile()
    with pytest.raises(JobDefinitionError, match="defined twice with different settings"):
        define(flyte_task_name="twice", retries=3).compile()
