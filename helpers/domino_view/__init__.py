"""Domino's job conventions as a view of a job task's own folders: what a task made through helpers.domino sees.

    sandbox.py         a per-task mount namespace (bubblewrap) where Domino's folders are the attempt's own
    runtime.py         an attempt prepared, its outputs collected and its artifacts published
    artifact_store.py  an execution's artifact files grouped by kind and name, logged to its MLflow parent run

The folders and the project's defaults, carried in the task's spec, are helpers/domino_layout.py. The view sits
below the job task (helpers/jobs.py and helpers/job_runtime.py use it); Domino's plugin API over the job
task is helpers/domino/.
"""
