"""The cache key's code hash: the script, the project modules it imports, the libraries, the image."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from flowjobs import hashing
from tests.support.project import PROJECT_ROOT


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small project: tasks/step.py imports lib.util, which imports its sibling relatively."""
    monkeypatch.setenv("FLOWJOBS_PROJECT_ROOT", str(tmp_path))
    for folder in ("tasks", "lib"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "lib" / "util.py").write_text("from .constants import SEED\n")
    (tmp_path / "lib" / "constants.py").write_text("SEED = 1\n")
    (tmp_path / "lib" / "unused.py").write_text("X = 1\n")
    (tmp_path / "tasks" / "step.py").write_text("import pandas\nfrom lib.util import SEED\nprint(SEED)\n")
    return tmp_path


def digest(project: Path, image: str = "") -> str:
    script = project / "tasks" / "step.py"
    return hashing.code_hash(f"python {script}", script, image)


def test_the_walk_follows_project_imports_and_nothing_else(project: Path) -> None:
    found = {str(path.relative_to(project)) for path in hashing.project_modules(project / "tasks" / "step.py")}
    assert found == {"tasks/step.py", "lib/__init__.py", "lib/util.py", "lib/constants.py"}


@pytest.mark.parametrize("edited", ["tasks/step.py", "lib/util.py", "lib/constants.py"])
def test_editing_the_script_or_a_module_it_imports_changes_the_hash(project: Path, edited: str) -> None:
    before = digest(project)
    (project / edited).write_text((project / edited).read_text() + "# edited\n")
    assert digest(project) != before


def test_editing_a_module_it_does_not_import_keeps_the_hash(project: Path) -> None:
    before = digest(project)
    (project / "lib" / "unused.py").write_text("X = 2\n")
    assert digest(project) == before


def test_the_image_is_part_of_the_hash(project: Path) -> None:
    assert digest(project, "registry.example/flowjobs:1") != digest(project, "registry.example/flowjobs:2")


def test_the_installed_library_versions_are_part_of_the_hash() -> None:
    pins = hashing.library_versions()
    assert f"flytekit=={importlib.metadata.version('flytekit')}" in pins
    assert f"scikit-learn=={importlib.metadata.version('scikit-learn')}" in pins
    assert not any(pin.startswith(("pytest==", "ruff==")) for pin in pins), "the dev extra does not count"


def test_a_training_script_depends_on_the_shared_training_code() -> None:
    found = set(hashing.project_modules(PROJECT_ROOT / "tasks" / "train_random_forest.py"))
    assert {PROJECT_ROOT / "tasks" / "training.py", PROJECT_ROOT / "helpers" / "flows.py"} <= found
