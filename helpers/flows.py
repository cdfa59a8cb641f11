"""Read inputs and write outputs the same way in a flow and alone: the toolkit's script-side API.

    from helpers.flows import add_output_dir, get_param_from_args, handle_outputs, run_main

Inside a flow the values come from the job task's inputs folder (`/workflow/inputs` in a Domino task) and outputs
go to its outputs folder; run alone they come from the script's flags and go under `--output-dir`.
"""

from flowjobs.script import *  # noqa: F403 (the whole script-side API, under this project's name)
from flowjobs.script import __all__  # noqa: F401
