"""Old import paths of moved modules keep working, as the very module at its new place (helpers/moved.py)."""

import importlib
import subprocess
import sys

import pytest

from helpers.moved import MOVED
from helpers.value_types import from_token, to_token
from tests.support.project import PROJECT_ROOT


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_an_old_name_is_the_module_at_its_new_place(old: str, new: str) -> None:
    moved = importlib.import_module(old)
    assert moved is importlib.import_module(new)
    assert moved.__spec__.name == new, "its own spec, so importlib.resources and reloading still find it"


def test_what_the_readme_imports_from_old_paths_still_imports_in_a_fresh_interpreter() -> None:
    code = (
        "from helpers.registry import champion_at\n"
        "from helpers.model_specs import DEFAULTS, BranchResult\n"
        "from helpers.compare.runs import collect\n"
        "from helpers.runner import records\n"
        "import helpers.records\n"
        "assert records is helpers.records and BranchResult.__module__ == 'multitrain.model_specs'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_a_type_token_written_with_an_old_module_path_still_resolves() -> None:
    from multitrain.model_specs import BranchResult

    assert from_token("dataclass:helpers.model_specs:BranchResult") is BranchResult
    assert to_token(BranchResult) == "dataclass:multitrain.model_specs:BranchResult"


def test_a_name_that_never_existed_is_still_an_import_error() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("helpers.runner.nothing_here")
