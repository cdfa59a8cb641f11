"""Move the alias `champion` to the compare step's winner, and record the move.

    python tasks/promote_champion.py --winner-version 7 --holdout outputs/holdout.csv --parent-run-id RUN \
        [--model-name iris-classifier] [--ranking-metric auc] [--output-dir outputs]

The flow runs this step only when the winner beats the champion. Another execution may have moved the alias
since, so the winner is judged again (under the store's lock for SQLite) right before the move. The move
(when, from, to, the metric and both values, the execution id) is kept on the registered model and tagged on
the parent run. Output `champion_version`: the version the alias points at afterwards.
"""

from __future__ import annotations

import argparse

from flowjobs import phases, tracking, tracking_store
from helpers.flows import get_param_from_args, handle_outputs, run_main
from multitrain import registry
from tasks import champion, decision_record
from tasks.champion import TAG_DECISION


def promote_if_better(model_name: str, version: str, metric: str, holdout: champion.Holdout) -> registry.Decision:
    """Judge and move in one step under the store's lock, so two executions cannot both win."""
    with tracking_store.store_lock(tracking_store.tracking_uri()):
        decision = champion.judge(model_name, version, metric, holdout)
        if decision.beats:
            registry.promote(model_name, decision, tracking.current_execution_id())
            decision_record.mark_champion(model_name, decision.challenger, decision.champion)
    return decision


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--winner-version", dest="winner_version", required=True, help="the version to promote")
    return champion.add_arguments(parser)


def main() -> None:
    parser = build_parser()
    version = get_param_from_args(parser, "winner_version")
    with phases.tracking():
        step = champion.read_arguments(parser)
        model_name = step.settings.model_name
        champion.require_version(model_name, version, "winner_version")
    with tracking.flow_step(step.parent_run_id, finishes=True):
        with phases.tracking():
            decision = promote_if_better(model_name, version, step.settings.ranking_metric, step.holdout)
            now = decision.challenger if decision.beats else decision.champion
            tags = {f"{TAG_DECISION}after": now, f"{TAG_DECISION}moved": decision.beats}
            tracking.log_values(step.parent_run_id, tags=tags)
        handle_outputs({"champion_version": now})
    if decision.beats:
        print(f"champion of {model_name}: version {decision.champion or 'none'} -> {decision.challenger}")
    else:
        print(f"version {version} no longer beats champion {decision.champion}: the alias stays")


if __name__ == "__main__":
    run_main(main)
