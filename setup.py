"""The wheel's build: the toolkit (src/flowjobs) and, as its package data, the project templates of `flowjobs init`,
each made whole here from `templates/` and the files of this repository's own project it names (its
template.toml's `from_project`), so the templates an installed toolkit carries are this project's files as they
are. Everything else is in pyproject.toml."""

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

REPOSITORY = Path(__file__).resolve().parent


class BuildWithTemplates(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads templates/ and the project in place (flowjobs/scaffold.py)
        sys.path.insert(0, str(REPOSITORY / "src"))
        from flowjobs.scaffold import merge_into

        merge_into(Path(self.build_lib) / "flowjobs" / "templates", REPOSITORY)


setup(cmdclass={"build_py": BuildWithTemplates})
