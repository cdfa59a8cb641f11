"""A job task's spec carries the tier it was defined with: a pod runs with the tier the task was registered with,
whatever the tiers file says (or lacks) where it runs."""

from pathlib import Path

import pytest
from flytekit import workflow
from flytekit.configuration import Image, ImageConfig, SerializationSettings

from flowjobs import jobs
from flowjobs.job_spec import JobSpec
from flowjobs.jobs import Output, run_job_task
from flowjobs.tiers import TierError

ENV_TIERS = "FLOWJOBS_HARDWARE_TIERS"


def tiers_file(path: Path, tier: str, memory: str) -> Path:
    cpu = "{request: '1', limit: '1'}"
    path.write_text(f"tiers:\n  {tier}:\n    cpu: {cpu}\n    memory: {{request: {memory}, limit: {memory}}}\n")
    return path


def loader_args_of_a_task_defined_on(tiers: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv(ENV_TIERS, str(tiers))

    @workflow
    def pinned() -> str:
        return run_job_task(
            "pinned_tier",
            "python tests/scripts/misbehave.py env FLOWJOBS_MEMORY_MB",
            "Pinned",
            output_specs=[Output("result", str)],
        )

    pinned.compile()
    task = jobs._TASKS["tests.flowjobs.test_job_spec.pinned_tier"]
    settings = SerializationSettings(image_config=ImageConfig(default_image=Image(name="d", fqn="img", tag="1")))
    args = task.get_command(settings)
    return args[args.index("--") + 1 :]


def test_a_task_rebuilt_elsewhere_runs_on_the_tier_it_was_defined_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loader_args = loader_args_of_a_task_defined_on(tiers_file(tmp_path / "here.yaml", "Pinned", "3Gi"), monkeypatch)
    # where the task runs, the tiers file has no tier of that name: it is not looked up again
    monkeypatch.setenv(ENV_TIERS, str(tiers_file(tmp_path / "there.yaml", "Other", "1Gi")))
    with pytest.raises(TierError, match="Pinned"):
        JobSpec(name="x", command="python x.py", tier="Pinned", inputs={}, outputs={}).hardware_tier()
    rebuilt = jobs.job_task_resolver.load_task(loader_args)
    assert rebuilt.spec.hardware_tier().memory.limit == "3Gi"
    assert rebuilt.resources.limits.mem == "3Gi"
    assert rebuilt.execute() == "3072", "the script's memory budget is the defined tier's"


def test_a_spec_written_without_the_resolved_tier_looks_it_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_TIERS, str(tiers_file(tmp_path / "tiers.yaml", "Pinned", "2Gi")))
    older = JobSpec.model_validate_json(
        '{"name": "old", "command": "python x.py", "tier": "Pinned", "inputs": {}, "outputs": {}}'
    )
    assert older.resolved_tier is None and older.hardware_tier().memory_limit_mb == 2048
