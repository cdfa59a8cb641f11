"""Where a secret ended up: every file under a folder (text or binary, SQLite stores included) that holds it."""

from __future__ import annotations

from pathlib import Path


def files_holding(root: Path, secret: str) -> list[Path]:
    """The files under `root` whose bytes contain `secret` (as UTF-8); links are not followed."""
    needle = secret.encode()
    return [
        path
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink() and needle in path.read_bytes()
    ]
