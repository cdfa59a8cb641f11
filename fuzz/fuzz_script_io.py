"""Coverage-guided fuzzing of the script-side I/O helpers (flowjobs/script.py over flowjobs/contract.py).

Whatever bytes land in a script's inputs folder, and whatever name and value a script hands to
handle_outputs, the helpers may only answer with the contract's own clear errors (ScriptInputError,
ContractError, or TypeError for an output value of an unknown kind) — never a crash of another kind — and
every output they accept must read back as written.

    .venv/bin/python fuzz/fuzz_script_io.py -max_total_time=60      # the 60 s run (libFuzzer flags), `make fuzz`
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import typing
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from flowjobs import contract, script
    from flowjobs.value_types import Kind, ValueType

SCRATCH = Path(tempfile.mkdtemp(prefix="flowjobs-fuzz-"))
FLAGS: dict[str, dict[str, typing.Any]] = {
    "text": {}, "count": {"type": int}, "ratio": {"type": float}, "flag": {"type": script.boolean},
    "switch": {"action": "store_true"}, "when": {"type": script.rfc3339}, "data": {"type": Path},
    "numbers": {"type": int, "nargs": "+"}, "mapping": {"type": json.loads},
}  # fmt: skip
OUTPUT_KINDS = ["int", "float", "str", "bool", "list", "dict", "file"]


def parser() -> argparse.ArgumentParser:
    built = argparse.ArgumentParser()
    for name, options in FLAGS.items():
        built.add_argument(f"--{name}", **options)
    return built


def fuzz_input(data: atheris.FuzzedDataProvider, folder: Path) -> None:
    name = data.PickValueInList(sorted(FLAGS))
    path = folder / name
    if FLAGS[name].get("nargs") and data.ConsumeBool():
        path.mkdir()
        for index in range(data.ConsumeIntInRange(0, 4)):
            (path / (str(index) if data.ConsumeProbability() < 0.9 else "x")).write_bytes(data.ConsumeBytes(16))
    else:
        path.write_bytes(data.ConsumeBytes(data.ConsumeIntInRange(0, 256)))
    with contextlib.suppress(script.ScriptInputError):
        script.get_param_from_args(parser(), name)


def fuzz_output(data: atheris.FuzzedDataProvider, folder: Path) -> None:
    name = data.ConsumeUnicodeNoSurrogates(8) if data.ConsumeBool() else "result"
    kind = data.PickValueInList(OUTPUT_KINDS)
    value: typing.Any = {
        "int": lambda: data.ConsumeInt(16),
        "float": lambda: data.ConsumeRegularFloat(),
        "str": lambda: data.ConsumeUnicodeNoSurrogates(64),
        "bool": lambda: data.ConsumeBool(),
        "list": lambda: [data.ConsumeInt(4) for _ in range(data.ConsumeIntInRange(0, 5))],
        "dict": lambda: {data.ConsumeUnicodeNoSurrogates(6): data.ConsumeFloat() for _ in range(2)},
        "file": lambda: SCRATCH / "source.bin",
    }[kind]()
    if kind == "file":
        value.write_bytes(data.ConsumeBytes(64))
    try:
        written = script.handle_outputs({name: value}, workflow_output_dir=folder)
    except (contract.ContractError, TypeError):
        return
    vtype = {
        "int": ValueType(Kind.INT, int), "float": ValueType(Kind.FLOAT, float), "str": ValueType(Kind.STR, str),
        "bool": ValueType(Kind.BOOL, bool), "list": ValueType(Kind.LIST, list[int], item=ValueType(Kind.INT, int)),
        "dict": ValueType(Kind.JSON, dict[str, float]), "file": ValueType(Kind.FILE, Path),
    }[kind]  # fmt: skip
    read = contract.read_value(written[name], vtype)
    if kind == "file":
        assert read.read_bytes() == value.read_bytes()
    elif kind == "float" and value != value:
        assert read != read
    else:
        assert read == value, (kind, value, read)


def one_input(raw: bytes) -> None:
    data = atheris.FuzzedDataProvider(raw)
    folder = Path(tempfile.mkdtemp(dir=SCRATCH))
    os.environ[contract.ENV_INPUTS_DIR] = str(folder)
    try:
        (fuzz_input if data.ConsumeBool() else fuzz_output)(data, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    os.environ[contract.ENV_IS_WORKFLOW_JOB] = "true"
    os.environ[contract.ENV_TASK_NAME] = "fuzz"
    atheris.Setup(sys.argv, one_input)
    try:
        atheris.Fuzz()
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main()
