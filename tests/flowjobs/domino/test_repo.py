"""A whole Domino repository (tests/support/domino/repo.py), outside the checkout, ported by ONE `flowjobs
port-domino REPO` and run from its own folder by `pyflyte run` and `flowjobs run`: its utils/ and scripts/ modules
rewritten too, commands by /mnt/code paths, a snapshot by Domino's id, each PathConfig form, a flytekit Artifact
output, DominoJobTask keywords ignored as on Domino, and a task whose environment has a package ours lacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.domino import repo
from tests.support.project import PROJECT_ROOT, run, tool

SESSION = ("FLOWJOBS_STATE_DIR", "FLOWJOBS_WORK_DIR", "MLFLOW_TRACKING_URI")  # the repo keeps its own, inside it


def in_repo(folder: Path, *argv: str) -> subprocess.CompletedProcess:
    """A command run from the repository's folder as its user runs it (its state and store are its own)."""
    env = {key: value for key, value in os.environ.items() if key not in SESSION}
    return subprocess.run([tool(argv[0]), *argv[1:]], cwd=folder, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def ported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    folder = repo.write(tmp_path_factory.mktemp("outside") / "clinical-flows")
    assert not folder.is_relative_to(PROJECT_ROOT)
    return folder, in_repo(folder, "flowjobs", "port-domino", str(folder))


def test_the_toolkit_s_environment_lacks_the_study_environment_s_package() -> None:
    done = subprocess.run([sys.executable, "-c", f"import {repo.EXTRA_PACKAGE}"], capture_output=True, text=True)
    assert f"No module named '{repo.EXTRA_PACKAGE}'" in done.stderr


def test_one_port_domino_call_rewrites_every_module_importing_the_plugin_and_finds_the_flow_ready(ported) -> None:
    folder, done = ported
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert f"{folder}/workflow.py: ready (rewrote lines 11, 12, 13, 14; workflows: study)" in lines
    assert f"{folder}/utils/jobs.py: rewrote lines 3 (a module, no workflow)" in lines
    assert f"{folder}/scripts/summarize.py: rewrote lines 7 (the script of Summarize)" in lines
    ignored = next(line for line in lines if line.startswith("  note: DominoJobTask ignores"))
    assert "'environment_name', 'hardware_tier_name', 'upstream'" in ignored and ignored.endswith("[Label subjects]")
    for path in folder.rglob("*.py"):
        assert "flytekitplugins" not in path.read_text(), path
    assert "from flowjobs.domino.file import PathConfig" in (folder / "workflow.py").read_text()


@pytest.mark.parametrize(("runner", "site", "subjects"), [("pyflyte", "S01", 2), ("flowjobs", "S02", 1)])
def test_the_ported_repo_runs_from_its_own_folder(ported, runner: str, site: str, subjects: int) -> None:
    folder, _ = ported
    done = in_repo(folder, runner, "run", "workflow.py", "study", "--site", site)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    result = done.stdout.strip().splitlines()[-1]
    adsl = Path(result.split("adsl=")[1].split(",")[0])
    assert [line.split(",")[1] for line in adsl.read_text().splitlines()[1:]] == [site] * subjects  # /mnt/data/sdtm
    summary = Path(result.split("summary=")[1].split(",")[0])
    assert json.loads(summary.read_text())["subjects"] == subjects  # written at /mnt/data/clinical/results/…
    seen = json.loads(result.split("labels='")[1].split("', report=")[0])
    assert seen["labels"] == [f"Study1 {site} 00{n}" for n in range(1, subjects + 1)]  # the listing, /mnt/results
    environments = Path(os.environ["FLOWJOBS_ENVIRONMENTS_CACHE"])
    assert Path(seen["python"]).is_relative_to(environments), "the script ran with its environment's Python"
    assert Path(seen["inflection"]).is_relative_to(environments)
    report = Path(result.split("report=")[1].rstrip(")"))
    assert f"<h1>{subjects} subjects" in report.read_text()
    listed = in_repo(folder, "flowjobs", "artifacts", "latest")
    assert listed.returncode == 0, listed.stderr
    rows = {tuple(cell.strip() for cell in line.split("│")[1:4]) for line in listed.stdout.splitlines()}
    assert {("DATA", "ADaM Tables", "adsl.csv"), ("REPORT", "Study Report", "report.html")} <= rows
    assert list((folder / ".flowjobs" / "runs").glob("*/record.json")), "the repo keeps its own records"
    assert not (PROJECT_ROOT / "scripts").exists() and not (PROJECT_ROOT / "workflow.py").exists()


def test_port_domino_check_on_a_fresh_copy_changes_nothing_and_says_ready(tmp_path: Path) -> None:
    folder = repo.write(tmp_path / "clinical-flows")
    before = {path: path.read_text() for path in folder.rglob("*.py")}
    done = run([tool("flowjobs"), "port-domino", "--check", str(folder)], cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{folder}/workflow.py: ready (would rewrite lines 11, 12, 13, 14; workflows: study)" in done.stdout
    assert {path: path.read_text() for path in folder.rglob("*.py")} == before
