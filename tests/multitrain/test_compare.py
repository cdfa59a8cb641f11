"""`flowjobs compare`: the latest executions' branches and metrics as a table and a self-contained HTML report,
logged to the newest parent run. Read against two real executions of the multi-train flow (four branches, then
one weak branch), on a copy of their store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mlflow import MlflowClient

from flowjobs import tracking
from multitrain import registry
from multitrain.model_specs import DEFAULTS
from tests.support.multitrain import PipelineRun, copy_store
from tests.support.project import PROJECT_ROOT, run, tool

pytestmark = pytest.mark.slow
METRIC_NAMES = ("auc", "log_loss", "f1", "precision", "recall")


@dataclass
class Compared:
    uri: str
    code: int
    stdout: str
    stderr: str
    report: Path

    def client(self) -> MlflowClient:
        return MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)


def flowjobs_compare(uri: str, *args: str, cwd: Path) -> tuple[int, str, str]:
    env = {"MLFLOW_TRACKING_URI": uri, "COLUMNS": "80", "FLOWJOBS_PROJECT_ROOT": str(PROJECT_ROOT)}  # its commands
    shown = run([tool("flowjobs"), "compare", *args], cwd=cwd, env=env)
    return shown.returncode, shown.stdout, shown.stderr


@pytest.fixture(scope="module")
def compared(weaker_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Compared]:
    assert weaker_run.returncode == 0, weaker_run.stderr[-5000:]
    folder = tmp_path_factory.mktemp("compare")
    uri = copy_store(weaker_run, folder)
    code, out, err = flowjobs_compare(uri, "--last", "5", "-o", str(folder / "report.html"), cwd=folder)
    yield Compared(uri, code, out, err, folder / "report.html")


def executions(client: MlflowClient) -> list:
    """The parent runs, newest first, each with its branch runs: straight from MLflow."""
    experiment = client.get_experiment_by_name(DEFAULTS.experiment_name)
    runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time DESC"])
    parents = [r for r in runs if r.data.tags.get(tracking.TAG_ROLE) == tracking.ROLE_EXECUTION]
    return [
        (
            parent,
            [
                r
                for r in runs
                if r.data.tags.get(tracking.TAG_ROLE) == tracking.ROLE_BRANCH
                and r.data.tags["mlflow.parentRunId"] == parent.info.run_id
            ],
        )
        for parent in parents
    ]


def test_the_table_shows_every_branch_of_both_executions_with_its_metrics(compared: Compared) -> None:
    assert compared.code == 0, compared.stderr
    client = compared.client()
    versions = {v.run_id: str(v.version) for v in client.search_model_versions(f"name = '{DEFAULTS.model_name}'")}
    champion = client.get_registered_model(DEFAULTS.model_name).aliases["champion"]
    found = executions(client)
    assert [len(branches) for _, branches in found] == [1, 4], "newest first: the weak run, then the full one"
    assert "the 2 latest execution(s), ranked by auc" in compared.stdout
    assert (
        max(len(line) for line in compared.stdout.splitlines() if not line.startswith(("wrote ", "MLflow UI: "))) <= 80
    )
    assert re.search(
        r"^MLflow UI: http://127\.0\.0\.1:5000/#/experiments/\d+/runs/\w+\?workflowType=machine_learning$",
        compared.stdout,
        re.M,
    )
    for parent, branches in found:
        execution = parent.data.tags[tracking.TAG_EXECUTION]
        table = compared.stdout[compared.stdout.index(f"{execution} · finished · ") :]
        for place, branch in enumerate(
            sorted(
                branches,
                key=lambda b: (-b.data.metrics["auc"], b.data.metrics["log_loss"], b.data.tags[tracking.TAG_BRANCH]),
            ),
            start=1,
        ):
            values = r"\s+".join(f"{branch.data.metrics[name]:.4f}" for name in METRIC_NAMES)
            version = versions[branch.info.run_id]
            marks = ["winner"] * (place == 1) + ["champion"] * (version == str(champion))
            name = branch.data.tags[tracking.TAG_BRANCH]
            row = rf"^{name}\s+{version}\s+{values}\s*{' '.join(marks)}\s*$"
            assert re.search(row, table, re.M), row


def test_the_report_is_written_and_logged_to_the_newest_parent_run(compared: Compared, tmp_path: Path) -> None:
    newest, _ = executions(compared.client())[0]
    assert f"wrote {compared.report}; logged to parent run {newest.info.run_id} as comparison.html" in compared.stdout
    logged = compared.client().download_artifacts(newest.info.run_id, "comparison.html", str(tmp_path))
    assert Path(logged).read_text() == compared.report.read_text()


def test_the_report_ranks_the_branches_draws_their_roc_curves_and_the_champion_history(compared: Compared) -> None:
    page = compared.report.read_text()
    client = compared.client()
    branches = [b for _, found in executions(client) for b in found]
    ranked = sorted(
        branches,
        key=lambda b: (-b.data.metrics["auc"], b.data.metrics["log_loss"], b.data.tags[tracking.TAG_BRANCH]),
    )
    leaderboard = page.split('id="leaderboard"')[1].split("</section>")[0]
    assert re.findall(r'data-branch="([^"]+)"', leaderboard) == [b.data.tags[tracking.TAG_BRANCH] for b in ranked]
    roc = page.split('id="roc"')[1].split("</section>")[0]
    assert roc.count("<svg") == 1 and "Without ROC data" not in roc
    for branch in branches:
        assert f"{branch.data.tags[tracking.TAG_BRANCH]} · " in roc, "each branch has its curve in the legend"
    history = page.split('id="champion-history"')[1].split("</section>")[0]
    moves = [k for k in client.get_registered_model(DEFAULTS.model_name).tags if k.startswith(registry.MOVE_TAG)]
    assert history.count("<tr><td>") == len(moves) == 1
    assert not re.search(r'(src|href)="https?:', page), "self-contained: nothing is fetched"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--experiment", "nope"], r"there is no experiment 'nope' in sqlite:///\S+ \(experiments: Default, "),
        (["--last", "0"], r"--last must be 1 or more, got 0"),
        (["--experiment", "Default"], r"experiment 'Default' has no flow executions yet: run the flow first"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(compared: Compared, tmp_path: Path, args, expected) -> None:
    code, out, err = flowjobs_compare(compared.uri, *args, cwd=tmp_path)
    assert code == 2 and out == ""
    [line] = err.strip().splitlines()
    assert re.search(expected, line), line


def test_a_store_that_does_not_exist_is_named_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "mlflow.db"
    code, _, err = flowjobs_compare(f"sqlite:///{missing}", cwd=tmp_path)
    assert code == 2 and str(missing) in err and len(err.strip().splitlines()) == 1
    assert not missing.parent.exists()
