"""Domino's file types (`flytekitplugins.domino.file`): `DominoFile`, and `PathConfig`, an output the script writes
at a fixed path instead of /workflow/outputs/<name>.

    outputs={"table": PathConfig(path="/mnt/data/results/table.csv")}                 # the output type itself
    outputs={"table": Annotated[FlyteFile[TypeVar("csv")], PathConfig(path=…)]}       # a typed file at that path
    outputs={"table": Annotated[Tables.File(name="table.csv"), PathConfig(path=…)]}   # an artifact file at that path

The path lies under /workflow, /mnt or /domino (each task has its own view of them), outside the task's inputs,
/mnt/code, its dataset snapshots and its external volumes; /mnt/data/<folder>/… is fine, as Domino scripts write there.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from pathlib import PurePosixPath

from flytekit.types.file import FlyteFile

from flowjobs.domino.layout import CODE, EDV, INPUTS, OUTPUTS, SANDBOX_ROOTS

DominoFile = FlyteFile  # Domino's file type: a file between tasks, here the FlyteFile it is to Flyte
DominoFileLegacy = FlyteFile

__all__ = ["DominoFile", "DominoFileLegacy", "PathConfig"]


@dataclass(frozen=True)
class PathConfig:
    """An output the script writes at `path`; as an output type itself, a FlyteFile of the path's extension
    (or `type`)."""

    path: str
    type: typing.Any = None

    def output_type(self) -> typing.Any:
        if self.type is not None:
            return self.type
        extension = PurePosixPath(self.path).suffix.lstrip(".")
        return FlyteFile[typing.TypeVar(extension)] if extension else FlyteFile


def fixed_path_of(output_type: typing.Any) -> tuple[typing.Any, PathConfig | None]:
    """An output type without its PathConfig (given as the type, or in `Annotated[…, PathConfig(…)]`), and it."""
    if isinstance(output_type, PathConfig):
        return output_type.output_type(), output_type
    if typing.get_origin(output_type) is typing.Annotated:
        inner, *marks = typing.get_args(output_type)
        found = next((mark for mark in marks if isinstance(mark, PathConfig)), None)
        if found is not None:
            rest = [mark for mark in marks if mark is not found]
            return (typing.Annotated[(inner, *rest)] if rest else inner), found
    return output_type, None


def check_fixed_path(output: str, wanted: PathConfig, taken: list[PurePosixPath]) -> str | None:
    """Why `wanted` cannot be where the script writes output `output` (None when it can): it must lie in a folder
    each task has its own of, outside what is bound there read-only or shared (`taken`: snapshots, volumes)."""
    path = PurePosixPath(wanted.path)
    if not path.is_absolute() or ".." in path.parts or wanted.path.startswith("//"):
        return f"output {output!r} at {wanted.path}: a fixed output path must be absolute, without '..'"
    if not any(path.is_relative_to(root) and path != PurePosixPath(root) for root in SANDBOX_ROOTS):
        return f"output {output!r} at {wanted.path}: a fixed output path must lie under /workflow, /mnt or /domino"
    for folder in (INPUTS, OUTPUTS, CODE, EDV, *taken):
        if path.is_relative_to(folder) or folder.is_relative_to(path):
            return (
                f"output {output!r} at {wanted.path}: a fixed output path cannot lie in {folder} "
                "(the task's inputs, outputs, code, dataset snapshots, external volumes and other fixed outputs "
                "are taken there)"
            )
    return None
