"""`flowjobs run --in-image`: a flow whose tasks use two environments runs across two real images, as pods.

Both images are built from the project's image (made by flowjobs/container/build.py, a cache hit after `make
image-check`): the first carries the probe script and FLOWJOBS_PROBE_ENVIRONMENT=first, the second is built FROM
the first with its own variable and a file only it has. The second task must see the second image's variable and
file and the first task's output, and both pods belong to the runner's execution.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flowjobs.container import build
from flowjobs.records import TaskStatus
from tests.support.project import PROJECT_ROOT
from tests.support.runner.harness import run_flow

FLOW = str(PROJECT_ROOT / "tests" / "support" / "environments_flow.py")
FIRST, SECOND = "localhost/flowjobs-probe:first", "localhost/flowjobs-probe:second"
PROBE = PROJECT_ROOT / "tests" / "scripts" / "environment_probe.py"


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    context = tmp_path_factory.mktemp("probe-images")
    project = build.build(log_file=context / "project-build.log")
    shutil.copy2(PROBE, context / PROBE.name)
    (context / "first.Dockerfile").write_text(
        f"FROM {project.tag}\nCOPY {PROBE.name} /mnt/code/tests/scripts/\nENV FLOWJOBS_PROBE_ENVIRONMENT=first\n"
    )
    (context / "second.Dockerfile").write_text(
        f"FROM {FIRST}\nENV FLOWJOBS_PROBE_ENVIRONMENT=second\nRUN echo extra-file > /etc/flowjobs-probe\n"
    )
    for tag, name in ((FIRST, "first"), (SECOND, "second")):
        build.build(tag, context, context / f"{name}.Dockerfile", log_file=context / f"{name}.log")
    return FIRST, SECOND


def test_each_task_runs_in_its_environments_image_with_outputs_crossing(images) -> None:
    first, second = images
    outcome = run_flow(
        "across_environments", "--greeting", "hi", "--in-image", first, "--in-image", f"gpu={second}", file=FLOW
    )
    assert outcome.code == 0, outcome.log
    run = f"@{outcome.record.execution_id}"  # both pods are of the runner's execution, as on a cluster
    assert outcome.stdout.strip() == f"hi > first:- {run} > second:extra-file {run}"
    assert {entry.status for entry in outcome.record.tasks.values()} == {TaskStatus.DONE}


def test_a_refused_input_in_a_container_fails_the_task_with_the_scripts_message(images) -> None:
    first, second = images
    outcome = run_flow(
        "across_environments", "--greeting", "refuse", "--in-image", first, "--in-image", f"gpu={second}", file=FLOW
    )
    assert outcome.code == 1
    failed = [line for line in outcome.log.splitlines() if line.startswith("failed:")]
    assert failed and "in_default" in failed[0] and f"in image {first}" in failed[0], outcome.log
    assert "input 'greeting': 'refuse' is refused" in outcome.log
    assert outcome.status("in_gpu") == TaskStatus.SKIPPED, "nothing runs after the refusal"


def test_without_an_engine_one_line_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FLOWJOBS_CONTAINER_ENGINE", "no-such-engine")
    outcome = run_flow("across_environments", "--in-image", "localhost/anything:1", file=FLOW)
    assert outcome.code == 2
    assert (
        outcome.log.strip()
        == "error: --in-image: no container engine: install no-such-engine (Debian: apt-get install podman runc)"
    )
    assert outcome.record is None, "nothing ran"


def test_named_images_need_one_default_image() -> None:
    outcome = run_flow("across_environments", "--in-image", "gpu=localhost/x:1", file=FLOW)
    assert outcome.code == 2 and "--in-image needs a default image" in outcome.log
    outcome = run_flow("across_environments", "--in-image", "localhost/x:1", "--in-image", "localhost/y:1", file=FLOW)
    assert outcome.code == 2 and "--in-image names 2 default images (localhost/x:1, localhost/y:1)" in outcome.log
