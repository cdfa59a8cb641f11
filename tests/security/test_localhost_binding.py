"""MLflow's servers listen on 127.0.0.1 unless told otherwise, and everything the project starts or documents says
127.0.0.1, except the shared server of docs/deployment.md, which sits behind authentication.

A server's listening sockets are read from /proc/net/tcp and tcp6 through the socket inodes its processes hold,
so a second port a worker opens on 0.0.0.0 would be caught as well as the main one. `mlflow ui` is MLflow's alias
of `mlflow server` (the same click command), so starting the one proves the other.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest

from tests.support.multitrain import group_members
from tests.support.project import PROJECT_ROOT, tool
from tests.support.servers import free_port, running

LISTEN = "0A"
SHARED_SERVER_SECTION = "## 5. A shared MLflow tracking server"
HOST_FLAG = re.compile(r"""(?:--host|(?<![\w-])-h)(?:=|["']?\s*,\s*["']|\s+)["']?([^\s"',)\]`]+)""")
DOCUMENTED = ["README.md", "Makefile", "Dockerfile", "docs/**/*.md"]
CODE = ["helpers/**/*.py", "tasks/**/*.py", "flows/**/*.py", "benchmarks/**/*.py", "tests/**/*.py", "fuzz/**/*.py"]


def _address(hex_address: str) -> str:
    """/proc/net/tcp{,6} hold addresses as 32-bit words in host (little-endian) order."""
    words = [bytes.fromhex(hex_address[i : i + 8])[::-1] for i in range(0, len(hex_address), 8)]
    return socket.inet_ntop(socket.AF_INET if len(words) == 1 else socket.AF_INET6, b"".join(words))


def listening(pgid: int) -> set[tuple[str, int]]:
    """(address, port) of every listening TCP socket the processes of the group hold."""
    inodes = set()
    for pid in group_members(pgid):
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port = fields[1].split(":")
            if fields[3] == LISTEN and fields[9] in inodes:
                found.add((_address(address), int(port, 16)))
    return found


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny scikit-learn model saved as an MLflow model, to serve."""
    import mlflow.sklearn
    from sklearn.linear_model import LogisticRegression

    path = tmp_path_factory.mktemp("model") / "model"
    mlflow.sklearn.save_model(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), path, pip_requirements=["scikit-learn"])
    return path


SERVERS = {
    "mlflow ui": (["ui", "--backend-store-uri", "sqlite:///mlflow.db", "--workers", "1"], "/health"),
    "flowjobs ui": (["flowjobs", "ui", "--backend-store-uri", "sqlite:///mlflow.db"], "/health"),
    "mlflow models serve": (["models", "serve", "--env-manager", "local", "-m", "{model}"], "/ping"),
}


def test_mlflow_ui_is_mlflow_server() -> None:
    import click
    from mlflow.cli import cli

    context = click.Context(cli)
    assert cli.get_command(context, "ui") is cli.get_command(context, "server")


@pytest.mark.slow
@pytest.mark.parametrize("command", SERVERS)
def test_mlflow_servers_started_without_a_host_listen_on_127_0_0_1_only(
    command: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    args, health = SERVERS[command]
    if "{model}" in args:
        args = [arg.format(model=request.getfixturevalue("model")) for arg in args]
    port = free_port()
    argv = [tool(args[0]), *args[1:]] if args[0] == "flowjobs" else [tool("mlflow"), *args]
    argv += ["--port", str(port)]
    with running(argv, port, tmp_path / "server.log", health=health, cwd=tmp_path) as server:
        sockets = listening(server.process.pid)
    assert ("127.0.0.1", port) in sockets
    assert {address for address, _ in sockets} == {"127.0.0.1"}, sockets


def host_flags(path: Path) -> list[tuple[int, str, bool]]:
    """(line, host, inside the shared-server section) of every host given to a server in a file."""
    text = path.read_text(encoding="utf-8")
    start = text.find(SHARED_SERVER_SECTION)
    end = text.find("\n## ", start + 1) if start >= 0 else -1
    shared = range(start, end if end >= 0 else len(text)) if start >= 0 else range(0)
    return [
        (text.count("\n", 0, found.start()) + 1, found[1], found.start() in shared)
        for found in HOST_FLAG.finditer(text)
    ]


def test_every_host_the_project_starts_or_documents_is_127_0_0_1_but_the_shared_server() -> None:
    files = sorted({path for pattern in DOCUMENTED + CODE for path in PROJECT_ROOT.glob(pattern) if path.is_file()})
    given = {(path.relative_to(PROJECT_ROOT), *flag) for path in files for flag in host_flags(path)}
    assert any(host == "127.0.0.1" for *_, host, _ in given), "the scan finds the hosts the project gives"
    wrong = {
        (str(path), line, host)
        for path, line, host, shared in given
        if host != "127.0.0.1" and not (shared and str(path) == "docs/deployment.md" and host == "0.0.0.0")
    }
    assert not wrong
