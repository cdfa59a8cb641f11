"""`flowjobs port-domino PATH…`: port Domino flow files by one substitution, then say what each still needs.

1. In each file's import lines, the module prefix `flytekitplugins.domino` becomes `flowjobs.domino` (in place;
   `--check` only reports the lines it would change).
2. Each file is loaded as `pyflyte run` would load it, with every tier, environment, dataset, external volume,
   script and runtime it names looked up; what is missing is noted with the config entry to add, one line each.
3. A file is ready when it loads and needs nothing; the exit code is 0 only when every file is ready.
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from flowjobs.domino.define import Need, surveying

PLUGIN, OURS = "flytekitplugins.domino", "flowjobs.domino"
IMPORT_LINE = re.compile(rf"^(?P<head>\s*(?:from|import)\s+){re.escape(PLUGIN)}(?P<tail>[.\s,]|$)")
DOMINO_ONLY_MODULES = {"domino": "the python-domino API client", "domino_data": "Domino's data API"}


@dataclass
class Ported:
    path: Path
    changed: list[int] = field(default_factory=list)  # line numbers rewritten (or to rewrite, with --check)
    needs: list[Need] = field(default_factory=list)
    workflows: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.needs


def rewrite(text: str) -> tuple[str, list[int]]:
    """The text with the plugin's module prefix replaced in import lines, and the numbers of those lines."""
    lines, changed = text.splitlines(keepends=True), []
    for number, line in enumerate(lines, start=1):
        new = IMPORT_LINE.sub(lambda m: f"{m['head']}{OURS}{m['tail']}", line)
        if new != line:
            lines[number - 1] = new
            changed.append(number)
    return "".join(lines), changed


def _missing_module(err: ModuleNotFoundError, path: Path) -> Need:
    top = (err.name or "").split(".")[0]
    if top == "flytekitplugins":
        return Need("import", err.name, f"{err.name} is not ported: run without --check to rewrite it", path.name)
    what = DOMINO_ONLY_MODULES.get(top)
    message = f"module {err.name!r} ({what}) exists only on Domino" if what else f"module {err.name!r} is not installed"
    return Need("module", err.name or "?", message, path.name)


def survey(path: Path, text: str) -> tuple[list[Need], list[str]]:
    """Load the (ported) flow file in this process and note what it needs; returns the needs and its workflows."""
    from flytekit.core.workflow import WorkflowBase

    stem = re.sub(r"\W", "_", path.stem)
    name = f"ported_{stem}_{uuid.uuid4().hex[:6]}"
    spec = importlib.util.spec_from_loader(name, loader=None, origin=str(path))
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    sys.modules[name] = module  # flytekit finds a workflow's module by name
    sys.path.insert(0, str(path.parent))
    try:
        with surveying() as needs:
            try:
                exec(compile(text, str(path), "exec"), module.__dict__)  # noqa: S102 (loading the flow, like pyflyte)
                for value in list(module.__dict__.values()):
                    if isinstance(value, WorkflowBase) and hasattr(value, "compiled"):
                        value.compile()  # flytekit compiles a workflow's body when it is first used
            except ImportError as err:
                if isinstance(err, ModuleNotFoundError):
                    needs.append(_missing_module(err, path))
                else:
                    needs.append(Need("api", str(err), _first_line(err), path.name))
            except Exception as err:  # noqa: BLE001 (any failure to load is reported, one line)
                needs.append(Need("load", type(err).__name__, _first_line(err), path.name))
            found = list(needs)
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(path.parent))
    workflows = [key for key, value in module.__dict__.items() if isinstance(value, WorkflowBase)]
    return found, workflows


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}".rstrip(": ")


def port(path: Path, check: bool) -> Ported:
    text = path.read_text(encoding="utf-8")
    ported, changed = rewrite(text)
    if changed and not check:
        path.write_text(ported, encoding="utf-8")
    needs, workflows = survey(path, ported)
    return Ported(path, changed, needs, workflows)


def report(result: Ported, check: bool) -> list[str]:
    """One line for the file, then one line per distinct need with the tasks that have it."""
    verb = "would rewrite" if check else "rewrote"
    changed = ", ".join(map(str, result.changed))
    lines_note = f"{verb} import lines {changed}" if result.changed else "no import to rewrite"
    if result.ready:
        flows = ", ".join(result.workflows) or "no workflow"
        return [f"{result.path}: ready ({lines_note}; workflows: {flows})"]
    out = [f"{result.path}: needs {len(_distinct(result.needs))} more ({lines_note})"]
    for (kind, _), needs in _distinct(result.needs).items():
        tasks = sorted({need.task for need in needs})
        out.append(f"  {kind}: {needs[0].message} [{', '.join(tasks)}]")
    return out


def _distinct(needs: list[Need]) -> dict[tuple[str, str], list[Need]]:
    grouped: dict[tuple[str, str], list[Need]] = {}
    for need in needs:
        grouped.setdefault((need.kind, need.key), []).append(need)
    return grouped


def main(paths: list[Path], check: bool, echo=print) -> int:
    """Port every file; 0 when all are ready, 1 when any needs more, 2 when a path is not a Python file."""
    missing = [path for path in paths if not path.is_file() or path.suffix != ".py"]
    if missing:
        echo(f"error: not a Python flow file: {', '.join(map(str, missing))}")
        return 2
    results = [port(path, check) for path in paths]
    for result in results:
        for line in report(result, check):
            echo(line)
    return 0 if all(result.ready for result in results) else 1
