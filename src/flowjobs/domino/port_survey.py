"""What a ported Domino flow still needs, found by loading it as `pyflyte run` would from its project's folder.

The flow loads with its project's config (flowjobs/project.py), every task it defines looked up as it would be
(tiers, environments, snapshots, volumes, runtimes, Domino's REST API: flowjobs/domino/define.py, noted instead of
raised), and then each task's Python script is checked against the Python it will run with (its environment's,
built if need be): every module it imports must be there.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import subprocess
import sys
import types
import typing
import uuid
from pathlib import Path

from flowjobs import environments, project
from flowjobs.domino.layout import host_command
from flowjobs.domino.survey import Need, TaskSeen, surveying
from flowjobs.script_command import script_path
from flowjobs.settings import environments_place

PLUGIN, OURS = "flytekitplugins.domino", "flowjobs.domino"
DOMINO_CLIENTS = {"domino": "dominodatalab", "domino_data": "dominodatalab-data"}  # module -> its PyPI package


class _PluginAsOurs(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """`--check` changes no file: while it loads the flows, a module not yet rewritten that imports the plugin gets
    ours under the plugin's name, as it will once rewritten."""

    def find_spec(self, name: str, path: typing.Any, target: typing.Any = None) -> typing.Any:
        parent = PLUGIN.split(".")[0]
        if name == parent and importlib.machinery.PathFinder.find_spec(name) is None:
            return importlib.util.spec_from_loader(name, self, is_package=True)  # no flytekit plugin installed
        if name == PLUGIN or name.startswith(f"{PLUGIN}."):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec: typing.Any) -> typing.Any:
        if not spec.name.startswith(PLUGIN):
            return types.ModuleType(spec.name)
        return importlib.import_module(OURS + spec.name.removeprefix(PLUGIN))

    def exec_module(self, module: typing.Any) -> None:
        return None


@contextlib.contextmanager
def _loading_from(root: Path, as_if_ported: bool) -> typing.Iterator[None]:
    """The project's folder first on sys.path (as when run from it); the modules it loaded are forgotten after."""
    before = set(sys.modules)
    alias = _PluginAsOurs() if as_if_ported else None
    sys.path.insert(0, str(root))
    if alias is not None:
        sys.meta_path.insert(0, alias)
    try:
        yield
    finally:
        if alias is not None:
            sys.meta_path.remove(alias)
        with contextlib.suppress(ValueError):
            sys.path.remove(str(root))
        toolkit = str(Path(__file__).resolve().parents[1])
        for name in set(sys.modules) - before:
            origin = getattr(sys.modules[name], "__file__", None) or ""
            the_project_s = origin.startswith(str(root)) and "site-packages" not in origin
            if name.startswith(PLUGIN.split(".")[0]) or (the_project_s and not origin.startswith(toolkit)):
                del sys.modules[name]


def load(path: Path, text: str, as_if_ported: bool) -> tuple[list[Need], list[TaskSeen], list[str]]:
    """Load the (ported) flow file and note what it needs; returns the needs, its tasks and its workflows."""
    with project.of_flow(path) as root:
        inside = path.resolve().is_relative_to(root)  # else FLOWJOBS_PROJECT_ROOT names another project
        folder = root if inside else path.resolve().parent
        return _load(path, text, root, folder, as_if_ported)


def _load(
    path: Path, text: str, root: Path, folder: Path, as_if_ported: bool
) -> tuple[list[Need], list[TaskSeen], list[str]]:
    from flytekit.core.workflow import WorkflowBase

    with _loading_from(folder, as_if_ported), surveying() as seen:
        parts = path.resolve().relative_to(folder).with_suffix("").parts
        name = ".".join(parts) if all(part.isidentifier() for part in parts) else f"ported_{uuid.uuid4().hex[:8]}"
        module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader=None, origin=str(path)))
        module.__file__, module.__package__ = str(path), name.rpartition(".")[0]
        sys.modules[name] = module  # flytekit finds a workflow's module by name
        try:
            with contextlib.redirect_stdout(sys.stderr):  # what the flow prints as it loads stays out of the report
                exec(compile(text, str(path), "exec"), module.__dict__)  # noqa: S102 (loading it, like pyflyte)
                for value in list(module.__dict__.values()):
                    if isinstance(value, WorkflowBase) and hasattr(value, "compiled"):
                        value.compile()  # flytekit compiles a workflow's body when it is first used
        except Exception as err:  # noqa: BLE001 (any failure to load is reported, one line)
            seen.needs.append(_load_failure(err, path))
        finally:
            sys.modules.pop(name, None)
        workflows = [key for key, value in module.__dict__.items() if isinstance(value, WorkflowBase)]
        tasks = [dataclasses.replace(task, script=_script_of(task)) for task in seen.tasks]
        for task in tasks:
            seen.needs.extend(script_needs(task, root))
    return seen.needs, tasks, workflows


