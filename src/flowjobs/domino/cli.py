"""The `flowjobs` subcommands for Domino flows: `port-domino` and `artifacts`."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

console = Console()
errors = Console(stderr=True)


def port_domino(args: argparse.Namespace) -> int:
    from flowjobs.domino import port  # flytekit loads only when a flow is ported

    def echo(line: str) -> None:
        console.print(line, markup=False, highlight=False, soft_wrap=True)  # a need's [tasks] is text, not markup

    return port.main(args.paths, args.check, echo=echo)


def show_artifacts(args: argparse.Namespace) -> int:
    from flowjobs.domino import artifact_store

    executions = artifact_store.executions_with_artifacts()
    wanted = args.execution or "latest"
    chosen = executions[:1] if wanted == "latest" else [e for e in executions if e.startswith(wanted)]
    if len(chosen) != 1:
        what = "no execution has recorded artifacts" if not executions else f"{len(chosen)} executions match"
        errors.print(f"[red]error:[/red] {what} ({wanted!r}); executions: {', '.join(executions[:5]) or 'none'}")
        return 2
    files = artifact_store.list_files(chosen[0])
    table = Table(title=f"Artifacts of execution {chosen[0]}")
    for column in ("kind", "artifact", "file", "task", "output", "bytes", "MLflow path"):
        table.add_column(column)
    for item in files:
        size = str(item.path.stat().st_size) if item.path.exists() else "missing"
        task = item.task.rsplit(".", 1)[-1]
        table.add_row(item.kind, item.artifact, item.file, task, item.output, size, artifact_store.mlflow_path(item))
    console.width = max(console.width, 160)
    console.print(table)
    console.print(f"files: {artifact_store.execution_folder(chosen[0])}", highlight=False, soft_wrap=True)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    porting = commands.add_parser(
        "port-domino",
        help="port Domino flows or a whole repository: rewrite the plugin's name, then list what each flow needs",
        description="Replace flytekitplugins.domino by flowjobs.domino in every Python file given or found under a "
        "folder given (flows, the repository's own modules, task scripts), load each flow from its project with "
        "its project's config, and print per file `ready` or every tier, environment, dataset, volume, script, "
        "module, runtime or Domino API it still needs with the config entry to add. Exit code 0 only when every "
        "flow is ready.",
    )
    porting.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a Domino flow file, or a folder")
    porting.add_argument("--check", action="store_true", help="change no file: only report")
    porting.set_defaults(handler=port_domino)
    listing = commands.add_parser("artifacts", help="an execution's Domino flow artifacts, grouped")
    listing.add_argument("execution", nargs="?", help="an execution id (or its start, or `latest`)")
    listing.set_defaults(handler=show_artifacts)
