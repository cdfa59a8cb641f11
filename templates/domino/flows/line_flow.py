"""A Domino-style flow: written in Domino's own API, run here as it is (only the imports name flowjobs.domino).

    pyflyte run flows/line_flow.py line_fit --rows 200 --seed 3
    flowjobs run flows/line_flow.py line_fit --rows 200
    pyflyte run --remote flows/line_flow.py line_fit                  # on a Flyte cluster, in the project's image

    Prepare data (small-k8s) ─► Fit line (medium-k8s) ─► slope, report.json

Each script reads its inputs from /workflow/inputs/<name> and writes its outputs to /workflow/outputs/<name>, and the
project is /mnt/code, as on Domino: every task gets those folders of its own (a mount namespace locally, the
image's folders in a pod). A flow (or a repository) written for Domino ports with `flowjobs port-domino PATH`.
"""

from __future__ import annotations

from typing import TypeVar

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flowjobs.domino.helpers import Input, Output, run_domino_job_task
from flowjobs.domino.task import DominoJobConfig, DominoJobTask

CSV = FlyteFile[TypeVar("csv")]
JSON = FlyteFile[TypeVar("json")]


@workflow
def line_fit(rows: int = 200, seed: int = 7) -> float:
    prepare = DominoJobTask(
        name="Prepare data",
        domino_job_config=DominoJobConfig(Command="python /mnt/code/tasks/prepare.py", HardwareTierId="small-k8s"),
        inputs={"rows": int, "seed": int},
        outputs={"data": CSV},
        use_latest=True,
    )
    prepared = prepare(rows=rows, seed=seed)
    fitted = run_domino_job_task(
        flyte_task_name="Fit line",
        command="python /mnt/code/tasks/fit.py",
        inputs=[Input(name="data", type=CSV, value=prepared["data"])],
        output_specs=[Output(name="slope", type=float), Output(name="report", type=JSON)],
        hardware_tier_name="medium-k8s",
        use_project_defaults_for_omitted=True,
    )
    return fitted["slope"]
