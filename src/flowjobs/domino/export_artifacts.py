"""The export task's script: copy artifact files into their datasets' folders (run_launch_export_artifacts_task).

Its inputs are the artifact files (`file_0`, `file_1`, …) and `plan`, a JSON list saying for each file its
dataset id, artifact and file name. A dataset's folder is <datasets_folder>/<dataset id>/ (config section `domino`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from flowjobs import contract
from flowjobs.domino.layout import load_project
from flowjobs.script import ScriptInputError, file_name, run_main


def export(inputs: Path, plan: list[dict], datasets_root: Path) -> list[Path]:
    """Copy each planned file into its dataset folder; a file name that would leave the folder is refused."""
    written = []
    for step in plan:
        source = inputs / contract.check_name(step["input"], "input")
        folder = datasets_root / file_name(step["dataset"], "plan")
        target = folder / file_name(step["file"], "plan")
        folder.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(source, partial)
        partial.replace(target)
        written.append(target)
        print(f"exported {step['artifact']}/{step['file']} to {target}")
    return written


def main() -> None:
    inputs = contract.inputs_dir()
    try:
        plan = json.loads((inputs / "plan").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ScriptInputError(f"input 'plan': {err}") from None
    export(inputs, plan, load_project().datasets_root)


if __name__ == "__main__":
    run_main(main)
