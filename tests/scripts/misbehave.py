"""A script that breaks the contract in the way its first argument names (for the job task's error tests)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

outputs = Path(os.environ.get("FLOWJOBS_OUTPUTS_DIR", "outputs"))
outputs.mkdir(parents=True, exist_ok=True)
mode = sys.argv[1]
if mode == "exit1":
    for line in range(60):
        print(f"diagnostic line {line}", file=sys.stderr)
    print("boom: the script failed on purpose", file=sys.stderr)
    sys.exit(1)
elif mode == "no_output":
    pass
elif mode == "abc_int":
    (outputs / "result").write_text("abc")
elif mode == "two_candidates":
    (outputs / "result.csv").write_text("a\n")
    (outputs / "result.txt").write_text("b\n")
elif mode == "huge_scalar":
    (outputs / "result").write_text("1" * 2000)
elif mode == "link_outside":
    (outputs / "result").symlink_to("/etc/hostname")
elif mode == "sleep":
    time.sleep(float(sys.argv[2]))
    (outputs / "result").write_text("1")
elif mode == "sleep_fail":
    time.sleep(float(sys.argv[2]))
    print("failed after sleeping", file=sys.stderr)
    sys.exit(1)
elif mode == "fail_until":
    # fails until the attempt number reaches argv[2]
    if int(os.environ["FLOWJOBS_ATTEMPT"]) < int(sys.argv[2]):
        print(f"attempt {os.environ['FLOWJOBS_ATTEMPT']} fails", file=sys.stderr)
        sys.exit(3)
    (outputs / "result").write_text(os.environ["FLOWJOBS_ATTEMPT"])
elif mode == "env":
    (outputs / "result").write_text(os.environ.get(sys.argv[2], ""))
elif mode == "write_too_big":
    import resource

    from flowjobs.script import handle_outputs, run_main

    big = Path("big.bin")
    big.write_bytes(b"x" * 100_000)
    resource.setrlimit(resource.RLIMIT_FSIZE, (10_000, 10_000))
    run_main(lambda: handle_outputs({"result": big}))
elif mode == "refuse":
    from flowjobs.script import ScriptInputError, run_main

    def refuse() -> None:
        raise ScriptInputError(f"input 'value' is not usable (attempt {os.environ['FLOWJOBS_ATTEMPT']})")

    run_main(refuse)
else:
    raise SystemExit(f"unknown mode {mode}")
