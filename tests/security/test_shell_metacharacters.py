"""Inputs carrying shell syntax reach the script as plain text through a real job task, and nothing runs them.

Values travel as files in the inputs folder and the command is split without a shell (helpers/commands.py), so a
payload that would create or delete a file under a shell leaves both files as they were.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flytekit import workflow

from flowjobs.jobs import Input, Output, run_job_task

PAYLOADS = [
    "; touch {pwned}",
    "$(touch {pwned})",
    "`touch {pwned}`",
    "&& touch {pwned}",
    "|| touch {pwned}",
    "| tee {pwned}",
    "> {pwned}",
    "\ntouch {pwned}\n",
    "'; touch {pwned}; echo '",
    '"; touch {pwned}; echo "',
    "; rm -rf {canary}",
]


@workflow
def echo_text(text: str) -> str:
    return run_job_task(
        "echo_text_verbatim",
        "python tests/scripts/echo_values.py",
        "Small",
        inputs=[Input("text", str, text)],
        output_specs=[Output("text_out", str)],
    )


@pytest.mark.parametrize("template", PAYLOADS)
def test_shell_syntax_in_an_input_reaches_the_script_verbatim_and_runs_nothing(template: str, tmp_path: Path) -> None:
    pwned, canary = tmp_path / "pwned", tmp_path / "canary"
    canary.write_text("still here")
    text = template.format(pwned=pwned, canary=canary)
    assert echo_text(text=text) == text
    assert not pwned.exists() and canary.read_text() == "still here"
