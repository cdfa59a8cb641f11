"""A Domino repository written for the tests, as a Domino project's repository looks: a flow at its top
(`workflow.py`) in Domino's own API, its own `utils/` and `scripts/` modules importing the plugin, commands by
absolute /mnt/code paths, a dataset snapshot named by Domino's id, each PathConfig form, a flytekit Artifact
output, DominoJobTask keywords Domino ignores, and a task whose Domino environment has a package (inflection) the
toolkit's environment lacks. Its config (`flowjobs.yaml`) maps Domino's names and ids; `write` lays it out.
"""

from __future__ import annotations

from pathlib import Path

from flowjobs.hashing import content_hash

SNAPSHOT_ID = "66b2a1f0c9e84d3b"  # Domino's dataset id of the SDTM dataset
ENVIRONMENT_ID = "664f0c1e2b3a4d5e"  # Domino's id of the study environment
EXTRA_PACKAGE = "inflection"  # in the study environment only (tests assert the toolkit's environment lacks it)

FLOW = '''"""The study flow: ADSL from the SDTM snapshot, a summary, labelled subjects, a report.

    pyflyte run --remote workflow.py study --site S01
"""

from typing import Annotated, NamedTuple, TypeVar

from flytekit import Artifact as FlyteArtifact
from flytekit import workflow
from flytekit.types.file import FlyteFile
from flytekitplugins.domino.artifact import DATA, Artifact
from flytekitplugins.domino.file import PathConfig
from flytekitplugins.domino.helpers import Input, Output, run_domino_job_task
from flytekitplugins.domino.task import DatasetSnapshot, DominoJobConfig, DominoJobTask

from scripts.summarize import SUMMARY
from utils.jobs import study_task

Tables = Artifact("ADaM Tables", DATA)
# to use partition_keys, Domino needs the artifact defined up front
Report = FlyteArtifact(name="report.html", partition_keys=["artifact_type", "artifact_name"])


class StudyOutputs(NamedTuple):
    adsl: FlyteFile[TypeVar("csv")]
    summary: FlyteFile[TypeVar("json")]
    labels: str
    report: FlyteFile[TypeVar("html")]


@workflow
def study(site: str = "S01") -> StudyOutputs:
    adsl = run_domino_job_task(
        flyte_task_name="Build ADSL",
        command="python /mnt/code/scripts/build_adsl.py",
        inputs=[Input(name="site", type=str, value=site)],
        output_specs=[
            Output(name="adsl", type=Annotated[Tables.File(name="adsl.csv"), PathConfig(path="/workflow/adsl.csv")])
        ],
        dataset_snapshots=[DatasetSnapshot(Id="<snapshot-id>", Version=1)],
        hardware_tier_name="small-k8s",
        use_project_defaults_for_omitted=True,
    )
    summarized = study_task(
        "Summarize",
        "summarize.py",
        inputs={"adsl": FlyteFile[TypeVar("csv")]},
        outputs={
            "summary": Annotated[FlyteFile[TypeVar("json")], SUMMARY],
            "listing": PathConfig(path="/mnt/results/listing.txt"),
        },
    )(adsl=adsl["adsl"])
    labels = DominoJobTask(
        name="Label subjects",
        domino_job_config=DominoJobConfig(
            Command="python /mnt/code/scripts/label.py", EnvironmentId="<environment-id>"
        ),
        inputs={"listing": FlyteFile[TypeVar("txt")]},
        outputs={"labels": str},
        use_latest=True,
        hardware_tier_name="large-k8s",
        environment_name="Domino Standard Environment",
        upstream=[summarized],
    )(listing=summarized["listing"])
    report = run_domino_job_task(
        flyte_task_name="Write report",
        command="python /mnt/code/scripts/report.py",
        inputs=[
            Input(name="summary", type=FlyteFile[TypeVar("json")], value=summarized["summary"]),
            Input(name="labels", type=str, value=labels),
        ],
        output_specs=[
            Output(
                name="report",
                type=Annotated[
                    FlyteFile[TypeVar("html")], Report(artifact_type="report", artifact_name="Study Report")
                ],
            )
        ],
        environment_name="Study Environment",
    )
    return StudyOutputs(adsl=adsl["adsl"], summary=summarized["summary"], labels=labels, report=report)
'''.replace("<snapshot-id>", SNAPSHOT_ID).replace("<environment-id>", ENVIRONMENT_ID)

