"""`flowjobs run --in-image` with an image that is neither on this machine nor pullable: one line naming the image,
before any task runs (it was the engine's "Trying to pull …" and retries, the cause four lines lower)."""

from __future__ import annotations

from tests.support.project import PROJECT_ROOT
from tests.support.runner.harness import run_flow

FLOW = str(PROJECT_ROOT / "tests" / "support" / "environments_flow.py")
MISSING = "localhost/flowjobs-no-such-image:1"


def test_a_missing_image_is_one_line_naming_it_and_nothing_runs() -> None:
    ran = run_flow("across_environments", "--greeting", "hi", "--in-image", MISSING, file=FLOW)
    assert ran.code == 2 and ran.record is None, ran.log
    line = ran.log.strip()
    assert len(line.splitlines()) == 1, line
    assert line.startswith(f"error: --in-image default: image {MISSING} is not on this machine and was not pulled: ")
    assert "Trying to pull" not in line
