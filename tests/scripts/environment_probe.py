"""Say which environment ran this step: FLOWJOBS_PROBE_ENVIRONMENT, the file only the second image has, and the
execution the step belongs to.

Writes `seen` = "<greeting> > <environment>:<file or -> @<execution id>"; refuses the greeting "refuse".
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from helpers.flows import ScriptInputError, get_param_from_args, handle_outputs, run_main

EXTRA_FILE = Path("/etc/flowjobs-probe")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--greeting")
    greeting = get_param_from_args(parser, "greeting")
    if greeting == "refuse":
        raise ScriptInputError("input 'greeting': 'refuse' is refused")
    extra = EXTRA_FILE.read_text().strip() if EXTRA_FILE.exists() else "-"
    environment = os.environ.get("FLOWJOBS_PROBE_ENVIRONMENT", "host")
    handle_outputs({"seen": f"{greeting} > {environment}:{extra} @{os.environ['FLOWJOBS_EXECUTION_ID']}"})


if __name__ == "__main__":
    run_main(main)
