"""A Domino task writes only its own /workflow/outputs, its scratch (a private /tmp) and its attempt folder: the
project checkout at its real path, $HOME, this machine's /tmp, /etc and other folders are read-only to it, and
another execution's record is neither readable nor writable; its processes see no other process."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.project import PROJECT_ROOT
from tests.support.runner.harness import run_flow

FLOWS = str(PROJECT_ROOT / "tests" / "support" / "domino" / "flows.py")


@pytest.fixture
def outside_tmp() -> Iterator[Path]:
    """A folder of this machine outside /tmp (the state and work folders of a user's project are)."""
    folder = Path(tempfile.mkdtemp(prefix="flowjobs-confined-", dir="/var/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_domino_task_writes_only_its_own_folders(
    tmp_path: Path, outside_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mark = uuid.uuid4().hex[:8]
    other = outside_tmp / "state" / "runs" / "local-other-execution" / "record.json"
    other.parent.mkdir(parents=True)
    other.write_text('{"execution_id": "local-other-execution"}')
    places = {
        "checkout": PROJECT_ROOT / f"written-{mark}",
        "home": Path.home() / f"written-{mark}",
        "host tmp": Path(tempfile.gettempdir()) / f"written-{mark}",
        "etc": Path("/etc") / f"written-{mark}",
        "another folder": outside_tmp / f"written-{mark}",
        "another record": other,
    }
    monkeypatch.setenv("FLOWJOBS_STATE_DIR", str(outside_tmp / "state"))
    monkeypatch.setenv("FLOWJOBS_WORK_DIR", str(outside_tmp / "jobs"))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("CONFINE_WRITES", json.dumps([str(path) for path in places.values()]))
    monkeypatch.setenv("CONFINE_READS", json.dumps([str(other)]))
    try:
        outcome = run_flow("confined", file=FLOWS)
        assert outcome.code == 0, outcome.log
        report = json.loads(outcome.stdout.strip())
        left = {name: path for name, path in places.items() if name != "another record" and path.exists()}
    finally:
        for name, path in places.items():
            if name != "another record":
                path.unlink(missing_ok=True)
    assert left == {}, "a Domino task wrote outside its own folders"
    writes = {name: report[str(path)] for name, path in places.items()}
    assert writes.pop("host tmp") == "written", "its /tmp is its scratch: written there, not on this machine"
    assert "written" not in writes.values(), writes
    assert other.read_text() == '{"execution_id": "local-other-execution"}'
    assert not report[str(other)].startswith("read"), "another execution's record is hidden from the task"
    assert report["scratch"].startswith("/tmp/") and not Path(report["scratch"]).exists()
    assert report["home"] == "/tmp"
    assert report["processes"] <= 3, f"it sees only its own processes, not {report['processes']}"
    assert os.listdir(outside_tmp / "state" / "runs") != []
