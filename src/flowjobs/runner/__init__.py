"""The local parallel runner behind `flowjobs run`: the same compiled Flyte workflow, every node started as soon
as its inputs are ready, within the machine's CPU budget.

    workflow_inputs.py  the workflow, launch plan or task and its inputs, found and parsed exactly as `pyflyte run` does
    entities.py         a launch plan or a single task as a workflow the scheduler walks
    scheduler.py        the node graph walked with concurrent.futures (subworkflows and launch plans opened up)
    bindings.py         a node's inputs from the outputs it reads, attribute paths (`items[0]`, `obj.field`) applied
    branches.py         a conditional decided on the values it compares
    dynamic.py          an @dynamic node compiled on its inputs into the workflow a pod would make, opened up
    gates.py            sleep, input and approval gates, as `pyflyte run` opens them locally
    failure.py          a subworkflow's on_failure handler, called as flytekit calls it
    task_node.py        one task node in a worker thread: its own Flyte context, the cache, resume
    attempts.py         a plain task's or map item's attempts: retried, recorded, the checkpoint handed on
    workers.py          plain Python tasks in worker processes (forkserver), literals crossing serialized
    forkserver.py       the workers' forkserver: a fork of the runner after its imports, dying with it
    map_items.py        a map task's items side by side in workers, each recorded as its own node
    logs.py             flytekit's log messages on stderr
    budget.py           CPUs held by running tasks, per tier
    cache.py            outputs stored under a key of the task and the content of its inputs
    entry_check.py      a stored entry's checksum, checked on every use
    lifecycle.py        a killed execution's end, the signals that stop a run, a resumed run's links
    progress.py         the live status display and the final summary
    space.py            an ended execution's work and temp folders given back (its printed outputs kept), `flowjobs gc`
    flowjobs_run.py     `flowjobs run`: all of the above, Ctrl-C and exit codes

The execution record every local execution writes and the execution as the MLflow parent run are the toolkit's
(flowjobs/records.py, flowjobs/parent_run.py): a stock `pyflyte run` writes them too. The old module names
(loading, tasks, command, records, parent_run) still import (flowjobs/moved.py).
"""
