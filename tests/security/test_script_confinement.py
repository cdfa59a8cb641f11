"""Our own job task's script, where bwrap works, sees this machine read-only except what it is meant to write (its
attempt folder, the project, the tracking store, /tmp): not /etc, not $HOME, not another folder of the machine,
and another execution's record is hidden."""

from __future__ import annotations

from tests.support.confinement import OTHER_RECORD, Confinement
from tests.support.project import PROJECT_ROOT

FLOW = str(PROJECT_ROOT / "tests" / "support" / "runner" / "runaway_flow.py")


def test_a_job_script_writes_only_what_it_is_meant_to(confinement: Confinement) -> None:
    report, left = confinement.probe("confined_script", FLOW)
    assert left == [], "the script wrote outside what it is meant to"
    assert {name: report[str(path)] for name, path in confinement.places.items()} == {
        "home": "OSError",
        "etc": "OSError",
        "another folder": "OSError",
        "another record": "FileNotFoundError",
    }
    assert confinement.other.read_text() == OTHER_RECORD
