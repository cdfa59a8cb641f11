"""Echo every typed input back as an output named <input>_out: the I/O contract's round trip through a task."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from flowjobs.contract import inputs_dir
from helpers.flows import boolean, get_param_from_args, handle_outputs, rfc3339, run_main

FLAGS = {
    "text": {"type": str},
    "count": {"type": int},
    "ratio": {"type": float},
    "flag": {"type": boolean},
    "when": {"type": rfc3339},
    "table": {"type": Path},
    "folder": {"type": Path},
    "numbers": {"type": int, "nargs": "+"},
    "weights": {"type": json.loads},
    "point": {"type": json.loads},
    "files": {"type": Path, "nargs": "+"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    for name, options in FLAGS.items():
        parser.add_argument(f"--{name}", **options)
    present = [name for name in FLAGS if (inputs_dir() / name).exists()]
    handle_outputs({f"{name}_out": get_param_from_args(parser, name) for name in present})


if __name__ == "__main__":
    run_main(main)
