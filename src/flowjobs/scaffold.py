"""`flowjobs init DIR --template NAME`: a new project that works at once, made from a template.

A template is a folder of files plus a `template.toml` (its description, and `from_project`: files of the flowjobs
repository's own project it takes at the same paths, so the project and its templates never drift apart). An
installed toolkit carries each template whole (the wheel's build merges those files in: setup.py); a checkout of
the repository reads `templates/` and the project's files in place. `{{project_name}}` in a text file becomes
the new project's name.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from flowjobs.errors import ConfigError

PACKAGED = Path(__file__).resolve().parent / "templates"  # in an installed toolkit
CHECKOUT = Path(__file__).resolve().parents[2]  # src/flowjobs -> the repository, in a checkout
MANIFEST = "template.toml"
PLACEHOLDER = "{{project_name}}"
TEXT_SUFFIXES = {".md", ".toml", ".yaml", ".yml", ".py", ".txt", ".cfg", ""}
SKIPPED = {"__pycache__", ".pytest_cache", ".flowjobs", "outputs", "mlruns"}
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


class ScaffoldError(ConfigError):
    """A template that does not exist, or a folder a project cannot be made in; names the template or folder."""


@dataclass(frozen=True)
class Template:
    name: str
    folder: Path
    description: str
    from_project: tuple[str, ...]  # patterns of the repository's project files (empty once merged into a wheel)
    repository: Path  # where those files are read from

    def files(self) -> dict[str, Path]:
        """Each file of the new project (its path in the project -> where it is read from)."""
        found = {
            path.relative_to(self.folder).as_posix(): path
            for path in sorted(self.folder.rglob("*"))
            if path.is_file() and path.name != MANIFEST and not SKIPPED & set(path.relative_to(self.folder).parts)
        }
        for pattern in self.from_project:
            matched = [path for path in sorted(self.repository.glob(pattern)) if path.is_file()]
            if not matched:
                raise ScaffoldError(f"template {self.name!r}: {pattern!r} matches no file of {self.repository}")
            for path in matched:
                if not SKIPPED & set(path.relative_to(self.repository).parts):
                    found.setdefault(path.relative_to(self.repository).as_posix(), path)
        return found


def templates(folder: Path | None = None, repository: Path = CHECKOUT) -> dict[str, Template]:
    """The templates in `folder` (default: the installed toolkit's, else the checkout's `templates/`)."""
    folder = folder or (PACKAGED if PACKAGED.is_dir() else CHECKOUT / "templates")
    found = {}
    for manifest in sorted(folder.glob(f"*/{MANIFEST}")):
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        name = manifest.parent.name
        found[name] = Template(
            name, manifest.parent, data.get("description", ""), tuple(data.get("from_project", ())), repository
        )
    return found


def make(target: Path, template_name: str = "minimal", name: str | None = None) -> list[Path]:
    """Write the template into `target` (absent or empty); returns the files written."""
    known = templates()
    if template_name not in known:
        raise ScaffoldError(f"unknown template {template_name!r}; templates: {', '.join(known) or 'none'}")
    target = Path(target).resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"folder {target} is not empty; give a new folder or an empty one")
    name = name or target.name
    if not NAME.match(name):
        raise ScaffoldError(f"project name {name!r}: use letters, digits, '-', '_' or '.', starting with a letter")
    written = []
    for relative, source in known[template_name].files().items():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix in TEXT_SUFFIXES:
            text = source.read_text(encoding="utf-8")
            destination.write_text(text.replace(PLACEHOLDER, name), encoding="utf-8")
            shutil.copymode(source, destination)
        else:
            shutil.copy2(source, destination)
        written.append(destination)
    return written


def merge_into(build_folder: Path, repository: Path) -> None:
    """For the wheel's build (setup.py): each template whole under `build_folder`, its `from_project` files copied
    in and its manifest without them."""
    for template in templates(repository / "templates", repository).values():
        destination = build_folder / template.name
        if destination.exists():
            shutil.rmtree(destination)
        for relative, source in template.files().items():
            (destination / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / relative)
        (destination / MANIFEST).write_text(f"description = {json.dumps(template.description)}\n", encoding="utf-8")
