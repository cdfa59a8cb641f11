"""One story everywhere: the winner, the ranking metric, what decided it and the margin are the same sentence on
the parent run (param `verdict`, its description), in the compare task's deck, in `flowjobs compare` and in
`flowjobs champion` (which also gives the full execution id, the algorithm and the champion's metric values);
durations are rounded as the docs say. Read against the session's run of the multi-train flow."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from flowjobs import tracking
from multitrain import registry
from multitrain.model_specs import DEFAULTS
from tests.support.multitrain import PipelineRun, copy_store
from tests.support.project import PROJECT_ROOT, run, tool

pytestmark = pytest.mark.slow


def flat(text: str) -> str:
    """Terminal output with its wrapping undone."""
    return re.sub(r"\s+", " ", text)


def flowjobs(uri: str, *args: str, cwd: Path) -> str:
    env = {"MLFLOW_TRACKING_URI": uri, "COLUMNS": "80", "FLOWJOBS_PROJECT_ROOT": str(PROJECT_ROOT)}
    shown = run([tool("flowjobs"), *args], cwd=cwd, env=env)
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def test_the_verdict_is_the_same_everywhere(multitrain_run: PipelineRun, tmp_path: Path) -> None:
    assert multitrain_run.returncode == 0, multitrain_run.stderr[-5000:]
    uri = copy_store(multitrain_run, tmp_path)
    client = multitrain_run.client()
    experiment = client.get_experiment_by_name(DEFAULTS.experiment_name)
    runs = client.search_runs([experiment.experiment_id])
    [parent] = [r for r in runs if r.data.tags.get(tracking.TAG_ROLE) == tracking.ROLE_EXECUTION]
    params = parent.data.params
    told = params["verdict"]
    ranking = params["ranking_metric"]
    assert told.startswith(f"Winner {params['winner']} ({params['winner_algorithm']}, version ")
    assert f"decided by {params['decided_by']}; margin {params['margin']}." in told
    assert re.search(r"margin (\d\.\d{4}|< 0\.0001) \w+ over \w+|margin none", told), told
    assert told in parent.data.tags[tracking.TAG_NOTE]  # the run's description on its page
    deck = multitrain_run.work.glob("compare_models-*/deck.html")
    assert any(told in path.read_text() for path in deck), "the compare task's deck"
    assert told in flat(flowjobs(uri, "compare", "-o", str(tmp_path / "report.html"), cwd=tmp_path))
    assert html.escape(told, quote=False) in (tmp_path / "report.html").read_text(), "the compare command's page"
    champion = flat(flowjobs(uri, "champion", "--model", DEFAULTS.model_name, cwd=tmp_path))
    version = client.get_registered_model(DEFAULTS.model_name).aliases["champion"]
    champion_run = client.get_run(client.get_model_version(DEFAULTS.model_name, version).run_id)
    execution_id = parent.data.tags[tracking.TAG_EXECUTION]
    assert f"execution {execution_id}" in champion, "the full execution id"
    assert f"({champion_run.data.tags[tracking.TAG_BRANCH]}, {champion_run.data.params['algorithm']})" in champion
    for metric in registry.METRICS:
        assert f"{metric} {champion_run.data.metrics[metric]:.4f}" in champion
    assert told in champion, "the verdict of the execution that made the champion"
    assert f"{ranking} " in told
    view = tmp_path / "view.html"
    state = {"FLOWJOBS_STATE_DIR": str(multitrain_run.folder / "state")}
    drawn = run([tool("flowjobs"), "graph", "--execution", execution_id, "-o", str(view)], cwd=PROJECT_ROOT,
                env={"MLFLOW_TRACKING_URI": uri, **state})  # fmt: skip
    assert drawn.returncode == 0, drawn.stderr
    assert html.escape(told) in view.read_text(), "the execution view"


def test_durations_are_rounded_to_a_tenth(multitrain_run: PipelineRun) -> None:
    client = multitrain_run.client()
    experiment = client.get_experiment_by_name(DEFAULTS.experiment_name)
    for found in client.search_runs([experiment.experiment_id]):
        for name, value in found.data.metrics.items():
            if name.endswith("_seconds") or name.startswith("task_seconds."):
                assert value == round(value, 1), (found.info.run_name, name, value)
