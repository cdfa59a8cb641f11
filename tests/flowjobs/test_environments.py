"""Task environments: a named environment puts a task in its image; unknown names list the defined ones."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import pytest
from flytekit import workflow
from flytekit.configuration import Image, ImageConfig, SerializationSettings
from flytekit.tools.translator import get_serializable

from flowjobs import local_environments
from flowjobs.environments import EnvironmentConfigError, fingerprint, image_for, named, python_for
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


def environments_file(tmp_path: Path, monkeypatch, text: str) -> Path:
    path = tmp_path / "environments.yaml"
    path.write_text(text)
    monkeypatch.setenv("FLOWJOBS_ENVIRONMENTS", str(path))
    return path


def test_an_environment_is_an_image_a_requirements_list_or_both_and_goes_by_its_ids(tmp_path, monkeypatch) -> None:
    environments_file(
        tmp_path,
        monkeypatch,
        "environments:\n  plain: registry.example.com/plain:1\n"
        "  Study:\n    ids: [664f0c1e]\n    requirements: [inflection==0.5.1]\n"
        "    image: registry.example.com/study:2\n",
    )
    assert image_for("plain") == "registry.example.com/plain:1" and python_for("plain") is None
    assert named("664f0c1e") == "Study" and image_for("664f0c1e") == "registry.example.com/study:2"
    assert fingerprint("Study") != fingerprint("plain")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("environments:\n  nothing: {ids: [a]}\n", "environments.nothing: needs an image, requirements or a"),
        ("environments:\n  a: {image: x, ids: [b]}\n  b: {image: y}\n", "id 'b' of environment 'a' names another"),
    ],
)
def test_an_environment_that_cannot_run_anywhere_or_an_id_naming_two_is_refused(tmp_path, monkeypatch, text, why):
    path = environments_file(tmp_path, monkeypatch, text)
    with pytest.raises(EnvironmentConfigError, match=rf"environments file {path}: {why}"):
        image_for("a")


STUDY = "environments:\n  Study:\n    requirements: [inflection==0.5.1]\n"
SEEN = """import os, pathlib, sys; import inflection
pathlib.Path(os.environ['FLOWJOBS_OUTPUTS_DIR'], 'seen').write_text(sys.executable + ' ' + inflection.__file__)"""


@workflow
def in_study_environment() -> str:
    return run_job_task(
        "in_study_env",
        f'python -c "{SEEN}"',
        "Small",
        output_specs=[Output("seen", str)],
        environment_name="Study",
    )


def test_a_job_task_runs_with_its_environment_s_own_python_built_once(tmp_path, monkeypatch) -> None:
    environments_file(tmp_path, monkeypatch, STUDY)
    python = python_for("Study")
    ready = python.parent.parent / local_environments.READY
    assert python.is_relative_to(local_environments.cache_root()) and ready.is_file()
    built = ready.stat().st_mtime_ns
    assert python_for("Study") == python and ready.stat().st_mtime_ns == built, "built once, then reused"
    executable, module = in_study_environment().split()
    assert executable == str(python) and Path(module).is_relative_to(python.parent.parent)


def test_requirements_that_do_not_install_are_one_line_naming_the_environment(tmp_path, monkeypatch) -> None:
    environments_file(
        tmp_path, monkeypatch, "environments:\n  Broken:\n    requirements: [flowjobs-no-such-pkg==0.0.1]\n"
    )
    with pytest.raises(local_environments.EnvironmentBuildError) as raised:
        python_for("Broken")
    message = str(raised.value)
    assert (
        message.startswith("environment 'Broken': uv could not build it from its requirements: ")
        and "\n" not in message
    )
    assert "flowjobs-no-such-pkg" in message