def _script_of(task: TaskSeen) -> Path | None:
    try:
        return script_path(host_command(task.command))
    except ValueError:
        return None


def _load_failure(err: Exception, path: Path) -> Need:
    if isinstance(err, ModuleNotFoundError):
        top = (err.name or "").split(".")[0]
        if top in DOMINO_CLIENTS:
            message = (
                f"module {err.name!r} is not installed: pip install {DOMINO_CLIENTS[top]} (from PyPI); its calls "
                "then need a Domino host (DOMINO_API_HOST)"
            )
        elif top == "flytekitplugins":
            message = f"{err.name} is not ported: run without --check to rewrite it"
        else:
            message = f"module {err.name!r} is not installed"
        return Need("module", err.name or "?", message, path.name)
    if isinstance(err, ImportError):
        return Need("api", str(err), _first_line(err), path.name)
    from_client = _raised_in_domino_client(err)
    if from_client:
        return Need("api", from_client, f"{from_client} (Domino's REST API) failed: {_first_line(err)}", path.name)
    return Need("load", type(err).__name__, _first_line(err), path.name)


def _raised_in_domino_client(err: BaseException) -> str:
    """The Domino API client module an error came from while the flow loaded ('' when none)."""
    trace = err.__traceback__
    while trace is not None:
        module = trace.tb_frame.f_globals.get("__name__", "")
        if module.split(".")[0] in DOMINO_CLIENTS:
            return module.split(".")[0]
        trace = trace.tb_next
    return ""


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}".rstrip(": ")


def imported_modules(script: Path) -> set[str]:
    """The top-level modules a script imports (not those it tries in `try: … except ImportError`)."""
    try:
        tree = ast.parse(script.read_text(encoding="utf-8"), str(script))
    except (OSError, SyntaxError, ValueError):
        return set()
    optional = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(_catches_import_error(handler) for handler in node.handlers):
            optional |= {id(inner) for statement in node.body for inner in ast.walk(statement)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return caught is None or any(
        isinstance(n, ast.Name) and n.id in {"ImportError", "ModuleNotFoundError", "Exception"} for n in names
    )


def script_needs(task: TaskSeen, root: Path) -> list[Need]:
    """Every module the task's Python script imports that the Python it runs with does not have."""
    script = task.script
    if script is None or script.suffix != ".py" or not script.is_file():
        return []
    local = {entry.stem for folder in (root, script.parent) for entry in folder.iterdir()} | {PLUGIN.split(".")[0]}
    wanted = sorted(name for name in imported_modules(script) - local if name not in sys.stdlib_module_names)
    if not wanted:
        return []
    try:
        python = environments.python_for(task.environment)
    except ValueError as err:
        return [Need("environment", str(task.environment), str(err), task.name)]
    probe = (
        "import importlib.util, sys; print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))"
    )
    done = subprocess.run(
        [str(python or sys.executable), "-c", probe, *wanted], capture_output=True, text=True, timeout=120
    )
    missing = done.stdout.split()
    shown = script.relative_to(root) if script.is_relative_to(root) else script
    where = (
        f"environment {task.environment!r} lacks; add it to its requirements in {environments_place()}"
        if python is not None
        else f"this Python lacks; install it, or give the task an environment with it in {environments_place()}"
    )
    return [
        Need("module", f"{shown}:{name}:{task.environment}", f"{shown} imports {name!r}, which {where}", task.name)
        for name in missing
    ]
