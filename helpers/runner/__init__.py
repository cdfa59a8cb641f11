"""The local parallel runner behind `flowjobs run`: the same compiled Flyte workflow, every node started as soon
as its inputs are ready, within the machine's CPU budget.

    workflow_inputs.py  the workflow and its inputs, found and parsed exactly as `pyflyte run` does
    scheduler.py        the node graph walked with concurrent.futures (subworkflows opened up, launch plans as one node)
    branches.py         a conditional decided on the values it compares
    task_node.py        one task node in a worker thread: its own Flyte context, the cache, resume
    budget.py           CPUs held by running tasks, per tier
    cache.py            outputs stored under a key of the task and the content of its inputs
    progress.py         the live status display and the final summary
    flowjobs_run.py     `flowjobs run`: all of the above, Ctrl-C and exit codes

The execution record every local execution writes and the execution as the MLflow parent run are the toolkit's
(helpers/records.py, helpers/parent_run.py): a stock `pyflyte run` writes them too. The old module names
(loading, tasks, command, records, parent_run) still import (helpers/moved.py).
"""
