"""A checksum over a stored entry of task outputs (flowjobs/runner/cache.py), written when the entry is made and
checked every time it is used.

An entry lives for many runs in a folder anyone can reach: a disk error, an editor, a half-copied backup or a
script writing to a file it was handed can change it. Used as it is, a damaged entry would hand a wrong result
downstream without a word. So every use re-reads the entry's bytes and compares them with the checksum; an
entry that does not match (or has no checksum, or cannot be read) is reported as damaged, and its store throws
it away, so the task runs again and the warning is not repeated on every later run.
"""

from __future__ import annotations

from pathlib import Path

from flowjobs.hashing import content_hash

CHECKSUM_FILE = "checksum.sha256"


def checksum(entry: Path) -> str:
    """The SHA-256 of every file of the entry but the checksum itself: relative names and bytes, in name order
    (the content hash flowjobs/hashing.py gives every set of files)."""
    files = [path for path in entry.rglob("*") if path.is_file() and path.name != CHECKSUM_FILE]
    return content_hash(files, entry)


def seal(entry: Path) -> None:
    """Write the entry's checksum (the last file written before the entry is published)."""
    (entry / CHECKSUM_FILE).write_text(checksum(entry) + "\n", encoding="ascii")


def damage(entry: Path) -> str | None:
    """Why the entry cannot be trusted, or None when its bytes are those it was sealed with."""
    try:
        expected = (entry / CHECKSUM_FILE).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return "it has no checksum"
    except (OSError, UnicodeDecodeError) as err:
        return f"its checksum cannot be read: {err}"
    try:
        found = checksum(entry)
    except OSError as err:
        return f"it cannot be read: {err}"
    return None if found == expected else "its files do not match the checksum written with them"
