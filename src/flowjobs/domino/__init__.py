"""Domino's Flyte plugin API over our job task: a Domino flow ports by changing `flytekitplugins.domino` to
`flowjobs.domino` (`flowjobs port-domino` does it in a whole repository and says what config each flow still needs).

flowjobs.domino.helpers    Input, Output, run_domino_job_task
flowjobs.domino.task       DominoJobTask, DominoJobConfig, GitRef, DatasetSnapshot, EnvironmentRevisionSpecification, …
flowjobs.domino.artifact   Artifact, DATA, MODEL, REPORT, ExportArtifactToDatasetsSpec, run_launch_export_artifacts_task
flowjobs.domino.file       DominoFile, DominoFileLegacy, PathConfig

Every task made here is a `flowjobs.jobs.JobTask` whose spec carries a Domino layout: its script sees Domino's folders
(/workflow/inputs, /workflow/outputs, /mnt/code, /mnt/data) and DOMINO_* variables (flowjobs/domino/plugin.py).
"""
