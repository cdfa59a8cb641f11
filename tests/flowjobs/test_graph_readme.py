"""The README's pictures of every flow: current, complete, and redrawn by one command."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flowjobs.graph import readme
from flowjobs.graph.model import GraphError
from tests.support.project import PROJECT_ROOT


def test_the_readme_pictures_match_a_fresh_drawing_of_every_flow() -> None:
    problems = readme.stale()
    assert not problems, f"stale pictures ({'; '.join(problems)}): run `{readme.REGENERATE}` and commit what it wrote"


WITHOUT_WORKFLOWS = {"launch_plans.py"}  # the flows' launch plans: registered with them, nothing of its own to draw


def test_every_flow_file_has_its_pictures_in_the_readme() -> None:
    text = (PROJECT_ROOT / "README.md").read_text()
    for flow_file in readme.flow_files():
        if flow_file.name in WITHOUT_WORKFLOWS:
            continue
        pictures = [picture for picture in readme.pictures() if picture.flow_file == flow_file]
        assert pictures, f"{flow_file.name} defines no workflow to draw"
        for picture in pictures:
            assert f"]({picture.path.relative_to(PROJECT_ROOT).as_posix()})" in text


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The README and docs/graphs/ redirected to a scratch copy, so writing them touches nothing real."""
    copy = tmp_path / "README.md"
    shutil.copy(readme.readme_file(), copy)
    monkeypatch.setattr(readme, "readme_file", lambda: copy)
    monkeypatch.setattr(readme, "graphs_dir", lambda: tmp_path / "graphs")
    return tmp_path


def test_writing_redraws_every_picture_removes_old_ones_and_fills_the_section(scratch: Path) -> None:
    text = scratch / "README.md"
    before, _, after = readme._readme_parts(text.read_text())
    text.write_text(before + f"{readme.SECTION_START}\nold\n{readme.SECTION_END}" + after)
    (scratch / "graphs").mkdir()
    (scratch / "graphs" / "gone_flow.old.svg").write_text("<svg/>")
    written = readme.write_all()
    assert sorted(path.name for path in (scratch / "graphs").iterdir()) == sorted(path.name for path in written)
    assert "sample_flow.model_training.svg" in [path.name for path in written]
    assert "\nold\n" not in text.read_text() and text.read_text().startswith(before)
    assert readme.stale() == []
    written[0].write_text(written[0].read_text().replace("inputs", "lnputs"))
    (scratch / "graphs" / "extra.svg").write_text("<svg/>")
    assert readme.stale() == [f"graphs/{written[0].name} is out of date", "graphs/extra.svg draws no workflow"]


def test_a_readme_without_the_section_markers_is_an_error(scratch: Path) -> None:
    (scratch / "README.md").write_text("# flowjobs\n")
    with pytest.raises(GraphError, match="README.md: no pictures section"):
        readme.write_all()
