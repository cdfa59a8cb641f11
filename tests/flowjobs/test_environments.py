"""Task environments: a named environment puts a task in its image; unknown names list the defined ones."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import pytest
from flytekit import workflow
from flytekit.configuration import Image, ImageConfig, SerializationSettings
from flytekit.tools.translator import get_serializable

from flowjobs.environments import EnvironmentConfigError, image_for
from flowjobs.jobs import JobDefinitionError, Output, run_job_task

COMMAND = "python tests/scripts/misbehave.py fail_until 1"


@workflow
def in_gpu_environment() -> int:
    return run_job_task("in_gpu_env", COMMAND, "GPU", output_specs=[Output("result", int)], environment_name="gpu")


def serialized_image(entity) -> str:
    settings = SerializationSettings(
        image_config=ImageConfig(
            default_image=Image(name="default", fqn="registry.example.com/flowjobs", tag="1"),
            images=[Image(name="gpu", fqn="registry.example.com/flowjobs-gpu", tag="2")],
        )
    )
    in_gpu_environment.compile()
    task = in_gpu_environment.nodes[0].flyte_entity
    return get_serializable(OrderedDict(), settings, task).template.container.image


def test_a_named_environment_selects_its_image_at_serialization() -> None:
    assert serialized_image(in_gpu_environment) == "registry.example.com/flowjobs-gpu:2"


def test_no_environment_means_the_default_image() -> None:
    assert image_for(None) is None
    assert image_for("default") == "{{.image.default.fqn}}:{{.image.default.version}}"


def test_an_unknown_environment_fails_when_the_flow_is_defined() -> None:
    @workflow
    def flow() -> None:
        run_job_task("bad_env", COMMAND, "Small", environment_name="cuda-13")

    with pytest.raises(JobDefinitionError, match=r"unknown environment 'cuda-13'; environments: default, gpu"):
        flow.compile()


def test_an_invalid_environments_file_names_file_and_key(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "envs.yaml"
    path.write_text("environments:\n  empty: ''\n")
    monkeypatch.setenv("FLOWJOBS_ENVIRONMENTS", str(path))
    with pytest.raises(
        EnvironmentConfigError, match=rf"environments file {path}: environments: .*'empty' has no image"
    ):
        image_for("empty")