FILES = {
    "workflow.py": FLOW,
    "utils/__init__.py": "",
    "utils/jobs.py": '''"""The repository's way to define a study task: one DominoJobTask per script under scripts/."""

from flytekitplugins.domino.task import DominoJobConfig, DominoJobTask


def study_task(name, script, inputs, outputs, **config):
    return DominoJobTask(
        name=name,
        domino_job_config=DominoJobConfig(Command=f"python /mnt/code/scripts/{script}", **config),
        inputs=inputs,
        outputs=outputs,
        use_latest=True,
    )
''',
    "scripts/__init__.py": "",
    "scripts/build_adsl.py": '''"""ADSL: one site's subjects, from the SDTM snapshot (at /mnt/data/sdtm)."""

import csv
from pathlib import Path

site = Path("/workflow/inputs/site").read_text().strip()
with open("/mnt/data/sdtm/dm.csv", newline="") as handle:
    rows = [row for row in csv.DictReader(handle) if row["SITEID"] == site]
with open("/workflow/adsl.csv", "w", newline="") as handle:
    writer = csv.DictWriter(handle, fieldnames=["USUBJID", "SITEID", "AGE"])
    writer.writeheader()
    writer.writerows(rows)
''',
    "scripts/summarize.py": '''"""ADSL's summary, kept with the study's results (/mnt/data/clinical), and a listing."""

import csv
import json
import os

from flytekitplugins.domino.file import PathConfig

SUMMARY_PATH = "/mnt/data/clinical/results/summary.json"
SUMMARY = PathConfig(path=SUMMARY_PATH)


def main():
    with open("/workflow/inputs/adsl", newline="") as handle:
        rows = list(csv.DictReader(handle))
    os.makedirs(os.path.dirname(SUMMARY_PATH), exist_ok=True)
    with open(SUMMARY_PATH, "w") as handle:
        json.dump({"subjects": len(rows), "mean_age": sum(int(r["AGE"]) for r in rows) / len(rows)}, handle)
    os.makedirs("/mnt/results", exist_ok=True)
    with open("/mnt/results/listing.txt", "w") as handle:
        handle.write("\\n".join(row["USUBJID"] for row in rows))


if __name__ == "__main__":
    main()
''',
    "scripts/label.py": '''"""Subject labels, made with a package only the study environment has."""

import json
import sys
from pathlib import Path

import inflection

subjects = Path("/workflow/inputs/listing").read_text().split()
labels = [inflection.titleize(inflection.underscore(subject.replace("-", "_"))) for subject in subjects]
seen = {"labels": labels, "inflection": inflection.__file__, "python": sys.executable}
Path("/workflow/outputs/labels").write_text(json.dumps(seen))
''',
    "scripts/report.py": '''"""The study report."""

import json
from pathlib import Path

summary = json.loads(Path("/workflow/inputs/summary").read_text())
labels = json.loads(Path("/workflow/inputs/labels").read_text())["labels"]
rows = "".join(f"<li>{label}</li>" for label in labels)
page = f"<h1>{summary['subjects']} subjects, mean age {summary['mean_age']:g}</h1><ul>{rows}</ul>"
Path("/workflow/outputs/report").write_text(page)
''',
    "data/sdtm/dm.csv": "USUBJID,SITEID,AGE\nSTUDY1-S01-001,S01,34\nSTUDY1-S01-002,S01,58\nSTUDY1-S02-001,S02,47\n",
}

CONFIG = """# The Domino project's names and ids, mapped for flowjobs
domino:
  project: {name: clinical-flows, owner: study-team}
  defaults: {hardware_tier: small-k8s, environment: Domino Standard Environment Py3.10 R4.4}
hardware_tiers:
  small-k8s:
    cpu: {request: "1", limit: "1"}
    memory: {request: 1Gi, limit: 1Gi}
  large-k8s:
    cpu: {request: "2", limit: "2"}
    memory: {request: 2Gi, limit: 2Gi}
environments:
  Domino Standard Environment Py3.10 R4.4: "{{.image.default.fqn}}:{{.image.default.version}}"
  Study Environment:
    ids: ["%(environment_id)s"]
    requirements: ["inflection==0.5.1"]
snapshots:
  sdtm:
    id: "%(snapshot_id)s"
    1: {folder: sdtm, files: [dm.csv], sha256: %(sha256)s}
"""


def write(folder: Path) -> Path:
    """The repository laid out in `folder`, its config pinning the snapshot it ships."""
    for relative, text in FILES.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text)
    sha256 = content_hash([folder / "data" / "sdtm" / "dm.csv"], folder / "data" / "sdtm")
    values = {"environment_id": ENVIRONMENT_ID, "snapshot_id": SNAPSHOT_ID, "sha256": sha256}
    (folder / "flowjobs.yaml").write_text(CONFIG % values)
    return folder
