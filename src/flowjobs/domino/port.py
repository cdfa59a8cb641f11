"""`flowjobs port-domino PATH…`: port Domino flow files, or a whole repository, then say what each flow still needs.

1. Every Python file given, or found under a folder given (hidden folders and virtual environments left out),
   that names the plugin gets one substitution: `flytekitplugins.domino` becomes `flowjobs.domino` wherever the
   code names it (import lines, and `flytekitplugins.domino.helpers.X` in the code; never in strings or comments).
   That is the flows, the repository's own modules they import (`utils/jobs.py`) and its task scripts alike.
   `--check` changes no file and reports the lines it would change.
2. Each flow (a file defining a workflow) is loaded as `pyflyte run` loads it from its project's folder, with its
   project's config: every tier, environment, dataset, volume, script, runtime and call to Domino's API it names is
   looked up, and each task's script is checked against the Python it runs with (flowjobs/domino/port_survey.py).
3. One report per file: a flow is `ready` when it loads and needs nothing, else one line per need with the config
   entry to add and the tasks that need it. The exit code is 0 only when every flow is ready.
"""

from __future__ import annotations

import ast
import io
import os
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from flowjobs.domino.port_survey import OURS, PLUGIN, load
from flowjobs.domino.survey import Need, TaskSeen

SKIPPED_FOLDERS = {"__pycache__", "node_modules", "site-packages"}
WORKFLOW_DECORATORS = {"workflow", "dynamic", "eager"}


@dataclass
class Ported:
    path: Path
    changed: list[int] = field(default_factory=list)  # line numbers rewritten (or to rewrite, with --check)
    flow: bool = False
    needs: list[Need] = field(default_factory=list)
    workflows: list[str] = field(default_factory=list)
    scripts_of: list[str] = field(default_factory=list)  # the tasks whose script this file is

    @property
    def blocking(self) -> list[Need]:
        return [need for need in self.needs if need.blocking]

    @property
    def ready(self) -> bool:
        return not self.blocking


def rewrite(text: str) -> tuple[str, list[int]]:
    """The text with the plugin's module prefix replaced wherever the code names it, and the numbers of the lines
    changed. Strings and comments keep theirs."""
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    spots = []  # (line, start column, end column) of each `flytekitplugins.domino`
    for index in range(len(tokens) - 2):
        first, dot, second = tokens[index : index + 3]
        names = (first.type, first.string, dot.string, second.string)
        if names == (tokenize.NAME, "flytekitplugins", ".", "domino") and first.start[0] == second.end[0]:
            spots.append((first.start[0], first.start[1], second.end[1]))
    lines = text.splitlines(keepends=True)
    for line, start, end in reversed(spots):
        lines[line - 1] = lines[line - 1][:start] + OURS + lines[line - 1][end:]
    return "".join(lines), sorted({line for line, _, _ in spots})


