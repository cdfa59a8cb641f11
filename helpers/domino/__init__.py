"""Domino's Flyte plugin API over our job task: a Domino flow ports by changing `flytekitplugins.domino` to
`helpers.domino` in its import lines (`flowjobs port-domino` does it and says what config the flow still needs).

helpers.domino.helpers    Input, Output, run_domino_job_task
helpers.domino.task       DominoJobTask, DominoJobConfig, GitRef, DatasetSnapshot, EnvironmentRevisionSpecification, …
helpers.domino.artifact   Artifact, DATA, MODEL, REPORT, ExportArtifactToDatasetsSpec, run_launch_export_artifacts_task

Every task made here is a `helpers.jobs.JobTask` whose spec carries a Domino layout: its script sees Domino's folders
(/workflow/inputs, /workflow/outputs, /mnt/code, /mnt/data) and DOMINO_* variables (helpers/domino_view/runtime.py).
"""
