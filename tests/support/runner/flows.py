"""Small flows the runner's tests (and its benchmark) run with `flowjobs run`.

sleeps          four independent Small branches ─► their results as a list
tiers           Medium ×2, Small ×2 and one Large branch, all independent
flaky           one task that fails twice, then succeeds (retries=2)
too_slow        one task that sleeps past its timeout
long_sleep      one task that sleeps five minutes (its runner is killed meanwhile)
gated           first ─► gate (fails unless the gate file says "pass") ─► last;  aside (independent)
counted         a cached task counting a CSV's lines
filling_log     a task filling its disk by printing (the runner writes its log)
filling_output  a task filling its disk by writing an output
out_of_memory   a plain task that joins a memory cgroup and allocates past its limit
shapes          a subworkflow, an @dynamic fan-out and a conditional (if / elif / else fail)
interruptible   a script whose child leaves its session, and a script with a real H2O JVM
ahead           first (sleeps) ─► second (its attempt number); ahead_failing: first fails, second never runs;
                ahead_wide: first (sleeps) ─► four sleeping tasks
"""

from __future__ import annotations

import os
import typing
from pathlib import Path

from flytekit import conditional, dynamic, task, workflow
from flytekit.types.file import FlyteFile

from flowjobs.jobs import Input, Output, run_job_task

CSV = FlyteFile[typing.TypeVar("csv")]
TXT = FlyteFile[typing.TypeVar("txt")]
MISBEHAVE = "python tests/scripts/misbehave.py"
STEP = "python tests/scripts/runner_step.py"
SLEEP_SECONDS = 1.0


def job(name: str, command: str, *inputs: Input, tier: str = "Small", **options: typing.Any) -> typing.Any:
    """A job task whose one output is the int `result`."""
    return run_job_task(name, command, tier, inputs=list(inputs), output_specs=[Output("result", int)], **options)


def sleeper(name: str, tier: str, seconds: float = SLEEP_SECONDS, **options: typing.Any) -> typing.Any:
    return job(name, f"{MISBEHAVE} sleep {seconds}", tier=tier, **options)


@workflow
def sleeps() -> typing.List[int]:
    return [sleeper(f"sleep_{index}", "Small") for index in range(4)]


@workflow
def tiers() -> typing.List[int]:
    tiers_used = ["Medium", "Medium", "Small", "Small", "Large"]
    return [sleeper(f"tier_{index}_{tier}", tier, seconds=1.0) for index, tier in enumerate(tiers_used)]


def first_then_second(first: str, first_command: str) -> typing.Any:
    done = job(first, first_command)
    return job("ahead_second", f"{MISBEHAVE} env FLOWJOBS_ATTEMPT", Input("after", int, done))


@workflow
def ahead() -> int:
    return first_then_second("ahead_first", f"{MISBEHAVE} sleep 3")


@workflow
def ahead_wide() -> typing.List[int]:
    done = job("ahead_wide_first", f"{MISBEHAVE} sleep 3")
    return [job(f"ahead_wide_{index}", f"{MISBEHAVE} sleep 1", Input("after", int, done)) for index in range(4)]


@workflow
def ahead_failing() -> int:
    return first_then_second("ahead_failing_first", f"{MISBEHAVE} sleep_fail 3")


@workflow
def flaky() -> int:
    return job("flaky", f"{MISBEHAVE} fail_until 3", retries=2)


@workflow
def too_slow() -> int:
    return sleeper("too_slow", "Small", seconds=60, timeout=1)


@workflow
def long_sleep() -> int:
    return sleeper("long_sleep", "Small", seconds=300)


@workflow
def gated(gate: TXT) -> typing.Tuple[int, int]:
    first = sleeper("first", "Small", seconds=0.1)
    aside = sleeper("aside", "Small", seconds=0.1)
    opened = job("gate", f"{STEP} gate", Input("gate", TXT, gate), Input("after", int, first))
    last = job("last", f"{MISBEHAVE} fail_until 1", Input("after", int, opened))
    return last, aside


@workflow
def counted(table: CSV) -> int:
    return job("count_lines", f"{STEP} lines", Input("table", CSV, table), cache=True, cache_version="1")


@workflow
def filling_log() -> int:
    return job("fill_disk_log", "python tests/scripts/fill_disk.py log")


@workflow
def filling_output() -> int:
    return job("fill_disk_output", "python tests/scripts/fill_disk.py output")


@task
def allocate_past(cgroup: str) -> int:
    print("allocating past the limit", flush=True)
    Path(cgroup, "cgroup.procs").write_text(str(os.getpid()))
    return len(bytearray(512 * 1024 * 1024))


@workflow
def out_of_memory(cgroup: str) -> int:
    return allocate_past(cgroup=cgroup)


@task
def double(x: int) -> int:
    return 2 * x


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def describe(value: int, size: str) -> str:
    return f"{size} {value}"


@workflow
def triple(x: int) -> int:
    return add(a=double(x=x), b=x)


@dynamic
def doubles(n: int) -> typing.List[int]:
    return [double(x=index) for index in range(n)]


@workflow
def shapes(x: int = 3, n: int = 4) -> typing.Tuple[int, typing.List[int], str]:
    tripled = triple(x=x)
    label = (
        conditional("size")
        .if_(tripled > 10)
        .then(describe(value=tripled, size="big"))
        .elif_(tripled >= 0)
        .then(describe(value=tripled, size="small"))
        .else_()
        .fail("negative input")
    )
    return tripled, doubles(n=n), label


@workflow
def interruptible(pid_dir: str) -> typing.Tuple[int, int]:
    spawner = job("spawner", f"{STEP} spawn_and_wait", Input("pid_dir", str, pid_dir))
    jvm = job("jvm", f"{STEP} h2o_and_wait", Input("pid_dir", str, pid_dir))
    return spawner, jvm
