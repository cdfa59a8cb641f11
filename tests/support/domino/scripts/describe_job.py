"""Reports what a Domino job sees: its working folder, its inputs folder, its variables and the project."""

import json
import os
from pathlib import Path

seen = {
    "cwd": os.getcwd(),
    "inputs": sorted(os.listdir("/workflow/inputs")),
    "label": Path("/workflow/inputs/label").read_text(),
    "code_has_readme": Path("/mnt/code/README.md").is_file(),
    "env": {key: value for key, value in os.environ.items() if key.startswith("DOMINO_")},
}
Path("/workflow/outputs/report").write_text(json.dumps(seen, sort_keys=True))
