"""The bad-input table covers every flag of every task script and every input of every flow, and only those.

The scripts' flags are read from their argparse parsers (each script's `build_parser()`; the four branch scripts
share `tasks/training.build_parser(ALGORITHM)`), so a flag added without cases fails here; so does a flow input.
"""

from __future__ import annotations

import importlib
import typing
from pathlib import Path

import pytest

from tasks import training
from tests.badinput.cases import CASES, GOOD, WORKFLOW_INPUTS
from tests.badinput.forked import TASKS
from tests.support import figures

MINIMUM_CASES = 350
NUMBER_KINDS = {"wrong type", "empty", "negative", "huge"}
CSV_KINDS = {"missing file", "empty", "non-UTF-8", "0 rows", "1 row", "1 GB", "missing Id", "missing column", "NaN"}
CSV_KINDS |= {"duplicate Id"}
NOT_CSV = {"--output-dir", "--results", "--iris"}  # a folder to write, JSON files, a folder of partitions


def scripts() -> dict[str, typing.Any]:
    """Every task script (a module with a main() that `run_main` runs) and its parser."""
    found = {}
    for path in sorted(TASKS.glob("*.py")):
        if "run_main(main)" not in path.read_text():
            continue
        module = importlib.import_module(f"tasks.{path.stem}")
        found[path.stem] = (
            module.build_parser() if hasattr(module, "build_parser") else training.build_parser(module.ALGORITHM, "")
        )
    return found


PARSERS = scripts()


def flags(script: str) -> dict[str, typing.Any]:
    return {action.option_strings[-1]: action for action in PARSERS[script]._actions if action.dest != "help"}


def kinds(script: str, flag: str) -> set[str]:
    return {case.kind for case in CASES if (case.script, case.flag) == (script, flag)}


@pytest.mark.parametrize("script", sorted(PARSERS))
def test_every_flag_of_every_script_has_its_cases(script: str) -> None:
    for flag, action in flags(script).items():
        assert kinds(script, flag), f"{script} {flag}: no bad-input case"
        reads_csv = action.type is Path and flag not in NOT_CSV
        needed = NUMBER_KINDS if action.type is int else CSV_KINDS if reads_csv else set()
        assert not needed - kinds(script, flag), f"{script} {flag}: no case for {needed - kinds(script, flag)}"


def test_the_table_names_only_scripts_and_flags_that_exist() -> None:
    assert set(GOOD) == set(PARSERS)
    stale = [case.id for case in CASES if case.flag not in flags(case.script)]
    assert stale == []
    assert all(set(good) <= set(flags(script)) for script, good in GOOD.items())


def test_every_workflow_input_reaches_a_flag_with_cases() -> None:
    from flowjobs.runner.workflow_inputs import load_workflow

    for (file, name), inputs in WORKFLOW_INPUTS.items():
        workflow = load_workflow(file, name).workflow
        assert set(workflow.python_interface.inputs) == set(inputs), f"{file} {name}"
        for script, flag in inputs.values():
            assert kinds(script, flag), f"{file} {name}: {script} {flag} has no case"


def test_the_table_holds_every_case() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), "two cases with one id"
    refused = sum(case.expected is not None for case in CASES)
    figures.record("bad input", f"{len(CASES)} script cases ({refused} refused, {len(CASES) - refused} accepted)")
    assert len(CASES) >= MINIMUM_CASES
