"""The container engine: chosen from PATH (or FLOWJOBS_CONTAINER_ENGINE), and podman's drop-in written once."""

from __future__ import annotations

import tomllib

import pytest

from flowjobs.container import engine


def test_the_engine_named_in_the_environment_is_used(tmp_path, monkeypatch) -> None:
    fake = tmp_path / "docker"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert engine.find() == str(fake), "docker when there is no podman"
    monkeypatch.setenv(engine.ENV_ENGINE, "podman")
    with pytest.raises(engine.NoEngineError, match=r"^no container engine: install podman \(Debian"):
        engine.find()


def test_the_drop_in_is_written_once_and_a_users_file_is_kept(tmp_path) -> None:
    drop_in = tmp_path / "containers.conf.d" / "flowjobs.conf"
    assert engine.write_settings(drop_in)
    settings = tomllib.loads(drop_in.read_text())
    assert settings["engine"] == {"runtime": "runc", "cgroup_manager": "cgroupfs"}
    assert settings["containers"]["default_ulimits"] == ["nofile=20000:20000", "nproc=32768:32768"]
    drop_in.write_text("# the user's own\n")
    assert not engine.write_settings(drop_in)
    assert drop_in.read_text() == "# the user's own\n"
