"""What a Domino job task's script sees, as data: the part of a job spec that only Domino tasks have, and the
Domino project settings (the project config's `domino` section) that fill in what a flow leaves out.

Kept free of flytekit and of flowjobs.jobs, so the job spec can hold a `DominoLayout` without an import cycle.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, Field, field_validator

from flowjobs import config
from flowjobs.config import ConfigError
from flowjobs.settings import domino_project_source, project_root, state_dir

WORKFLOW = PurePosixPath("/workflow")
INPUTS = WORKFLOW / "inputs"
OUTPUTS = WORKFLOW / "outputs"
MNT = PurePosixPath("/mnt")
CODE = MNT / "code"
DATA = MNT / "data"
EDV = PurePosixPath("/domino/edv")
SANDBOX_ROOTS = ("/workflow", "/mnt", "/domino")  # the folders a Domino task gets its own view of


class DominoConfigError(ConfigError):
    """A Domino setting we cannot map: a tier, environment, dataset or volume, named with the file to map it in."""


class ArtifactFileSpec(BaseModel):
    """An output that is one file of a Domino flow artifact."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    artifact: str
    kind: str
    file: str


class DominoLayout(BaseModel):
    """The Domino view of a job task: which inputs are dataset snapshots (and their mount names), which outputs
    are read from a fixed path, which are artifact files, and the external volumes it mounts."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    datasets: dict[str, str] = Field(default_factory=dict)  # snapshot input -> folder name under /mnt/data
    fixed_outputs: dict[str, str] = Field(default_factory=dict)  # output -> absolute path the script writes
    artifacts: dict[str, ArtifactFileSpec] = Field(default_factory=dict)  # output -> its artifact
    volumes: dict[str, str] = Field(default_factory=dict)  # external volume name -> host folder


class ProjectNames(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "flowjobs"
    owner: str = "flowjobs"


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hardware_tier: str = "Small"
    environment: str | None = None


class DominoProject(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project: ProjectNames = Field(default_factory=ProjectNames)
    defaults: Defaults = Field(default_factory=Defaults)
    external_volumes: dict[str, str] = Field(default_factory=dict)
    datasets_folder: str | None = None
    experiment: str = "domino-flows"

    @field_validator("external_volumes")
    @classmethod
    def _absolute_folders(cls, value: dict[str, str]) -> dict[str, str]:
        for name, folder in value.items():
            if not Path(folder).is_absolute():
                raise ValueError(f"external volume {name!r}: {folder!r} must be an absolute folder")
        return value

    @property
    def datasets_root(self) -> Path:
        """Where exported artifacts go: the folder set here (relative to the project), else <state dir>/datasets."""
        if self.datasets_folder is None:
            return state_dir() / "datasets"
        folder = Path(self.datasets_folder)
        return folder if folder.is_absolute() else project_root() / folder


def load_project() -> DominoProject:
    """The Domino project's settings: the project config's `domino` section (or FLOWJOBS_DOMINO_PROJECT's file),
    else the defaults above."""
    source = domino_project_source()
    if source is None:
        return DominoProject()
    return config.load_cached(source, DominoProject, "Domino project file", DominoConfigError)


def host_path(token: str) -> str:
    """A command's path as this machine has it: /mnt/code/x and a relative x are <project>/x."""
    path = PurePosixPath(token)
    if path.is_relative_to(CODE):
        return str(project_root() / path.relative_to(CODE))
    return token


def host_command(command: str) -> str:
    """The command with /mnt/code paths as this machine has them, for the checks made when a flow is defined."""
    import shlex

    try:
        return shlex.join(host_path(token) for token in shlex.split(command))
    except ValueError:
        return command  # the job task's own check names the parse error
