"""Cache keys count file inputs by content; stored entries are whole or absent, and can be moved whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flytekit.models.literals import LiteralMap

from flowjobs import jobs
from flowjobs.runner.cache import PARTIAL_PREFIX, ResultStore, cache_key
from tests.support.runner import flows
from tests.support.runner.harness import literals


@pytest.fixture(scope="module")
def count_lines() -> jobs.JobTask:
    flows.counted.compile()
    return jobs._TASKS["tests.support.runner.flows.count_lines"]


def local_file(path: Path) -> flows.CSV:
    return flows.CSV(str(path), remote_path=False)  # as `pyflyte run` passes a local file: not copied anywhere


def table_input(path: Path) -> LiteralMap:
    return literals(table=(flows.CSV, local_file(path)))


def test_a_file_input_counts_by_its_bytes_not_its_path_or_time(tmp_path: Path, count_lines) -> None:
    table, copy = tmp_path / "table.csv", tmp_path / "elsewhere.csv"
    table.write_text("a\nb\n")
    copy.write_text("a\nb\n")
    key = cache_key(count_lines, table_input(table))
    os.utime(table, (1, 1))
    assert cache_key(count_lines, table_input(table)) == key
    assert cache_key(count_lines, table_input(copy)) == key
    table.write_text("a\nc\n")
    assert cache_key(count_lines, table_input(table)) != key


def test_the_key_changes_with_the_task(tmp_path: Path, count_lines) -> None:
    flows.sleeps.compile()
    table = tmp_path / "t.csv"
    table.write_text("x\n")
    other = jobs._TASKS["tests.support.runner.flows.sleep_0"]
    assert cache_key(count_lines, table_input(table)) != cache_key(other, table_input(table))


def test_an_entry_keeps_its_files_and_moves_whole(tmp_path: Path) -> None:
    produced = tmp_path / "attempt" / "model.pkl"
    produced.parent.mkdir()
    produced.write_bytes(b"model bytes")
    cache, later = ResultStore(tmp_path / "cache"), ResultStore(tmp_path / "later")
    cache.put("k1", literals(model=(flows.CSV, local_file(produced)), rows=(int, 7)))
    produced.unlink()  # the attempt folder may go; the entry has its own file

    stored = cache.get("k1")
    path = Path(stored.literals["model"].scalar.blob.uri)
    assert path.read_bytes() == b"model bytes" and path.is_relative_to(cache.folder / "k1")
    assert stored.literals["rows"].scalar.primitive.integer == 7

    moved = later.take("k1", cache)
    assert "k1" not in cache and "k1" in later
    assert Path(moved.literals["model"].scalar.blob.uri).read_bytes() == b"model bytes"
    assert cache.get("missing") is None and later.take("missing", cache) is None


def test_a_half_written_entry_is_never_seen(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "store")
    (store.folder / f"{PARTIAL_PREFIX}k2-1234").mkdir(parents=True)  # what an interrupted put leaves
    assert "k2" not in store and store.get("k2") is None
    source = ResultStore(tmp_path / "previous")
    source.put("k3", literals(rows=(int, 1)))
    (source.folder / f"{PARTIAL_PREFIX}k4-1").mkdir()
    store.absorb(source)
    assert "k3" in store and not source.folder.exists()
    assert sorted(p.name for p in store.folder.iterdir() if not p.name.startswith(PARTIAL_PREFIX)) == ["k3"]
