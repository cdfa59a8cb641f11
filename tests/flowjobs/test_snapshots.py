"""Dataset snapshots: resolution, pinned content hashes and what arrives in the script's inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowjobs.snapshots import DatasetSnapshot, SnapshotError, content_hash, materialize, resolve, resolve_ref
from tests.support.project import PROJECT_ROOT


def catalog(tmp_path: Path, pinned: str | None = "auto") -> Path:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.csv").write_text("Id\n1\n")
    (tmp_path / "sub" / "b.csv").write_text("Id\n2\n")
    files = [tmp_path / "a.csv", tmp_path / "sub" / "b.csv"]
    sha = content_hash(files, tmp_path) if pinned == "auto" else pinned
    path = tmp_path / "snapshots.yaml"
    path.write_text("demo:\n  '2':\n    files: [a.csv, sub/b.csv]\n" + (f"    sha256: {sha}\n" if sha else ""))
    return path


def test_the_shipped_iris_snapshot_resolves_to_the_four_partitions() -> None:
    resolved = resolve(DatasetSnapshot("iris", 1))
    assert resolved.files == ("datasetA.csv", "datasetB.csv", "datasetC.csv", "datasetD.csv")
    assert resolved.root == PROJECT_ROOT / "data"
    assert resolved.ref == f"iris@1#sha256:{resolved.sha256}" and len(resolved.sha256) == 64


def test_a_snapshot_arrives_as_a_folder_of_its_files(tmp_path: Path) -> None:
    resolved = resolve(DatasetSnapshot("demo", 2), catalog(tmp_path))
    target = materialize(resolved, tmp_path / "inputs" / "demo")
    assert (target / "a.csv").read_text() == "Id\n1\n" and (target / "sub" / "b.csv").read_text() == "Id\n2\n"


def test_changed_content_is_refused(tmp_path: Path) -> None:
    path = catalog(tmp_path)
    ref = resolve(DatasetSnapshot("demo", 2), path).ref
    (tmp_path / "a.csv").write_text("Id\n99\n")
    with pytest.raises(SnapshotError, match=r"demo@2 changed since it was pinned .* add a new version"):
        resolve_ref(ref, path)


def test_an_unpinned_version_says_what_to_pin(tmp_path: Path) -> None:
    path = catalog(tmp_path, pinned=None)
    expected = content_hash([tmp_path / "a.csv", tmp_path / "sub" / "b.csv"], tmp_path)
    with pytest.raises(SnapshotError, match=f"not pinned; add `sha256: {expected}`"):
        resolve(DatasetSnapshot("demo", 2), path)


def test_unknown_names_and_versions_list_what_exists(tmp_path: Path) -> None:
    path = catalog(tmp_path)
    with pytest.raises(SnapshotError, match="unknown dataset snapshot 'other'; datasets: demo"):
        resolve(DatasetSnapshot("other", 1), path)
    with pytest.raises(SnapshotError, match="unknown version '3' of dataset snapshot 'demo'; versions: 2"):
        resolve(DatasetSnapshot("demo", 3), path)


def test_a_missing_file_and_a_bad_reference_are_errors(tmp_path: Path) -> None:
    path = catalog(tmp_path)
    (tmp_path / "a.csv").unlink()
    with pytest.raises(SnapshotError, match=r"demo@2: missing files .*a.csv"):
        resolve(DatasetSnapshot("demo", 2), path)
    with pytest.raises(SnapshotError, match="not a snapshot reference"):
        resolve_ref("demo-2", path)


def test_the_content_hash_covers_names_and_bytes(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("1")
    (tmp_path / "b").write_text("1")
    assert content_hash([tmp_path / "a"], tmp_path) != content_hash([tmp_path / "b"], tmp_path)
    assert content_hash([tmp_path / "a", tmp_path / "b"], tmp_path) == content_hash(
        [tmp_path / "b", tmp_path / "a"], tmp_path
    )


def test_a_broken_catalog_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "snapshots.yaml"
    path.write_text("demo:\n  '1':\n    filez: [a]\n")
    with pytest.raises(SnapshotError, match=rf"snapshot catalog {path}: demo.1.files: Field required"):
        resolve(DatasetSnapshot("demo", 1), path)


def test_the_snapshot_input_name_is_an_identifier() -> None:
    assert DatasetSnapshot("iris-partitions", 1).input_name == "iris_partitions"
