"""Domino's own API in a script: python-domino (`import domino`, PyPI `dominodatalab`) and Domino's data API
(`import domino_data`, PyPI `dominodatalab-data`) install anywhere, but every call goes to a Domino host
(DOMINO_API_HOST). Without one there is nothing to answer, so a task whose script calls it is refused when the flow
is defined, naming the script and the module, rather than failing half-way when the call is made."""

from __future__ import annotations

import ast
import os
from pathlib import Path

CLIENTS = {"domino": "python-domino, PyPI dominodatalab", "domino_data": "Domino's data API, PyPI dominodatalab-data"}
ENV_HOST = "DOMINO_API_HOST"


def host() -> str | None:
    """The Domino host a script's API calls would reach, if this machine has one configured."""
    return os.environ.get(ENV_HOST) or None


def clients_imported(script: Path, project: Path) -> list[str]:
    """The Domino API modules `script` imports (a module of the project of the same name is the project's own)."""
    try:
        tree = ast.parse(script.read_text(encoding="utf-8"), str(script))
    except (OSError, SyntaxError, ValueError):
        return []
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            own = (project / top).exists() or (project / f"{top}.py").exists() or (script.parent / f"{top}.py").exists()
            if top in CLIENTS and not own and top not in found:
                found.append(top)
    return found


def refusal(script: Path, project: Path) -> str | None:
    """Why a task running `script` cannot run here (None when it can): it calls Domino's API and no host is set."""
    if host() is not None:
        return None
    modules = clients_imported(script, project)
    if not modules:
        return None
    shown = script.relative_to(project) if script.is_relative_to(project) else script
    which = ", ".join(f"{module} ({CLIENTS[module]})" for module in modules)
    return (
        f"{shown} calls Domino's REST API through {which}, which exists only on Domino: there is no Domino host here "
        f"({ENV_HOST} is not set)"
    )
