"""The flowjobs toolkit (docs/architecture.md). Modules that moved keep their old import paths (helpers/moved.py)."""

from helpers import moved

moved.install()
