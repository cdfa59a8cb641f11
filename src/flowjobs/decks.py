"""Job side of task reports: the HTML fragments a script left in its reports folder become its task's Flyte Decks.

Every job task has decks enabled (only the ones its script writes: no input, output, source or timeline deck),
so flytekit renders them where it renders any task's decks:

- in a pod, flytekit's entrypoint uploads `deck.html` next to the task's `outputs.pb`, and the Flyte console
  shows it under the task's "Flyte Deck" button;
- in a local run, flytekit writes it to a random folder of its sandbox and says so only at INFO level, so the
  job task also writes the same page (flytekit's own template, without its web-font link, so that it opens
  offline) as `deck.html` in the attempt's working folder, logs where, and the execution record keeps its path
  (`flowjobs status EXECUTION` shows it).

A script that writes no fragment has an empty deck (and no local copy). Decks are attached only after a
successful attempt, so a retried task shows its last attempt's report once.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from flowjobs import contract

DECK_FILE = "deck.html"
WEB_FONTS = re.compile(r'<link[^>]+href="https?://[^"]*"[^>]*>')  # the template's only outside fetch
log = logging.getLogger("flowjobs")


def attach(task_name: str, folder: Path) -> list[str]:
    """Each fragment in `folder` as a Deck of the running task; returns the deck titles, in order.

    A report is not an output: a fragment that cannot be shown (not UTF-8, a link leading out of the folder)
    is left out with a warning naming the task and the file, and the task's outputs still count.
    """
    from flytekit import Deck

    titles = []
    for title, path in contract.report_fragments(folder):
        try:
            body = contract.check_inside(path, folder, "reports").read_text(encoding="utf-8")
        except (ValueError, OSError) as err:
            log.warning("task '%s': report %s left out of its deck: %s", task_name, path, err)
            continue
        Deck(title, body)
        titles.append(title)
    return titles


def write_local_page(target: Path) -> Path:
    """The running task's decks as flytekit renders them, less the web fonts, written at `target` (a local copy)."""
    from flytekit import FlyteContextManager
    from flytekit.deck.deck import _get_deck

    params = FlyteContextManager.current_context().user_space_params
    page = WEB_FONTS.sub("", _get_deck(new_user_params=params, ignore_jupyter=True))
    target.write_text(page, encoding="utf-8")
    return target


def publish(task_name: str, reports: Path, attempt_folder: Path, local: bool, kept: Path | None = None) -> Path | None:
    """Attach the script's report as decks; in a local run also write the page and say where it is: in `kept`,
    the folder its lasting copy goes to as the attempt ends (flowjobs/kept_files.py), when given."""
    titles = attach(task_name, reports)
    if not local or not titles:
        return None
    page = write_local_page(attempt_folder / DECK_FILE)
    shown = (kept / DECK_FILE) if kept is not None else page
    log.info("%s deck (%s): %s", task_name, ", ".join(titles), shown.resolve().as_uri())
    return page
