"""The `flowjobs` command: thin subcommands over the toolkit's modules.

flowjobs tiers          the hardware tiers and what each asks of a cluster
flowjobs snapshots      the dataset snapshots, their files and pinned hashes
"""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.table import Table

from helpers import snapshots, tiers
from helpers.settings import hardware_tiers_file, snapshots_file

console = Console()


def show_tiers(_: argparse.Namespace) -> int:
    table = Table(title=f"Hardware tiers ({hardware_tiers_file()})")
    for column in ("tier", "cpu request/limit", "memory request/limit", "gpu", "local CPUs"):
        table.add_column(column)
    for tier in tiers.load_tiers().values():
        gpu = f"{tier.gpu} × {tier.accelerator}" if tier.gpu else "-"
        table.add_row(
            tier.name,
            f"{tier.cpu.request}/{tier.cpu.limit}",
            f"{tier.memory.request}/{tier.memory.limit}",
            gpu,
            str(tier.local_cpus()),
        )
    console.print(table)
    return 0


def show_snapshots(_: argparse.Namespace) -> int:
    table = Table(title=f"Dataset snapshots ({snapshots_file()})")
    for column in ("snapshot", "files", "sha256", "status"):
        table.add_column(column)
    for name, versions in snapshots.load_catalog().items():
        for version, spec in versions.items():
            try:
                resolved = snapshots.resolve(snapshots.DatasetSnapshot(name, version))
                status, sha = "ok", resolved.sha256
            except snapshots.SnapshotError as err:
                status, sha = f"[red]{err}[/red]", spec.sha256 or "-"
            table.add_row(f"{name}@{version}", ", ".join(spec.files), sha[:16] + "…", status)
    console.print(table)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flowjobs", description="Domino-style ML job flows on Flyte and MLflow.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("tiers", help="list the hardware tiers").set_defaults(handler=show_tiers)
    commands.add_parser("snapshots", help="list the dataset snapshots").set_defaults(handler=show_snapshots)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (tiers.TierError, snapshots.SnapshotError) as err:
        console.print(f"[red]error:[/red] {err}", highlight=False)
        return 2


if __name__ == "__main__":
    sys.exit(main())