def defines_workflow(text: str) -> bool:
    """Whether the module defines a workflow (a function decorated with flytekit's @workflow, @dynamic or @eager)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    for node in ast.walk(tree):
        for decorator in getattr(node, "decorator_list", []):
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if name in WORKFLOW_DECORATORS:
                return True
    return False


def python_files(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """The Python files the paths name (a folder: every one under it), and the paths that are neither."""
    found, wrong = [], []
    for path in paths:
        if path.is_file() and path.suffix == ".py":
            found.append(path)
        elif path.is_dir():
            for folder, subfolders, files in os.walk(path):
                subfolders[:] = sorted(
                    name
                    for name in subfolders
                    if not name.startswith(".")
                    and name not in SKIPPED_FOLDERS
                    and not (Path(folder) / name / "pyvenv.cfg").exists()
                )
                found += [Path(folder) / name for name in sorted(files) if name.endswith(".py")]
        else:
            wrong.append(path)
    return found, wrong


def port(path: Path, check: bool) -> Ported:
    """Rewrite one file (unless `check`); a flow is loaded and surveyed later, once every file is rewritten."""
    text = path.read_text(encoding="utf-8")
    try:
        ported, changed = rewrite(text)
    except (tokenize.TokenError, SyntaxError) as err:
        result = Ported(path)
        if PLUGIN in text:
            result.needs.append(Need("load", "parse", f"does not parse: {err}", path.name))
        return result
    if changed and not check:
        path.write_text(ported, encoding="utf-8")
    result = Ported(path, changed, flow=defines_workflow(ported))
    result.needs += [Need("api", name, message, path.name) for name, message in missing_api(ported)]
    return result


def missing_api(text: str) -> list[tuple[str, str]]:
    """The names a module imports from flowjobs.domino that it does not have (read from the code, not run)."""
    import importlib

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    missing = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(OURS) and not node.level:
            try:
                module = importlib.import_module(node.module)
            except ImportError:
                missing.append((node.module, f"ImportError: no module named {node.module!r}"))
                continue
            for alias in node.names:
                if alias.name != "*" and not hasattr(module, alias.name):
                    missing.append((alias.name, f"ImportError: cannot import name {alias.name!r} from {node.module!r}"))
    return missing


def survey(result: Ported, check: bool) -> list[TaskSeen]:
    text = result.path.read_text(encoding="utf-8")
    needs, tasks, workflows = load(result.path, rewrite(text)[0] if check else text, as_if_ported=check)
    result.needs.extend(needs)
    result.workflows = workflows
    return tasks


def report(result: Ported, check: bool) -> list[str]:
    """One line for the file, then one line per distinct need with the tasks that have it."""
    verb = "would rewrite" if check else "rewrote"
    lines_note = f"{verb} lines {', '.join(map(str, result.changed))}" if result.changed else "nothing to rewrite"
    if not result.flow:
        what = f"the script of {', '.join(result.scripts_of)}" if result.scripts_of else "a module, no workflow"
        head = f"{result.path}: {lines_note} ({what})"
        return [head] + [f"  {need.kind}: {need.message}" for need in result.blocking]
    groups = _distinct(sorted(result.needs, key=lambda need: not need.blocking))
    if result.ready:
        out = [f"{result.path}: ready ({lines_note}; workflows: {', '.join(result.workflows) or 'none'})"]
    else:
        out = [f"{result.path}: needs {len(_distinct(result.blocking))} more ({lines_note})"]
    for (kind, _), needs in groups.items():
        tasks = sorted({need.task for need in needs})
        label = kind if needs[0].blocking else "note"
        out.append(f"  {label}: {needs[0].message} [{', '.join(tasks)}]")
    return out


def _distinct(needs: list[Need]) -> dict[tuple[str, str], list[Need]]:
    grouped: dict[tuple[str, str], list[Need]] = {}
    for need in needs:
        grouped.setdefault((need.kind, need.key), []).append(need)
    return grouped


def main(paths: list[Path], check: bool, echo=print) -> int:
    """Port every file; 0 when every flow is ready, 1 when any needs more (or none is found), 2 for a path that is
    neither a Python file nor a folder."""
    files, wrong = python_files(paths)
    if wrong:
        echo(f"error: not a Python file or a folder: {', '.join(map(str, wrong))}")
        return 2
    results = [port(path, check) for path in files]
    scripts: dict[Path, list[str]] = {}
    for result in results:
        if result.flow:
            for task in survey(result, check):
                _note_script(scripts, task)
    shown = []
    for result in results:
        result.scripts_of = sorted(set(scripts.get(result.path.resolve(), [])))
        if result.flow or result.changed or result.needs:
            shown.append(result)
            for line in report(result, check):
                echo(line)
    flows = [result for result in results if result.flow]
    if not flows:
        echo(f"no flow (a module defining a @workflow) in {', '.join(map(str, paths))}")
        return 1
    return 0 if all(result.ready for result in shown) else 1


def _note_script(scripts: dict[Path, list[str]], task: TaskSeen) -> None:
    if task.script is not None:
        scripts.setdefault(task.script.resolve(), []).append(task.name)
