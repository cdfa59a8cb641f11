"""The `flowjobs` command's first lines: for `flowjobs run FILE …` the workers' forkserver starts before anything
else is imported, so its imports (flytekit, the flow's module) overlap every one of the runner's, the command's
own (rich, pydantic, the applications' subcommands) included; then the command itself (flowjobs/cli.py).
"""

from __future__ import annotations

import sys

from flowjobs.runner import forkserver


def entry() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "run":
        forkserver.start_early(sys.argv[2])  # a flow file without plain Python tasks starts none
    from flowjobs import cli

    cli.entry()
