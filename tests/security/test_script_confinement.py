"""Our own job task's script, where bwrap works, sees this machine read-only except what it is meant to write (its
attempt folder, the project, the tracking store, /tmp): not /etc, not $HOME, not another folder of the machine,
and another execution's record is hidden."""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.project import PROJECT_ROOT
from tests.support.runner.harness import run_flow

FLOW = str(PROJECT_ROOT / "tests" / "support" / "runner" / "runaway_flow.py")


@pytest.fixture
def outside_tmp() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="flowjobs-confined-", dir="/var/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_job_script_writes_only_what_it_is_meant_to(outside_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mark = uuid.uuid4().hex[:8]
    other = outside_tmp / "state" / "runs" / "local-other-execution" / "record.json"
    other.parent.mkdir(parents=True)
    other.write_text('{"execution_id": "local-other-execution"}')
    refused = {
        "home": Path.home() / f"written-{mark}",
        "etc": Path("/etc") / f"written-{mark}",
        "another folder": outside_tmp / f"written-{mark}",
        "another record": other,
    }
    monkeypatch.setenv("FLOWJOBS_STATE_DIR", str(outside_tmp / "state"))
    monkeypatch.setenv("FLOWJOBS_WORK_DIR", str(outside_tmp / "jobs"))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{outside_tmp / 'store' / 'mlflow.db'}")
    monkeypatch.setenv("CONFINE_WRITES", json.dumps([str(path) for path in refused.values()]))
    monkeypatch.setenv("CONFINE_READS", json.dumps([str(other)]))
    try:
        outcome = run_flow("confined_script", file=FLOW)
        assert outcome.code == 0, outcome.log
        report = json.loads(outcome.stdout.strip())
        left = [name for name, path in refused.items() if name != "another record" and path.exists()]
    finally:
        for name, path in refused.items():
            if name != "another record":
                path.unlink(missing_ok=True)
    assert left == [], "the script wrote outside what it is meant to"
    assert {name: report[str(path)] for name, path in refused.items()} == {
        "home": "OSError",
        "etc": "OSError",
        "another folder": "OSError",
        "another record": "FileNotFoundError",
    }
    assert other.read_text() == '{"execution_id": "local-other-execution"}'
