"""Every flow in flows/ packages for a cluster, and every job task's spec carries what its definition says.

`pyflyte --pkgs flows package` serializes all flows; each job task's protobuf is then checked against the
spec in its own loader args: image, pyflyte-execute args with our resolver, the tier's requests and limits
(and accelerator), retries, timeout, cache settings and the interface types. The shipped flows' tiers, retries
and timeouts are also pinned to what their files say (SHIPPED), and a cached, retried GPU task
(tests/support/packaged/) shows the settings no shipped flow uses.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flytekit.core.type_engine import TypeEngine
from flytekit.models.interface import Variable

from flowjobs import tiers
from flowjobs.jobs import JobSpec
from flowjobs.value_types import from_token
from tests.support.pod import package

IMAGE = "registry.example.com/flowjobs:packaging"
# What the flow files ask for, task by task: (tier, retries, timeout in seconds or None). Written out here, not read
# from the package, so a changed flow file fails this test until the change is meant.
SHIPPED = {
    "flows.sample_flow.load_data_a": ("Small", 0, None),
    "flows.sample_flow.load_data_b": ("Small", 0, None),
    "flows.sample_flow.merge_data": ("Medium", 0, None),
    "flows.sample_flow.process_data": ("Medium", 0, None),
    "flows.sample_flow.train_model": ("Large", 1, 1800),
    "flows.multitrain_flow.prepare_data": ("Small", 0, None),
    "flows.multitrain_flow.train_logreg": ("Small", 1, 3600),
    "flows.multitrain_flow.train_h2o_automl": ("Medium", 1, 3600),
    "flows.multitrain_flow.train_random_forest": ("Small", 1, 3600),
    "flows.multitrain_flow.train_xgboost": ("Small", 1, 3600),
    "flows.multitrain_flow.compare_models": ("Small", 0, None),
    "flows.multitrain_flow.promote_champion": ("Small", 0, None),
    "flows.batch_predict_flow.predict": ("Small", 0, None),
}
RESOURCE_NAMES = {0: "UNKNOWN", 1: "CPU", 2: "GPU", 3: "MEMORY"}
NAMED_IMAGES = {"gpu": "registry.example.com/flowjobs-gpu:packaging"}


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory):
    return package(tmp_path_factory.mktemp("package"), IMAGE, NAMED_IMAGES)


def job_specs(packaged) -> dict[str, tuple[JobSpec, object]]:
    found = {}
    for name, spec in packaged.tasks.items():
        args = list(spec.template.container.args)
        if "flowjobs.jobs.job_task_resolver" in args:
            found[name] = (JobSpec.model_validate_json(args[args.index("job-spec") + 1]), spec.template)
    return found


def test_every_flow_module_packages_its_workflows(packaged) -> None:
    assert "flows.sample_flow.model_training" in packaged.workflows
    assert len(job_specs(packaged)) >= 5


def test_every_job_task_runs_pyflyte_execute_with_our_resolver_in_the_image(packaged) -> None:
    for name, (spec, template) in job_specs(packaged).items():
        args = list(template.container.args)
        assert args[:2] == ["pyflyte-execute", "--inputs"], name
        assert args[args.index("--resolver") + 1] == "flowjobs.jobs.job_task_resolver", name
        assert spec.name == name == template.id.name
        expected_image = NAMED_IMAGES.get(spec.environment_name or "default", IMAGE)
        assert template.container.image == expected_image, name
        assert template.type == "python-task"


def resources(template) -> tuple[dict[str, str], dict[str, str]]:
    requests = {RESOURCE_NAMES[r.name]: r.value for r in template.container.resources.requests}
    return requests, {RESOURCE_NAMES[r.name]: r.value for r in template.container.resources.limits}


def test_the_shipped_flows_ask_for_the_tiers_retries_and_timeouts_their_files_give(packaged) -> None:
    found = {}
    for name, (_, template) in job_specs(packaged).items():
        requests, limits = resources(template)
        timeout = template.metadata.timeout.ToTimedelta().total_seconds() or None
        found[name] = (requests["CPU"], limits["MEMORY"], template.metadata.retries.retries, timeout)
    tier_resources = {"Small": ("1", "2Gi"), "Medium": ("2", "4Gi"), "Large": ("4", "8Gi")}
    expected = {name: (*tier_resources[tier], retries, timeout) for name, (tier, retries, timeout) in SHIPPED.items()}
    assert found == expected


def test_a_cached_retried_gpu_task_carries_every_setting(tmp_path) -> None:
    packaged = package(tmp_path, IMAGE, packages="tests.support.packaged")
    template = packaged.tasks["tests.support.packaged.gpu_flow.gpu_echo"].template
    metadata = template.metadata
    assert metadata.retries.retries == 2 and metadata.timeout.ToTimedelta() == dt.timedelta(seconds=90)
    assert metadata.discoverable and re.fullmatch(r"3-[0-9a-f]{12}", metadata.discovery_version)
    requests, limits = resources(template)
    assert requests == limits == {"CPU": "4", "MEMORY": "16Gi", "GPU": "1"}
    assert template.extended_resources.gpu_accelerator.device == "nvidia-tesla-t4"


def test_every_job_task_carries_its_tier(packaged) -> None:
    for name, (spec, template) in job_specs(packaged).items():
        tier = tiers.get_tier(spec.tier)
        requests, limits = resources(template)
        assert requests["CPU"] == tier.cpu.request and limits["CPU"] == tier.cpu.limit, name
        assert requests["MEMORY"] == tier.memory.request and limits["MEMORY"] == tier.memory.limit, name
        if tier.gpu:
            assert limits["GPU"] == str(tier.gpu)
            assert template.extended_resources.gpu_accelerator.device == tier.accelerator
        assert template.metadata.pod_template_name == (tier.pod_template or "")


def test_every_job_task_carries_retries_timeout_and_cache(packaged) -> None:
    for name, (spec, template) in job_specs(packaged).items():
        metadata = template.metadata
        assert metadata.retries.retries == spec.retries, name
        timeout = metadata.timeout.ToTimedelta()
        assert timeout == (dt.timedelta(seconds=spec.timeout_seconds) if spec.timeout_seconds else dt.timedelta(0))
        assert metadata.discoverable == spec.cache, name
        assert metadata.discovery_version == spec.cache_version
        if spec.cache:
            assert len(spec.cache_version.rsplit("-", 1)[-1]) == 12, "the version carries the script's code hash"


def test_every_job_task_interface_matches_its_declared_types(packaged) -> None:
    for name, (spec, template) in job_specs(packaged).items():
        for declared, variables in (
            (spec.inputs, template.interface.inputs),
            (spec.outputs, template.interface.outputs),
        ):
            assert set(declared) == set(variables.variables), name
            for var_name, token in declared.items():
                expected = TypeEngine.to_literal_type(from_token(token))
                actual = Variable.from_flyte_idl(variables.variables[var_name]).type
                assert actual == expected, f"{name}.{var_name}"


def test_the_daily_retraining_launch_plan_is_registered_with_its_schedule_and_notifications(packaged) -> None:
    from flyteidl.core import execution_pb2

    plan = packaged.launch_plans["model_training_pipeline_daily"]
    assert plan.spec.workflow_id.name == "flows.multitrain_flow.model_training_pipeline"
    assert plan.spec.entity_metadata.schedule.cron_schedule.schedule == "0 3 * * *"
    (notification,) = plan.spec.entity_metadata.notifications
    assert list(notification.email.recipients_email) == ["ml-platform@example.com"]
    phases = {execution_pb2.WorkflowExecution.Phase.Name(p) for p in notification.phases}
    assert phases == {"FAILED", "TIMED_OUT", "ABORTED"}
    defaults = plan.spec.default_inputs.parameters
    assert {"n_estimators", "max_depth", "c_grid", "model_name"} <= set(defaults)


def test_launch_plans_come_from_config(tmp_path, monkeypatch) -> None:
    from flowjobs.launch_plans import LaunchPlanError, create_all

    path = tmp_path / "plans.yaml"
    path.write_text(
        "launch_plans:\n  hourly:\n    workflow: flows.sample_flow.model_training\n    schedule: '0 * * * *'\n"
        "    default_inputs: {num_estimators: 7}\n"
        "    notify: [{when: [SUCCEEDED], slack: [alerts-channel@example.slack.com]}]\n"
    )
    plan = create_all(path)["hourly"]
    assert plan.schedule.cron_schedule.schedule == "0 * * * *"
    assert plan.notifications[0].slack.recipients_email == ["alerts-channel@example.slack.com"]
    assert plan.parameters.parameters["num_estimators"].default.scalar.primitive.integer == 7
    path.write_text("launch_plans:\n  bad:\n    workflow: flows.sample_flow.model_training\n    schedule: daily\n")
    with pytest.raises(LaunchPlanError, match=rf"launch plans file {path}: launch_plans.bad.schedule: not a cron"):
        create_all(path)
    path.write_text(
        "launch_plans:\n  bad:\n    workflow: flows.sample_flow.model_training\n    default_inputs: {x: 1}\n"
    )
    with pytest.raises(LaunchPlanError, match="launch plan 'bad': flows.sample_flow.model_training has no input 'x'"):
        create_all(path)
