"""Stored outputs (cache and resume entries) are copies sealed with a checksum: a damaged entry is thrown away
with one warning naming it and the task runs again; the resume key covers the code the cache key covers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flyteidl.core import literals_pb2

from flowjobs import jobs, records
from flowjobs.runner import entry_check
from flowjobs.runner.cache import OUTPUTS_FILE, ResultStore, task_version
from tests.support.runner import flows
from tests.support.runner.harness import literals, run_flow


@pytest.fixture
def warned() -> Iterator[list[str]]:
    """The warnings the runner's `flowjobs` logger gives (it prints them on stderr), as they come."""
    seen: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda entry: seen.append(entry.getMessage())
    logging.getLogger("flowjobs").addHandler(handler)
    yield seen
    logging.getLogger("flowjobs").removeHandler(handler)


@pytest.fixture
def stored(tmp_path: Path) -> tuple[ResultStore, Path]:
    """An entry `k1` holding a file output and an int; the file the task produced, outside the entry."""
    produced = tmp_path / "attempt" / "model.pkl"
    produced.parent.mkdir()
    produced.write_bytes(b"model bytes")
    store = ResultStore(tmp_path / "cache")
    store.put("k1", literals(model=(flows.CSV, flows.CSV(str(produced), remote_path=False)), rows=(int, 7)))
    return store, produced


def entry_file(store: ResultStore) -> Path:
    return Path(store.get("k1").literals["model"].scalar.blob.uri)


def test_an_entry_holds_a_copy_the_producer_cannot_change(stored) -> None:
    store, produced = stored
    produced.write_bytes(b"written again by the script")
    assert entry_file(store).read_bytes() == b"model bytes"


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: next((entry / "files").rglob("model.pkl")).write_bytes(b"model bytez"),
        lambda entry: (entry / OUTPUTS_FILE).write_bytes((entry / OUTPUTS_FILE).read_bytes()[:7]),
        lambda entry: (entry / entry_check.CHECKSUM_FILE).unlink(),
    ],
    ids=["a changed file", "truncated outputs", "no checksum"],
)
def test_a_damaged_entry_is_thrown_away_with_one_warning(stored, damage, warned: list[str]) -> None:
    store, _ = stored
    damage(store.folder / "k1")
    assert store.get("k1") is None
    assert "k1" not in store and store.get("k1") is None
    assert len(warned) == 1 and "damaged" in warned[0] and str(store.folder / "k1") in warned[0], warned


def test_a_cached_result_changed_on_disk_is_not_used_and_the_task_runs_again(tmp_path: Path) -> None:
    table = tmp_path / "table.csv"
    table.write_text("a\nb\n")
    assert run_flow("counted", "--table", str(table)).stdout.strip() == "2"
    (outputs,) = (records.state_dir() / "cache").glob(f"*/{OUTPUTS_FILE}")
    proto = literals_pb2.LiteralMap.FromString(outputs.read_bytes())
    proto.literals["result"].scalar.primitive.integer = 99  # a well-formed entry with a wrong value
    outputs.write_bytes(proto.SerializeToString())

    again = run_flow("counted", "--table", str(table))
    assert again.stdout.strip() == "2" and again.status("count_lines") == "done", "never the wrong 99"
    warned = [line for line in again.log.splitlines() if "damaged" in line]  # shown above the live table
    assert len(warned) == 1 and str(outputs.parent) in warned[0], again.log

    later = run_flow("counted", "--table", str(table))
    assert later.status("count_lines") == "cached" and later.stdout.strip() == "2"
    assert "damaged" not in later.log, "the warning does not repeat"


def test_the_resume_key_changes_when_a_module_the_script_imports_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWJOBS_PROJECT_ROOT", str(tmp_path))
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("")
    (tmp_path / "lib" / "training.py").write_text("C = 1.0\n")
    script = tmp_path / "step.py"
    script.write_text("from lib.training import C\nprint(C)\n")
    spec = jobs.JobSpec(name="resume_key.step", command=f"python {script}", tier="Small", inputs={}, outputs={})
    task = jobs.JobTask(spec)  # not cached: the key is the one a resumed run looks up
    before = task_version(task)
    (tmp_path / "lib" / "training.py").write_text("C = 10.0\n")
    assert task_version(task) != before


def test_a_tracked_task_runs_again_instead_of_being_resumed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    file = str(Path(flows.__file__).with_name("tracked_gate.py"))
    gate = tmp_path / "gate.txt"
    gate.write_text("closed\n")
    failed = run_flow("tracked_gate", "--gate", str(gate), file=file)
    assert failed.code == 1 and failed.status("tracked_first") == "done"
    gate.write_text("pass\n")
    resumed = run_flow("tracked_gate", "--gate", str(gate), file=file)
    assert resumed.code == 0, resumed.log
    assert resumed.status("untracked_aside") == "resumed"
    assert resumed.status("tracked_first") == "done", "its runs would belong to the execution it was resumed from"
