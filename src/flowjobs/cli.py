"""The `flowjobs` command: thin subcommands over the toolkit's modules.

flowjobs init           a new project from a template (minimal, multitrain, domino) that works at once
flowjobs tiers          the hardware tiers and what each asks of a cluster
flowjobs snapshots      the dataset snapshots, their files and pinned hashes
flowjobs run            a workflow run locally with independent nodes in parallel, cached and resumable
flowjobs graph          a workflow's DAG as HTML, SVG or Mermaid; --readme redraws the README's pictures
flowjobs status         the recent local executions, or one execution's tasks (status, attempts, logs, …)
flowjobs gc             what ended executions left (work folders, /tmp/flyte… folders) removed, never a live one's
flowjobs ui             MLflow's UI on the project's store, opening on the runs and their metrics
flowjobs port-domino    Domino flow files ported by one import substitution, and what each still needs
flowjobs artifacts      an execution's Domino flow artifacts, grouped by kind and name

A plugin or an application adds its own subcommands with a function given the subparsers: an installed package
through the entry point group `flowjobs.commands` (Domino's `port-domino` and `artifacts`: flowjobs/domino/cli.py),
a project through its config's `commands` list of `module:function` (this project's multi-train application:
`champion` and `compare`, multitrain/cli.py), imported from the project root.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import sys
import typing
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flowjobs import graph, quick_exit, settings
from flowjobs.errors import ConfigError, ScriptInputError, shorten

COMMANDS_GROUP = "flowjobs.commands"
console = Console()
errors = Console(stderr=True)  # a bad input's one line goes to stderr, so stdout stays the command's output


class UsageError(ScriptInputError):
    """A flag argparse refuses (unknown, missing, not of its type): one line, exit code 2, like any bad input."""


class Parser(argparse.ArgumentParser):
    """argparse prints a bad flag's error after the whole usage text; here it is the one line of a bad input (the
    subcommands' parsers are of this class too)."""

    def error(self, message: str) -> typing.NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def init_project(args: argparse.Namespace) -> int:
    from flowjobs import scaffold

    written = scaffold.make(args.folder, args.template, args.name)
    console.print(f"made {args.folder} from the template {args.template} ({len(written)} files)", highlight=False)
    console.print(f"next: cd {args.folder}, then the commands in its README.md (python -m pytest runs its tests)")
    return 0


def show_tiers(_: argparse.Namespace) -> int:
    from flowjobs import tiers
    from flowjobs.settings import hardware_tiers_source

    table = Table(title=escape(f"Hardware tiers ({hardware_tiers_source()})"))
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
    from flowjobs import snapshots
    from flowjobs.settings import snapshots_place

    table = Table(title=escape(f"Dataset snapshots ({snapshots_place()})"))
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


def draw_graph(args: argparse.Namespace) -> int:
    from flowjobs.graph import readme  # flytekit loads only when something is drawn

    if args.execution:
        if args.file or args.workflow or args.readme:
            raise graph.GraphError("--execution draws a recorded execution: give it alone, with -o OUT.html or not")
        written = [draw_execution(args.execution, args.output)]
    elif args.readme and not (args.file or args.workflow or args.output):
        written = readme.write_all()
    elif args.file and args.workflow and args.output and not args.readme:
        written = [graph.draw(args.file, args.workflow, args.output)]
    else:
        raise graph.GraphError("give FILE WORKFLOW -o OUT (.html, .svg or .mmd), or --readme alone")
    for path in written:
        console.print(f"wrote {path}", highlight=False, soft_wrap=True)
    return 0


def draw_execution(execution: str, output: Path | None) -> Path:
    from flowjobs import status
    from flowjobs.graph import execution as view

    record = status.find(execution)
    output = output or view.default_output(record)
    if output.suffix != ".html":
        raise graph.GraphError(f"output {output}: an execution's view is a page; the name must end in .html")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(view.render_execution(record), encoding="utf-8")
    except OSError as err:
        raise graph.GraphError(f"output {output}: {err.strerror}") from None
    return output


def run_flow(args: argparse.Namespace) -> int:
    from flowjobs.runner import flowjobs_run, space  # flytekit loads only when something runs

    code = flowjobs_run.main(args.file, args.workflow, args.arguments)
    space.drop_empty(space.temp_folders())  # this process ends now: its temp folders go when nothing is kept there
    return code


def collect_garbage(_: argparse.Namespace) -> int:
    from flowjobs.runner import space

    collected = space.collect()
    console.print(
        f"removed what {len(collected.executions)} ended execution(s) left: {collected.freed / 1e6:,.1f} MB "
        f"(work folders kept {space.retention_hours():g} h after an execution ends: `{space.RETENTION}`)",
        highlight=False,
        soft_wrap=True,
    )
    return 0


