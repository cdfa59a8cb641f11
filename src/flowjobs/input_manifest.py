"""The declared kind of each input, written by the job task beside a script's inputs folder.

A Domino script declares a file input as a plain string flag (`parser.add_argument("--table", type=str)`) and
expects the file's path; the flag cannot say that, the job task can. So a Domino job task writes this manifest
(FLOWJOBS_INPUT_TYPES names it) and the script-side helpers read a file or folder input as its path.
Light: imported by every script.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ENV_INPUT_TYPES = "FLOWJOBS_INPUT_TYPES"
PATH_KINDS = ("file", "directory")


def write(path: Path, kinds: dict[str, str]) -> Path:
    """Write {input name: kind} (the contract's kinds: str, int, …, file, directory, list, json)."""
    path.write_text(json.dumps(kinds, indent=1, sort_keys=True), encoding="utf-8")
    return path


def declared_kinds() -> dict[str, str]:
    """The manifest of the running task; empty when the task wrote none (our own job tasks, a script run alone)."""
    location = os.environ.get(ENV_INPUT_TYPES)
    if not location:
        return {}
    try:
        return json.loads(Path(location).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def is_path_input(name: str) -> bool:
    """True when the job task declared input `name` as a file or a folder: the script gets its path."""
    return declared_kinds().get(name) in PATH_KINDS
