"""Sixteen `flowjobs run` executions at once against one MLflow store lose nothing, on SQLite and on PostgreSQL.

Each execution of the tracked flow (tests/support/tracked_flow.py) opens its parent run, logs a branch run with
ten steps of five metrics and registers a model version; afterwards MLflow must hold every run FINISHED, every
metric value at its step and one version per execution, and every execution must have exited 0. The figures
(throughput, p95 per-task overhead) are listed at the end of the test run; `benchmarks/run.py --load`
prints the same ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import figures, load
from tests.support.servers import require_postgres

pytestmark = pytest.mark.slow
EXECUTIONS = 16


@pytest.mark.parametrize("kind", load.STORES)
def test_sixteen_concurrent_executions_lose_no_run_metric_or_version(kind: str, tmp_path: Path) -> None:
    if kind == "postgres":
        require_postgres()
    with load.store(kind, tmp_path / "store") as uri:
        ran = load.run_concurrently(EXECUTIONS, tmp_path, uri)
        problems = load.missing(ran, load.client(uri))
    measured = load.figures(ran)
    figures.record("load: 16 concurrent executions", measured.line(kind))
    assert problems == []
    assert sorted(int(execution.version) for execution in ran.executions) == list(range(1, EXECUTIONS + 1))
    assert measured.tasks == 3 * EXECUTIONS and all(overhead >= 0 for overhead in measured.overheads)
