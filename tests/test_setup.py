"""`make setup` compiles the bytecode at install, so no run compiles its imports from source.

uv writes no .pyc unless told, and with PYTHONDONTWRITEBYTECODE set (as in many shells and CI) Python then
compiles every import from source in every process: seconds per task. The Makefile installs with
`--compile-bytecode` and compiles the project's own (editable) code with compileall.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = ("src/flowjobs", "helpers", "tasks", "flows", "benchmarks")
# What the job task and the steps import: the libraries whose import time the issue is about.
LIBRARIES = "import flytekit, mlflow, sklearn.linear_model, pandas, xgboost, matplotlib.pyplot, sqlalchemy"


def loaded_library_sources() -> list[str]:
    """The source files of every module a step's libraries load, in a fresh interpreter that writes no .pyc."""
    files = "[getattr(module, '__file__', None) for module in sys.modules.values()]"
    code = f"{LIBRARIES}; import json, sys; print(json.dumps({files}))"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    site = Path(sys.prefix)
    return [
        path
        for path in json.loads(done.stdout.splitlines()[-1])
        if path and path.endswith(".py") and Path(path).is_relative_to(site)
    ]


@pytest.fixture(scope="module")
def install_stamp() -> Path:
    stamps = sorted(Path(sys.prefix).glob(".installed-*"))
    if not stamps:
        pytest.fail(f"{sys.prefix} was not set up by `make setup` (no .installed-* stamp): run `make setup`")
    return stamps[-1]


def test_the_libraries_bytecode_was_written_at_install(install_stamp: Path) -> None:
    sources = loaded_library_sources()
    assert len(sources) > 1000, f"expected the libraries to load over a thousand modules, got {len(sources)}"
    missing = [path for path in sources if not Path(importlib.util.cache_from_source(path)).is_file()]
    assert not missing, f"{len(missing)} modules have no .pyc, e.g. {missing[:3]}"
    # written by the install (before its stamp), not by some later process importing them
    late = [
        path
        for path in sources
        if Path(importlib.util.cache_from_source(path)).stat().st_mtime > install_stamp.stat().st_mtime + 1
    ]
    assert len(late) < len(sources) // 100, f"{len(late)} .pyc files were written after the install, e.g. {late[:3]}"


def test_the_projects_own_code_is_compiled() -> None:
    sources = [path for package in PROJECT_PACKAGES for path in (ROOT / package).rglob("*.py")]
    assert sources
    missing = [path for path in sources if not Path(importlib.util.cache_from_source(str(path))).is_file()]
    assert not missing, f"{len(missing)} project modules have no .pyc (run `make setup`), e.g. {missing[:3]}"


def test_the_makefile_compiles_at_install() -> None:
    """The rule itself, so a clean clone (CI, a new user) gets it: the dry run of a fresh setup shows both steps."""
    dry = subprocess.run(
        ["make", "-n", "-B", "setup"], cwd=ROOT, capture_output=True, text=True, check=True, env=os.environ
    ).stdout
    assert "--compile-bytecode" in dry and "UV_COMPILE_BYTECODE=1" in dry
    assert "compileall" in dry and all(package in dry for package in PROJECT_PACKAGES)