def print_wide(table: Table) -> None:
    """A wide table in full: on a terminal as wide as it is, elsewhere (a pipe, a CI log) 160 columns at least."""
    if not console.is_terminal:
        console.width = max(console.width, 160)
    console.print(table)


def show_status(args: argparse.Namespace) -> int:
    from flowjobs import records, status, terminal

    if args.execution is None:
        table = status.executions_table(args.last)  # checks --last
        rows = terminal.execution_rows(status.execution_rows(records.list_records()[: args.last]))
        if not args.files:  # the MLflow runs are notes below: one line each
            rows = [{key: value for key, value in row.items() if key != "mlflow"} for row in rows]
        terminal.show(console, str(table.title), rows, terminal.STATUS_MOVED, terminal.STATUS_FOLD)
        if table.caption:  # records that cannot be read, each named
            console.print(str(table.caption), highlight=False, soft_wrap=True)
        return 0
    from flowjobs.graph import execution as view

    record = status.find(args.execution)
    rows = status.task_rows(record)
    for name, state in view.unrecorded_rows(record):  # a conditional's other side, a stock run's plain task taken
        shown = "done (inferred)" if state == view.INFERRED else state  # a stock run records job tasks only
        rows.append({**dict.fromkeys(rows[0] if rows else ("task", "status"), "-"), "task": name, "status": shown})
    table, rows = status.tasks_table(record), terminal.task_rows(rows)
    if not args.files:  # a 24-row screen: the tasks; their files one flag away
        rows = [{key: value for key, value in row.items() if key != "files"} for row in rows]
    noted = terminal.show(console, str(table.title), rows, terminal.STATUS_MOVED, terminal.STATUS_FOLD)
    attempts = terminal.attempt_rows(status.attempt_rows(record))
    if attempts:
        if not args.files:
            attempts = [{key: value for key, value in row.items() if key != "files"} for row in attempts]
        title = "Attempts of the tasks retried or failed (every attempt is in the record)"
        terminal.show(console, title, attempts, terminal.STATUS_MOVED, terminal.STATUS_FOLD, noted)
    for section in status.plugin_sections(record):  # what job plugins add (Domino's artifacts)
        console.print(status.section_table(section))
    split = status.time_split_table(record) if args.times else None
    if split is not None:
        console.print(split)
    more = [flag for flag, shown in (("--files", args.files), ("--times", args.times)) if not shown]
    if more:
        hint = {"--files": "each task's logs and deck", "--times": "where each task's time went"}
        said = "; ".join(f"{hint[flag]}: {flag}" for flag in more)
        console.print(f"[dim]{said} (flowjobs status {record.execution_id} …)[/dim]", highlight=False)
    return 0


def serve_ui(args: argparse.Namespace) -> int:
    """MLflow's app on the project's store (`mlflow server` in this process's place), its links printed first."""
    import os

    from flowjobs import mlflow_ui, tracking, tracking_store

    uri = args.backend_store_uri or tracking_store.tracking_uri()
    if uri.startswith(("http://", "https://")):
        raise ConfigError(f"the tracking store is the server {uri}: its UI is there already; open it in a browser")
    base = f"http://{args.host}:{args.port}"
    console.print(f"MLflow UI on {uri} at {base}/ (Ctrl-C stops it)", highlight=False, soft_wrap=True)
    for found in mlflow_ui.model_training_experiments(uri):
        link = tracking.ui_link(found.experiment_id, uri=base)
        console.print(f"experiment {found.name}: {link}", highlight=False, soft_wrap=True)
    command = mlflow_ui.server_command(args.host, args.port, args.workers, uri)
    sys.stdout.flush()
    os.execve(command[0], command, mlflow_ui.server_environment())  # signals, exit status: MLflow's server's own
    return 0  # not reached


BUILT_IN = ("init", "tiers", "snapshots", "run", "graph", "status", "gc", "ui")


