"""The compare step's verdict as the MLflow UI shows it: on the execution's parent run, the winner, its held-out
metrics, the ranking and what decided it; on the winning branch's run, a `winner` tag.

A new user opening the experiment sees the parent run's row with the winner's metrics in the same columns as the
branches' (`auc`, `log_loss`, …), the params `winner`, `ranking` and `decided_by`, and the run's description: why
this branch won, in a sentence and a table. `decided_by` names the tie-break when the ranking metric did not
decide alone (equal values, as shown: metrics are rounded where they are computed, tasks/evaluation.py).
"""

from __future__ import annotations

import typing

from flowjobs import tracking
from multitrain import registry
from multitrain.model_specs import BranchResult

TAG_WINNER = "winner"  # this execution's best branch, champion or not
TAG_CHAMPION = "champion"  # as on the model version: what a new user filters the runs by
RANK_PREFIX = "rank."


def decided_by(ranked: list[BranchResult], metric: str) -> str:
    """What put the first branch above the second (multitrain/registry.py: every page says it the same way)."""
    return registry.decided_by(ranked, metric)


def description(ranked: list[BranchResult], metric: str, decision: registry.Decision) -> str:
    """The parent run's description (markdown): the winner and why, the ranking, and the champion's fate."""
    winner = ranked[0]
    values = ", ".join(f"{name} {winner.metrics[name]:.4f}" for name in registry.METRICS)
    beats = "beats" if decision.beats else "does not beat"
    header = f"| rank | branch | algorithm | version | {' | '.join(registry.METRICS)} |"
    rows = [
        f"| {place} | {b.branch} | {b.algorithm} | {b.model_version} | "
        + " | ".join(f"{b.metrics[name]:.4f}" for name in registry.METRICS)
        + " |"
        for place, b in enumerate(ranked, start=1)
    ]
    return "\n".join(
        [
            f"**Winner: {winner.branch}** ({winner.algorithm}, version {winner.model_version}): {values}.",
            "",
            f"Ranked by {metric} on the held-out data. {registry.verdict(ranked, metric)}",
            f"Version {decision.challenger} {beats} the champion ({decision.champion or 'none'}) on {metric}.",
            "",
            header,
            "|" + " --- |" * (4 + len(registry.METRICS)),
            *rows,
        ]
    )


def parent_values(ranked: list[BranchResult], metric: str) -> dict[str, dict[str, typing.Any]]:
    """Params, metrics and tags for the parent run: the winner's metrics under the branches' names, each branch's
    place as `rank.<branch>`."""
    winner = ranked[0]
    params = {
        "winner": winner.branch,
        "winner_version": winner.model_version,
        "winner_algorithm": winner.algorithm,
        "ranking_metric": metric,
        "tie_break_metric": registry.TIE_BREAKER,
        "ranking": " > ".join(b.branch for b in ranked),
        "decided_by": decided_by(ranked, metric),
        "margin": registry.margin(ranked, metric),
        "verdict": registry.verdict(ranked, metric),
    }
    metrics = {**winner.metrics, **{f"{RANK_PREFIX}{b.branch}": place for place, b in enumerate(ranked, start=1)}}
    return {"params": params, "metrics": metrics}


def record(parent_run_id: str, ranked: list[BranchResult], metric: str, decision: registry.Decision) -> None:
    """All of the above on the parent run, and the `winner` tag on the winning branch's run."""
    values = parent_values(ranked, metric)
    existing = tracking.client().get_run(parent_run_id).data.params
    params = {k: v for k, v in values["params"].items() if k not in existing}  # the flow's input `ranking_metric`
    note = {tracking.TAG_NOTE: description(ranked, metric, decision)}
    tracking.log_values(parent_run_id, params=params, metrics=values["metrics"], tags=note)
    tracking.log_values(ranked[0].run_id, tags={TAG_WINNER: "true"})


def mark_champion(model_name: str, version: str, before: str | None) -> None:
    """The tag `champion` on the new champion's model version and on its branch run, taken off the previous
    one's: the alias says it on the registered model's page, the tags say it on the version's and in the runs."""
    client = tracking.client()
    if before:
        old = client.get_model_version(model_name, before)
        client.delete_model_version_tag(model_name, before, registry.CHAMPION)
        if old.run_id:
            client.set_tag(old.run_id, TAG_CHAMPION, "false")
    new = client.get_model_version(model_name, version)
    client.set_model_version_tag(model_name, version, registry.CHAMPION, "true")
    if new.run_id:
        client.set_tag(new.run_id, TAG_CHAMPION, "true")
