"""Servers the tests start (MLflow tracking, model serving): on 127.0.0.1, a free port, always stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.project import BIN


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # it answers, if only to say no
    except OSError:
        return False


@contextlib.contextmanager
def running(
    argv: list[str],
    port: int,
    log: Path,
    health: str = "/health",
    env: dict | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> Iterator[Server]:
    """Start a server in its own process group, wait until it answers, and stop the whole group afterwards."""
    url = f"http://127.0.0.1:{port}"
    merged = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **(env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env=merged, cwd=cwd, start_new_session=True
        )
    try:
        deadline = time.monotonic() + timeout
        while not _answers(url + health):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{argv[0]} did not start on {url}:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield Server(url, process, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