def build_parser(extensions: bool = True) -> argparse.ArgumentParser:
    """The command line; with `extensions`, the plugins' and the project's subcommands too (loading them imports
    their modules: a built-in command such as `flowjobs run` goes without)."""
    parser = Parser(prog="flowjobs", description="Domino-style ML job flows on Flyte and MLflow.")
    commands = parser.add_subparsers(dest="command", required=True)
    starting = commands.add_parser(
        "init",
        help="make a new project from a template",
        description="Make a new project in FOLDER (new or empty): flows/, tasks/, helpers/, data/, models/, tests/, "
        "a README whose commands run as written, and the project's flowjobs config.",
    )
    starting.add_argument("folder", type=Path, help="the new project's folder")
    starting.add_argument(
        "--template",
        default="minimal",
        help="minimal (default), multitrain (the multi-train flow on your data), or domino (a Domino-style flow)",
    )
    starting.add_argument("--name", help="the project's name (default: the folder's name)")
    starting.set_defaults(handler=init_project)
    commands.add_parser("tiers", help="list the hardware tiers").set_defaults(handler=show_tiers)
    commands.add_parser("snapshots", help="list the dataset snapshots").set_defaults(handler=show_snapshots)
    running = commands.add_parser(
        "run",
        help="run a workflow locally, independent nodes in parallel",
        description="Run FILE's WORKFLOW locally like `pyflyte run`, starting every node as soon as its inputs are "
        "ready. After WORKFLOW: its inputs as pyflyte run takes them, --max-parallel N, --cpus N, --fresh, "
        "--experiment NAME; `flowjobs run FILE WORKFLOW --help` lists them.",
    )
    running.add_argument("file", help="a flow file, e.g. flows/sample_flow.py")
    running.add_argument("workflow", help="a workflow in it, e.g. model_training")
    running.add_argument("arguments", nargs=argparse.REMAINDER, help="the workflow's inputs and the run's options")
    running.set_defaults(handler=run_flow)
    drawing = commands.add_parser("graph", help="draw a workflow's DAG from the compiled Flyte workflow")
    drawing.add_argument("file", nargs="?", type=Path, help="a flow file, e.g. flows/sample_flow.py")
    drawing.add_argument("workflow", nargs="?", help="a workflow in it, e.g. model_training")
    drawing.add_argument("-o", "--output", type=Path, help="the picture: a name ending in .html, .svg or .mmd")
    drawing.add_argument("--readme", action="store_true", help="redraw docs/graphs/ and the README's pictures")
    drawing.add_argument(
        "--execution", help="draw a recorded execution (an id, its start, or `latest`) coloured by each task's status"
    )
    drawing.set_defaults(handler=draw_graph)
    showing = commands.add_parser("status", help="the recent local executions, or one execution's tasks")
    showing.add_argument("execution", nargs="?", help="an execution id (or the start of one, or `latest`)")
    showing.add_argument("--last", type=int, default=10, help="how many executions to list (default: 10)")
    showing.add_argument(
        "--files", action="store_true", help="each task's kept logs and deck (the list: each execution's MLflow run)"
    )
    showing.add_argument("--times", action="store_true", help="where each task's time went (one execution)")
    showing.set_defaults(handler=show_status)
    commands.add_parser(
        "gc",
        help="remove what ended executions left (work folders, temp folders), never a live one's",
        description="Remove the work folders and flytekit temp folders of ended executions once their retention "
        "(`work_retention_hours` in the project's config, default 0) is over; a live execution's are kept.",
    ).set_defaults(handler=collect_garbage)
    serving = commands.add_parser(
        "ui",
        help="MLflow's UI on the project's store, opening on the runs and their metrics",
        description="Serve MLflow's own UI (`mlflow server`) on the project's store; a browser with nothing saved "
        "opens an experiment on its runs, the ranking metrics as columns and each execution's branches shown.",
    )
    serving.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)")
    serving.add_argument("--port", type=int, default=5000, help="the port to listen on (default: 5000)")
    serving.add_argument("--workers", type=int, default=1, help="server processes (default: 1)")
    serving.add_argument("--backend-store-uri", help="the MLflow store (default: the project's)")
    serving.set_defaults(handler=serve_ui)
    if not extensions:
        return parser
    for entry in sorted(importlib.metadata.entry_points(group=COMMANDS_GROUP), key=lambda found: found.name):
        entry.load()(commands)  # an installed plugin's own subcommands
    for register in project_commands():
        register(commands)  # the project's application's subcommands
    return parser


def project_commands() -> list[typing.Callable[[typing.Any], None]]:
    """The functions the project's config lists under `commands` (`module:function`), imported from its root."""
    listed = settings.setting("commands") or []
    if not isinstance(listed, list) or not all(isinstance(item, str) and ":" in item for item in listed):
        raise ConfigError(
            f"{settings.place('commands', None)}: `commands` must be a list of 'module:function', got {listed!r}"
        )
    root = str(settings.project_root())
    if listed and root not in sys.path:
        sys.path.insert(0, root)
    found = []
    for item in listed:
        module, _, function = item.partition(":")
        try:
            found.append(getattr(importlib.import_module(module), function))
        except (ImportError, AttributeError) as err:
            raise ConfigError(f"{settings.place('commands', None)}: command {item!r}: {err}") from None
    return found


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    command = next((word for word in given if not word.startswith("-")), None)
    try:
        args = build_parser(extensions=command not in BUILT_IN).parse_args(argv)
        return args.handler(args)
    except (ConfigError, graph.GraphError, ScriptInputError) as err:
        errors.print(f"[red]error:[/red] {escape(shorten(str(err)))}", highlight=False, soft_wrap=True)
        return 2


def entry() -> None:
    """The `flowjobs` command: its work done and its records written, the process ends without the interpreter's
    teardown of flytekit and the rest (flowjobs/quick_exit.py), which would add about half a second to each command."""
    code = main()
    quick_exit.exit_now(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
