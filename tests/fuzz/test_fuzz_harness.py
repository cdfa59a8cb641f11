"""The fuzz harness itself works: a short run of the documented fuzz command finds nothing."""

from __future__ import annotations

from pathlib import Path

from tests.support.project import PROJECT_ROOT, run


def test_a_short_fuzz_run_of_the_script_io_helpers_passes(tmp_path: Path, python: str) -> None:
    result = run(
        [python, str(PROJECT_ROOT / "fuzz" / "fuzz_script_io.py"), "-runs=3000", f"-artifact_prefix={tmp_path}/"],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done 3000 runs" in result.stderr
    assert not list(tmp_path.glob("crash-*"))
