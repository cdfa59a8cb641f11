"""The multi-train application's `flowjobs` subcommands. The `flowjobs` command names no application: it calls
each function of the entry point group `flowjobs.commands` (pyproject.toml) with its subparsers.

flowjobs champion       a registered model's champion: now and every move, or at a given time (--at)
flowjobs compare        the latest executions' branches and metrics; an HTML report logged to the parent run
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.table import Table

from flowjobs.cli import console
from flowjobs.script import rfc3339
from multitrain.model_specs import DEFAULTS


def show_champion(args: argparse.Namespace) -> int:
    from flowjobs import tracking_store
    from multitrain import registry  # mlflow loads only when asked

    tracking_store.require_store()
    if args.at is not None:
        move = registry.champion_at(args.model, args.at)
        if move is None:
            console.print(f"{args.model} had no champion at {args.at.isoformat()}", highlight=False)
            return 1
        console.print(f"{args.model} at {args.at.isoformat()}: version {move.to_version}", highlight=False)
        console.print(f"  champion since {move.at.isoformat()} (execution {move.execution_id})", highlight=False)
        return 0
    table = Table(title=f"Champion of {args.model}: version {registry.champion_version(args.model) or 'none'}")
    for column in ("moved at (UTC)", "from", "to", "metric", "from value", "to value", "execution"):
        table.add_column(column)
    for move in registry.history(args.model):
        values = ["-" if value is None else f"{value:.4f}" for value in (move.from_value, move.to_value)]
        moved = (f"{move.at:%Y-%m-%d %H:%M:%S}", move.from_version or "-", move.to_version, move.metric)
        table.add_row(*moved, *values, move.execution_id)
    console.print(table)
    return 0


def compare_runs(args: argparse.Namespace) -> int:
    from multitrain import compare  # mlflow loads only when asked
    from multitrain.compare.terminal import narrow, ui_link

    comparison, report, run_id = compare.compare(args.experiment, args.last, args.output or default_report())
    console.print(narrow(comparison))
    console.print(f"MLflow UI: {ui_link(comparison)}", highlight=False, soft_wrap=True)
    console.print(
        f"wrote {report}; logged to parent run {run_id} as {compare.REPORT_ARTIFACT}", highlight=False, soft_wrap=True
    )
    return 0


def default_report() -> Path:
    from flowjobs.records import state_dir

    return state_dir() / "comparison.html"


def register(commands: argparse._SubParsersAction) -> None:
    """Add `champion` and `compare` to the `flowjobs` command (its `flowjobs.commands` entry point)."""
    model = DEFAULTS.model_name
    champion = commands.add_parser("champion", help="a registered model's champion and the history of its alias")
    champion.add_argument("--model", default=model, help=f"the registered model (default: {model})")
    champion.add_argument("--at", type=rfc3339, help="the champion at this time, e.g. 2026-11-20T12:00 (UTC)")
    champion.set_defaults(handler=show_champion)
    comparing = commands.add_parser("compare", help="the latest executions' branches and metrics, and an HTML report")
    comparing.add_argument("--experiment", default=DEFAULTS.experiment_name, help="the flow's MLflow experiment")
    comparing.add_argument("--last", type=int, default=3, help="how many executions, newest first (default: 3)")
    comparing.add_argument("-o", "--output", type=Path, help="the HTML report (default: .flowjobs/comparison.html)")
    comparing.set_defaults(handler=compare_runs)
