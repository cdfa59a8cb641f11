"""Starts a child that would sleep for minutes, its marker (an input) in its command line, and waits for it."""

import subprocess
import sys
from pathlib import Path

marker = Path("/workflow/inputs/marker").read_text()
subprocess.run([sys.executable, "-c", "import time, sys; time.sleep(600)", marker], check=True)
