"""A pod in a container: Flyte's placeholders filled in, the engine's timestamps read, the build's base found."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowjobs.container.build import base_of
from flowjobs.container.pod import _timestamp, container_args


def test_placeholders_become_paths_under_the_pods_folder() -> None:
    args = ["--inputs", "{{.input}}", "--output-prefix", "{{.outputPrefix}}", "--raw-output-data-prefix",
            "{{.rawOutputDataPrefix}}", "--prev-checkpoint", "{{.prevCheckpointPrefix}}"]  # fmt: skip
    filled = container_args(args, Path("/w/pod"))
    assert filled == ["--inputs", "/w/pod/inputs.pb", "--output-prefix", "/w/pod/out", "--raw-output-data-prefix",
                      "/w/pod/raw", "--prev-checkpoint", ""]  # fmt: skip


def test_engine_timestamps_with_nanoseconds_and_zone_names() -> None:
    podman = _timestamp("2026-12-02 05:40:01.123456789 +0000 UTC")
    docker = _timestamp("2026-12-02T05:40:01.123456789Z")
    assert podman == pytest.approx(docker) and podman == pytest.approx(1796190001.123457)
    assert _timestamp("2026-12-02 06:40:01.5 +0100 CET") == pytest.approx(podman + 0.376543, abs=1e-5)


def test_the_base_image_is_the_first_from_line(tmp_path) -> None:
    (tmp_path / "Dockerfile").write_text("# comment\nfrom --platform=linux/amd64 python:3.11-slim AS base\nFROM x\n")
    assert base_of(tmp_path / "Dockerfile") == "python:3.11-slim"
    (tmp_path / "Dockerfile").write_text("RUN true\n")
    with pytest.raises(ValueError, match="no FROM line"):
        base_of(tmp_path / "Dockerfile")
