"""Plots compared without MLflow's compare pane: the execution's parent run carries one picture per plot kind with
every branch on it (`comparison/roc_curves.png`: all ROC curves on one axes; `confusion_matrices.png`: one per
branch in a row; `leaderboard.png` beside `leaderboard.html`), and `flowjobs compare` writes the same as HTML."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from flowjobs import tracking
from multitrain.compare import plots
from multitrain.model_specs import DEFAULTS
from tests.support.multitrain import PipelineRun, copy_store
from tests.support.project import PROJECT_ROOT, run, tool

pytestmark = pytest.mark.slow


def test_the_parent_run_carries_the_branches_side_by_side(multitrain_run: PipelineRun, tmp_path: Path) -> None:
    assert multitrain_run.returncode == 0, multitrain_run.stderr[-5000:]
    client = multitrain_run.client()
    experiment = client.get_experiment_by_name(DEFAULTS.experiment_name)
    runs = client.search_runs([experiment.experiment_id])
    [parent] = [r for r in runs if r.data.tags.get(tracking.TAG_ROLE) == tracking.ROLE_EXECUTION]
    branches = [r for r in runs if r.data.tags.get(tracking.TAG_ROLE) == tracking.ROLE_BRANCH]
    listed = {item.path for item in client.list_artifacts(parent.info.run_id, plots.FOLDER)}
    names = (plots.ROC_PLOT, plots.CONFUSION_PLOTS, plots.LEADERBOARD_PLOT)
    assert {f"{plots.FOLDER}/{name}" for name in names} <= listed, listed
    local = Path(client.download_artifacts(parent.info.run_id, plots.FOLDER, str(tmp_path)))
    sizes = {name: Image.open(io.BytesIO((local / name).read_bytes())).size for name in names}
    width, height = sizes[plots.CONFUSION_PLOTS]
    assert width >= 3 * height, f"{len(branches)} confusion matrices in one row: {sizes}"
    assert all(w > 300 and h > 100 for w, h in sizes.values()), sizes
    uri = copy_store(multitrain_run, tmp_path / "copy")
    env = {"MLFLOW_TRACKING_URI": uri, "FLOWJOBS_PROJECT_ROOT": str(PROJECT_ROOT)}
    shown = run([tool("flowjobs"), "compare", "-o", str(tmp_path / "report.html")], cwd=tmp_path, env=env)
    assert shown.returncode == 0, shown.stderr
    page = (tmp_path / "report.html").read_text()
    assert 'id="confusion"' in page and "data:image/png;base64," in page and "<svg" in page
