"""What the confinement tests share (tests/security): a folder of this machine outside /tmp holding the execution's
state and work folders and another execution's record, the places a task must not write, and a run of the probing
task that reports what it could do with each (whatever it managed to write is removed)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.runner.harness import run_flow

OTHER_RECORD = '{"execution_id": "local-other-execution"}'


@dataclass
class Confinement:
    """`places` the probing task tries to write, by name; `other` another execution's record it tries to read."""

    outside: Path
    other: Path
    places: dict[str, Path]
    monkeypatch: pytest.MonkeyPatch

    def probe(self, workflow: str, file: str) -> tuple[dict[str, str], list[str]]:
        """Run the probing workflow: what it reported for each path, and which places it left written."""
        self.monkeypatch.setenv("CONFINE_WRITES", json.dumps([str(path) for path in self.places.values()]))
        try:
            outcome = run_flow(workflow, file=file)
            assert outcome.code == 0, outcome.log
            report = json.loads(outcome.stdout.strip())
            left = [name for name, path in self.places.items() if path != self.other and path.exists()]
        finally:
            for path in self.places.values():
                if path != self.other:
                    path.unlink(missing_ok=True)
        return report, left


def prepare(outside: Path, monkeypatch: pytest.MonkeyPatch) -> Confinement:
    """State and work folders in `outside` (a user's project's are outside /tmp), another execution's record
    there, and the places every confined task must leave alone: $HOME, /etc, another folder, that record."""
    other = outside / "state" / "runs" / "local-other-execution" / "record.json"
    other.parent.mkdir(parents=True)
    other.write_text(OTHER_RECORD)
    mark = uuid.uuid4().hex[:8]
    places = {
        "home": Path.home() / f"written-{mark}",
        "etc": Path("/etc") / f"written-{mark}",
        "another folder": outside / f"written-{mark}",
        "another record": other,
    }
    monkeypatch.setenv("FLOWJOBS_STATE_DIR", str(outside / "state"))
    monkeypatch.setenv("FLOWJOBS_WORK_DIR", str(outside / "jobs"))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{outside / 'store' / 'mlflow.db'}")
    monkeypatch.setenv("CONFINE_READS", json.dumps([str(other)]))
    return Confinement(outside, other, places, monkeypatch)
