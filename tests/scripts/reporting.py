"""A script that writes task reports (for the deck tests); its first argument says which.

    two       decks "Summary" and "Plots", in that order
    attempts  a deck naming the attempt; the first attempt then fails (the retry shows only its own report)
    link_out  a good deck "Summary" and a fragment that is a link out of the reports folder
    none      no report
Output `done` (true).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from flowjobs import reports
from helpers.flows import handle_outputs, run_main


def main() -> None:
    mode = sys.argv[1]
    attempt = os.environ.get("FLOWJOBS_ATTEMPT", "1")
    if mode == "two":
        reports.publish("Summary", reports.table([{"metric": "auc", "value": 0.5}]))
        reports.publish("Plots", "<p>plot-body</p>")
    elif mode == "attempts":
        reports.publish("Summary", f"<p>from attempt {attempt}</p>")
        if attempt == "1":
            sys.exit(3)
    elif mode == "link_out":
        reports.publish("Summary", "<p>summary-body</p>")
        outside = Path(os.environ["FLOWJOBS_OUTPUTS_DIR"]).parent.parent / "outside.html"
        outside.write_text("<p>outside-body</p>")
        (reports.reports_folder() / "01-Leak.html").symlink_to(outside)
    handle_outputs({"done": True})


if __name__ == "__main__":
    run_main(main)
