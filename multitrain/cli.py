"""The multi-train application's `flowjobs` subcommands. The `flowjobs` command names no application: it calls
each function of the entry point group `flowjobs.commands` (pyproject.toml) with its subparsers.

flowjobs champion       a registered model's champion: now and every move, or at a given time (--at)
flowjobs compare        the latest executions' branches and metrics; an HTML report logged to the parent run
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from flowjobs.cli import console
from flowjobs.script import rfc3339
from multitrain.model_specs import DEFAULTS

SERVE_PORT = 5001  # beside the MLflow UI's 5000


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
    version = registry.champion_version(args.model)
    if version is None:
        console.print(f"{args.model} has no champion yet", highlight=False)
        return 0
    for line in registry.champion_story(args.model, version):
        console.print(line, highlight=False)  # wrapped between words on a narrow terminal
    console.print("Serve it (works as printed, from any folder; Ctrl-C stops it):", highlight=False)
    console.print(serve_command(args.model), highlight=False, soft_wrap=True)
    console.print("Moves of the alias, oldest first (UTC):", highlight=False)
    for move in registry.history(args.model):
        values = " → ".join("-" if value is None else f"{value:.4f}" for value in (move.from_value, move.to_value))
        moved = f"{move.from_version or '-'} → {move.to_version}"
        console.print(f"  {move.at:%Y-%m-%d %H:%M:%S}  {moved}  {move.metric} {values}", highlight=False)
        console.print(f"    execution {move.execution_id}", highlight=False, soft_wrap=True)
    return 0


def serve_command(model: str, port: int = SERVE_PORT) -> str:
    """`mlflow models serve` of the champion as a user can paste it: the store named, and this environment's bin
    folder on the PATH (MLflow starts `uvicorn` by name: without it there, "uvicorn: not found")."""
    from flowjobs import tracking_store

    bin_folder = Path(sys.executable).parent
    uri = tracking_store.tracking_uri()
    return (
        f'MLFLOW_TRACKING_URI={shlex.quote(uri)} PATH={shlex.quote(str(bin_folder))}:"$PATH" '
        f"{shlex.quote(str(bin_folder / 'mlflow'))} models serve -m models:/{model}@champion --env-manager local "
        f"-h 127.0.0.1 -p {port}"
    )


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
