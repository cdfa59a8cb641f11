"""The `flowjobs` command's entry point (flowjobs/cli.py does the work). For `flowjobs run` nothing starts before the
command's own imports: the workers' forkserver is forked from the runner once it has imported flytekit and the flow
(flowjobs/runner/forkserver.py), so no second import competes with the runner's for the cores.
"""

from __future__ import annotations


def entry() -> None:
    from flowjobs import cli

    cli.entry()
