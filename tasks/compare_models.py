"""Compare the branches: rank their versions, judge the winner against the champion, write the leaderboard.

    python tasks/compare_models.py --results logreg.json xgboost.json … --holdout outputs/holdout.csv \
        --parent-run-id RUN [--model-name iris-classifier] [--ranking-metric auc] [--output-dir outputs]

The versions are ranked by the ranking metric on the held-out data (ties: log loss, then branch name). The
winner beats the champion only when strictly better on the same held-out rows (see tasks/champion.py); only
then does the flow's conditional run the promote step. The leaderboard (markdown and HTML) and the decision
go to the execution's parent run, which this step ends FINISHED, and to the task's deck "Leaderboard".
Outputs `beats_champion`, `winner_version`, `champion_version` ("" when there is none) and `leaderboard` (.md).
"""

from __future__ import annotations

import argparse
import tempfile
from html import escape
from pathlib import Path

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from flowjobs import phases, reports, tracking
from helpers.flows import ScriptInputError, get_param_from_args, handle_outputs, run_main
from multitrain import registry
from multitrain.compare import plots, runs
from multitrain.model_specs import BranchResult
from tasks import champion, decision_record
from tasks.champion import TAG_DECISION
from tasks.iris_data import check_size


def read_results(paths: list[Path]) -> list[BranchResult]:
    adapter = TypeAdapter(BranchResult)
    results = []
    for path in paths:
        try:
            check_size(path, "input 'results':")
            results.append(adapter.validate_json(Path(path).read_bytes()))
        except (OSError, ValidationError) as err:
            reason = str(err).splitlines()[0]
            raise ScriptInputError(f"input 'results': {path} is not a branch result ({reason})") from None
    return results


def leaderboard(results: list[BranchResult], metric: str, champion: str | None) -> pd.DataFrame:
    """Every branch's held-out metrics, best first; the winner and the champion are marked."""
    rows = []
    for place, result in enumerate(registry.rank(results, metric), start=1):
        marks = ["winner"] * (place == 1) + ["champion"] * (result.model_version == champion)
        rows.append(
            {
                "rank": place,
                "branch": result.branch,
                "algorithm": result.algorithm,
                "version": result.model_version,
                **{name: round(result.metrics[name], 4) for name in registry.METRICS},
                "seconds": round(result.duration_seconds, 1),
                "fit s": round(result.fit_seconds, 1),  # of the seconds: the model search; the rest is logging
                "logging s": round(result.logging_seconds, 1),
                "note": " ".join(marks),
            }
        )
    return pd.DataFrame(rows)


def verdict(decision: registry.Decision) -> str:
    """Whether the winner beats the champion, in words (printed, and shown in the Leaderboard deck)."""
    beats = "beats" if decision.beats else "does not beat"
    return f"version {decision.challenger} {beats} the champion ({decision.champion or 'none'}) on {decision.metric}"


def side_by_side(parent_run_id: str, model_name: str, metric: str) -> None:
    """Every branch's ROC curve on one axes, their confusion matrices in one row and the leaderboard as a picture,
    on the parent run under `comparison/` (multitrain/compare/plots.py: `flowjobs compare` draws the same)."""
    execution = runs.execution_of(parent_run_id, model_name)
    for name, figure in plots.execution_figures(execution, metric).items():
        tracking.client().log_figure(
            parent_run_id, figure, f"{plots.FOLDER}/{name}", save_kwargs={"bbox_inches": "tight"}
        )
        plots.pyplot().close(figure)


def compare(results: list[BranchResult], step: champion.Judging, folder: Path) -> tuple[registry.Decision, Path]:
    """Judge the winner, write the leaderboard into `folder` and record both on the parent run."""
    if not results:
        raise ScriptInputError("input 'results': no branch results to compare")
    model_name, metric, parent_run_id = step.settings.model_name, step.settings.ranking_metric, step.parent_run_id
    winner = registry.rank(results, metric)[0]
    decision = champion.judge(model_name, winner.model_version, metric, step.holdout)
    board = leaderboard(results, metric, decision.champion)
    markdown, html = folder / "leaderboard.md", folder / "leaderboard.html"
    ranked = registry.rank(results, metric)
    told = registry.verdict(ranked, metric)  # the same sentence on the parent run and in `flowjobs compare`
    markdown.write_text(f"Ranked by {metric} on the held-out data. {told}\n\n{board.to_markdown(index=False)}\n")
    html.write_text(board.to_html(index=False))
    for path in (markdown, html):
        tracking.client().log_artifact(parent_run_id, str(path))
    decided = {"metric": metric, "winner": winner.branch, "winner_version": winner.model_version}
    decided |= {"before": decision.champion or "none", "beats_champion": str(decision.beats).lower()}
    tracking.log_values(parent_run_id, tags={f"{TAG_DECISION}{key}": value for key, value in decided.items()})
    decision_record.record(parent_run_id, ranked, metric, decision)
    side_by_side(parent_run_id, model_name, metric)
    reports.publish(
        "Leaderboard",
        reports.heading(f"Ranked by {metric} on the held-out data")
        + f"<p>{escape(told)}</p>"
        + html.read_text()
        + f"<p>{verdict(decision)}</p>",
    )
    return decision, markdown


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, nargs="+", required=True, help="the branches' result JSON files")
    return champion.add_arguments(parser)


def main() -> None:
    parser = build_parser()
    results = read_results(get_param_from_args(parser, "results"))
    with phases.tracking():
        step = champion.read_arguments(parser)
    with tracking.flow_step(step.parent_run_id, finishes=True), tempfile.TemporaryDirectory() as scratch:
        with phases.tracking():  # judging reads the versions' metrics from MLflow, and records the decision
            decision, markdown = compare(results, step, Path(scratch))
        print(markdown.read_text())
        handle_outputs(
            {
                "beats_champion": decision.beats,
                "winner_version": decision.challenger,
                "champion_version": decision.champion or "",
                "leaderboard": markdown,
            }
        )
    print(verdict(decision))


if __name__ == "__main__":
    run_main(main)
