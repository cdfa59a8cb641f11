"""A job's command line: split without a shell, with its script found under the project root.

`python tasks/train.py --flag x` runs with the interpreter that runs the task and the script's absolute path,
so the command works from any current folder, locally and in a task container.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from flowjobs.settings import project_root

SCRIPT_SUFFIXES = (".py", ".sh", ".R")
PYTHON_NAMES = {"python", "python3", f"python3.{sys.version_info.minor}"}


def split(command: str) -> list[str]:
    try:
        tokens = shlex.split(command)
    except ValueError as err:
        raise ValueError(f"command {command!r} does not parse: {err}") from None
    if not tokens:
        raise ValueError("command is empty")
    return tokens


def _script_index(tokens: list[str]) -> int | None:
    return next((i for i, token in enumerate(tokens) if token.endswith(SCRIPT_SUFFIXES)), None)


def _absolute(token: str) -> Path:
    path = Path(token)
    return path if path.is_absolute() else project_root() / path


def script_path(command: str) -> Path | None:
    """The script a command runs (the first .py/.sh/.R argument), as an absolute path."""
    tokens = split(command)
    index = _script_index(tokens)
    return _absolute(tokens[index]) if index is not None else None


def to_argv(command: str, python: str = sys.executable) -> list[str]:
    """The argv to execute: `python` is `python` (this interpreter, or the task environment's), the script path is
    absolute, nothing is interpolated."""
    tokens = split(command)
    index = _script_index(tokens)
    if index is not None:
        tokens[index] = str(_absolute(tokens[index]))
    if tokens[0] in PYTHON_NAMES:
        tokens[0] = python
    elif index == 0 and tokens[0].endswith(".py"):
        tokens.insert(0, python)
    return tokens
