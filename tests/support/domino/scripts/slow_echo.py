"""Side by side: meets its sibling, then checks it sees only its own /workflow folder.

Tasks cannot share a folder of this machine (each writes only its own), so they meet over abstract unix sockets
(named after the `meeting` input): each listens on its own name, connects to its sibling's and accepts the
sibling's connection, so both have been running at the same moment."""

import hashlib
import os
import socket
import time
from pathlib import Path

mine = Path("/workflow/inputs/token").read_text()
meeting = hashlib.sha256(Path("/workflow/inputs/meeting").read_bytes()).hexdigest()[:16]
sibling = "right" if mine == "left" else "left"
listener = socket.socket(socket.AF_UNIX)
listener.bind(f"\0flowjobs-meet-{meeting}-{mine}")
listener.listen(1)
listener.settimeout(120)
deadline = time.monotonic() + 120
while True:
    try:
        socket.socket(socket.AF_UNIX).connect(f"\0flowjobs-meet-{meeting}-{sibling}")
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.05)
listener.accept()
assert sorted(os.listdir("/workflow/inputs")) == ["meeting", "token"], os.listdir("/workflow/inputs")
Path("/workflow/outputs/echoed").write_text(Path("/workflow/inputs/token").read_text())
