"""A Domino task writes only its own /workflow/outputs, its scratch (a private /tmp) and its attempt folder: the
project checkout at its real path, $HOME, this machine's /tmp, /etc and other folders are read-only to it, and
another execution's record is neither readable nor writable; its processes see no other process."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.support.confinement import OTHER_RECORD, Confinement
from tests.support.project import PROJECT_ROOT

FLOWS = str(PROJECT_ROOT / "tests" / "support" / "domino" / "flows.py")


def test_a_domino_task_writes_only_its_own_folders(
    tmp_path: Path, confinement: Confinement, monkeypatch: pytest.MonkeyPatch
) -> None:
    mark = confinement.places["home"].name
    confinement.places["checkout"] = PROJECT_ROOT / mark
    confinement.places["host tmp"] = Path(tempfile.gettempdir()) / mark
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    report, left = confinement.probe("confined", FLOWS)
    assert left == [], "a Domino task wrote outside its own folders"
    writes = {name: report[str(path)] for name, path in confinement.places.items()}
    assert writes.pop("host tmp") == "written", "its /tmp is its scratch: written there, not on this machine"
    assert "written" not in writes.values(), writes
    assert confinement.other.read_text() == OTHER_RECORD
    assert not report[str(confinement.other)].startswith("read"), "another execution's record is hidden from the task"
    assert report["scratch"].startswith("/tmp/") and not Path(report["scratch"]).exists()
    assert report["home"] == "/tmp"
    assert report["processes"] <= 3, f"it sees only its own processes, not {report['processes']}"
    assert os.listdir(confinement.outside / "state" / "runs") != []
