"""The project's own kinds of error, at the bottom of every layer: each is reported as one line (no traceback)
naming the task and the thing (input, file, key, tier, path). Modules raise subclasses of these (TierError,
SnapshotError, TrackingError, …) defined beside the code that knows the thing."""

import re

_FLYTE_PREFIX = re.compile(r"^\s*(USER|SYSTEM):\w*: error=")


class ScriptError(ValueError):
    """A failure a script reports as one line: `run_main` prints it on stderr and exits 1, no traceback."""


class ScriptInputError(ScriptError):
    """An input the script cannot use; the message names the task, the input and the path or flag."""


class ScriptOutputError(ScriptError):
    """An output the script could not write (a full disk, a file size limit); names the output and path."""


class ScriptUsageError(ScriptInputError):
    """A flag argparse refuses (unknown, missing, not of its type): one line like any bad input, exit code 2."""


class ConfigError(ValueError):
    """A config file that cannot be read or does not validate; the message names the file and the key."""


LONG_VALUE = 300  # characters: a word (a value, a path) longer than this is cut in a message
KEPT = 200  # characters of a long word kept


def shorten(text: str) -> str:
    """`text` with each word longer than LONG_VALUE characters cut to its first KEPT and its length, and said only
    once: a 1 MB bad value makes a line of a few hundred characters, not a megabyte echoed twice."""
    seen: set[str] = set()

    def cut(found: re.Match) -> str:
        word = found.group(0)
        if word in seen:
            return f"(the same {len(word):,} characters)"
        seen.add(word)
        return f"{word[:KEPT]}… ({len(word):,} characters)"

    return _LONG_WORD.sub(cut, text)


_LONG_WORD = re.compile(rf"[^\s'\"]{{{LONG_VALUE + 1},}}")


def message(error: BaseException) -> str:
    """An error's message without flytekit's wrapping ("USER:Recoverable: error=Error encountered while ...")."""
    lines = [line for line in str(error).splitlines() if "Error encountered while executing" not in line]
    text = "\n".join(_FLYTE_PREFIX.sub("", line, count=1) for line in lines).strip()
    return shorten(text) or type(error).__name__


def first_line(error: BaseException) -> str:
    """The line an error is reported by (a task's, a node's, a flow file's)."""
    return message(error).splitlines()[0]
