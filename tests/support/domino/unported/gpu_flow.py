"""A Domino flow as Domino runs it, before porting: its imports name Domino's plugin and it asks for a tier this
project does not have. `flowjobs port-domino` rewrites the imports and names the tier to map."""

from flytekit import workflow
from flytekitplugins.domino.helpers import Input, Output, run_domino_job_task
from flytekitplugins.domino.task import DominoJobConfig, DominoJobTask

SCRIPTS = "/mnt/code/tests/support/domino/scripts"


@workflow
def gpu_sum(a: int, b: int) -> float:
    total = run_domino_job_task(
        flyte_task_name="Add on a GPU",
        command=f"python {SCRIPTS}/add.py",
        inputs=[Input(name="first_value", type=int, value=a), Input(name="second_value", type=int, value=b)],
        output_specs=[Output(name="sum", type=int)],
        hardware_tier_name="GPU-XL",
        environment_name="Domino Standard Environment Py3.10 R4.4",
        use_project_defaults_for_omitted=True,
    )
    return DominoJobTask(
        name="Root on a GPU",
        domino_job_config=DominoJobConfig(Command=f"python {SCRIPTS}/sqrt.py", HardwareTierId="GPU-XL"),
        inputs={"value": int},
        outputs={"sqrt": float},
        use_latest=True,
    )(value=total["sum"])
