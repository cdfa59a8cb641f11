"""Every attempt recorded, whatever ran it (a plain task, a map item, a node an @dynamic made, a job task's script),
with its outcome, exit and kept logs; a Flyte checkpoint handed from one attempt to the next; a map over a
`functools.partial` split into items in worker processes."""

from __future__ import annotations

import json
from pathlib import Path

from flowjobs import records, status
from flowjobs.graph import execution as view
from flowjobs.graph.model import Graph, Node, NodeKind
from tests.support.project import PROJECT_ROOT
from tests.support.runner.harness import peak, run_flow

WORKERS = str(PROJECT_ROOT / "tests" / "support" / "runner" / "worker_flows.py")


def outcomes(entry) -> list[str]:
    return [attempt.outcome for attempt in entry.attempts]


def test_a_plain_task_that_fails_once_shows_two_attempts_in_the_summary_and_the_record(tmp_path: Path) -> None:
    outcome = run_flow("flaky_flow", "--marks", str(tmp_path / "marks"), "--succeed_at", "2", file=WORKERS)
    assert outcome.code == 0 and outcome.stdout == "2\n", outcome.log
    (entry,) = outcome.record.tasks.values()
    assert outcomes(entry) == ["failed", "succeeded"] and [a.number for a in entry.attempts] == [1, 2]
    first, second = entry.attempts
    assert first.error == "attempt 1 fails" and second.error is None
    assert first.start <= first.end <= second.start <= second.end == entry.end
    assert Path(first.stdout_log).read_text() == "attempt 1 of flaky\n", "what the attempt printed, kept"
    assert Path(second.stdout_log).read_text() == "attempt 2 of flaky\n"
    assert "attempt 2 of flaky" not in Path(first.stdout_log).read_text()
    summary = next(line for line in outcome.log.splitlines() if line.startswith("│ n0") and "done" in line)
    assert summary.split("│")[5].strip() == "2", f"the summary's attempts column: {summary}"
    written = json.loads((records.execution_dir(outcome.record.execution_id) / records.RECORD_FILE).read_text())
    assert [a["outcome"] for a in written["tasks"]["n0"]["attempts"]] == ["failed", "succeeded"]


def test_flowjobs_status_and_the_execution_view_show_each_attempt(tmp_path: Path) -> None:
    outcome = run_flow("flaky_flow", "--marks", str(tmp_path / "marks"), file=WORKERS)
    rows = status.attempt_rows(outcome.record)
    assert [(row["task"], row["attempt"], row["outcome"]) for row in rows] == [
        ("n0 flaky", "1", "failed"),
        ("n0 flaky", "2", "failed"),
        ("n0 flaky", "3", "succeeded"),
    ]
    assert rows[0]["logs"].endswith("attempt-1") and rows[0]["error"] == "attempt 1 fails"
    node = Node(id="n0", label="flaky", kind=NodeKind.TASK)
    view.annotate(Graph(name="flaky_flow", nodes=[node]), outcome.record)
    assert node.details["attempts"] == "3"
    assert node.details["attempt 1"].startswith("failed · ") and "attempt 1 fails" in node.details["attempt 1"]
    assert node.details["attempt 3"].startswith("succeeded · ")


def test_each_map_item_retries_and_records_its_own_attempts(tmp_path: Path) -> None:
    outcome = run_flow("flaky_items", "--marks", str(tmp_path / "marks"), file=WORKERS)
    assert outcome.code == 0 and outcome.stdout == "[0, 1, 2]\n", outcome.log
    items = {e.name: e for e in outcome.record.tasks.values() if e.name.startswith("flaky_item[")}
    assert sorted(items) == ["flaky_item[0]", "flaky_item[1]", "flaky_item[2]"]
    assert all(outcomes(entry) == ["failed", "succeeded"] for entry in items.values()), items


def test_the_nodes_a_dynamic_makes_record_their_attempts(tmp_path: Path) -> None:
    outcome = run_flow("flaky_children", "--marks", str(tmp_path / "marks"), file=WORKERS)
    assert outcome.code == 0 and outcome.stdout == "1\n", outcome.log
    children = [entry for key, entry in outcome.record.tasks.items() if key.startswith("n0/")]
    assert len(children) == 2 and all(outcomes(entry) == ["failed", "succeeded"] for entry in children)


def test_a_dead_worker_and_a_timeout_are_recorded_with_how_the_process_ended() -> None:
    crashed = run_flow("crashing", file=WORKERS)
    died = next(entry for entry in crashed.record.tasks.values() if entry.name == "die")
    (attempt,) = died.attempts
    assert attempt.outcome == "failed" and attempt.exit_code == 3 and attempt.exit_signal is None
    timed_out = run_flow("too_slow", file=WORKERS)
    (attempt,) = timed_out.record.tasks["n0"].attempts
    assert attempt.outcome == "timed out" and attempt.exit_signal == 9


def test_a_checkpoint_is_handed_to_the_next_attempt_as_on_a_cluster() -> None:
    """Flyte's checkpoint example: counting to 10 and failing every third of the way, its retries resume from the
    last saved count; a cluster returns 9 after four attempts (without the hand-over, every attempt fails)."""
    outcome = run_flow("checkpointed", file=WORKERS)
    assert outcome.code == 0 and outcome.stdout == "9\n", outcome.log
    (entry,) = outcome.record.tasks.values()
    assert outcomes(entry) == ["failed", "failed", "failed", "succeeded"]
    saved = [(Path(attempt.folder) / "checkpoint" / "_dst_cp").read_text() for attempt in entry.attempts]
    assert saved == ["3", "6", "9", "10"], "each attempt went on from the count the attempt before saved"


def test_a_map_over_a_partial_runs_its_items_side_by_side_in_workers() -> None:
    outcome = run_flow("partial_mapped", "--cpus", "4", file=WORKERS)
    assert outcome.code == 0 and outcome.stdout == "[1.0, 3.0, 5.0, 7.0]\n", outcome.log
    items = {e.name: e for e in outcome.record.tasks.values() if e.name.startswith("priced[")}
    assert sorted(items) == ["priced[0]", "priced[1]", "priced[2]", "priced[3]"], "one node per item"
    assert all(outcomes(entry) == ["succeeded"] for entry in items.values())
    assert peak([(e.start, e.end, 1.0) for e in items.values()]) >= 2, "the items ran at the same time"
