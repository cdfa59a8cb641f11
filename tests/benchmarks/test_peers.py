"""Benchmark (a)'s start-up rows beside its peers (benchmarks/peers.py): each command doing nothing, and
flytekit's import alone, measured for real in a fresh interpreter."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import peers


def test_flytekit_import_is_timed_in_a_fresh_interpreter() -> None:
    took = peers.flytekit_import()
    assert 0.05 < took < 60  # a real import of flytekit's ~1,000 modules, not a cached one (that takes microseconds)


def test_start_rows_give_each_command_its_median_and_its_ratio_to_flowjobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(peers, "PEERS_PYTHON", Path("/nonexistent/python"))  # the peers' environment not made
    walls = iter([3.0, 1.0, 2.5, 9.0, 2.0])
    rows = peers.start_rows(4, lambda: next(walls))
    assert [row[0] for row in rows] == ["flowjobs run", "flytekit's import alone (a fresh interpreter)"]
    assert rows[0][1:] == ["2.50s", "1.00"]  # the median of five, not the mean (3.5), the first or the last
    imported = float(rows[1][1].rstrip("s"))
    assert abs(float(rows[1][2]) - imported / 2.5) < 0.01  # both shown rounded to two places
