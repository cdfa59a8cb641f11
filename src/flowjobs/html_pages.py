"""The HTML pages the project writes (the DAG page, the comparison report): Jinja templates kept beside their
module, sharing one house style (page_style.css, put inline with `{% include "flowjobs/page_style.css" %}`), so
each page stays one self-contained file that works offline.
"""

from __future__ import annotations

from importlib.resources import files

from jinja2 import Environment, FunctionLoader, Template


def _load(name: str) -> str:
    """A template named `<package>/<file>`, e.g. `flowjobs.graph/page.html`, read from the installed package."""
    package, _, file = name.rpartition("/")
    return files(package).joinpath(file).read_text(encoding="utf-8")


_ENVIRONMENT = Environment(loader=FunctionLoader(_load), autoescape=True, keep_trailing_newline=True)
_ENVIRONMENT.policies["json.dumps_kwargs"] = {"sort_keys": False}  # JSON keeps the order it was given in


def template(package: str, file: str) -> Template:
    return _ENVIRONMENT.get_template(f"{package}/{file}")
