"""Hardware tiers: the shipped file, validation errors that name file and key, and what a tier becomes."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowjobs import tiers
from flowjobs.tiers import TierError, cpu_cores, get_tier, load_tiers, memory_mb


def test_the_shipped_tiers_are_small_medium_large_and_gpu() -> None:
    loaded = load_tiers()
    assert list(loaded) == ["Small", "Medium", "Large", "GPU"]
    assert [t.cpu_limit for t in loaded.values()] == [1, 2, 4, 4]
    assert loaded["GPU"].gpu == 1 and loaded["GPU"].accelerator


def test_an_unknown_tier_lists_the_valid_ones() -> None:
    with pytest.raises(TierError, match="unknown hardware tier 'XL'; valid tiers: Small, Medium, Large, GPU"):
        get_tier("XL")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "tiers:\n  S:\n    cpu: {request: 2, limit: 1}\n    memory: {request: 1Gi, limit: 1Gi}\n",
            r"tiers.S: cpu.request 2 exceeds cpu.limit 1",
        ),
        (
            "tiers:\n  S:\n    cpu: {request: 1, limit: 1}\n    memory: {request: lots, limit: 1Gi}\n",
            r"tiers.S: not a memory quantity: 'lots'",
        ),
        ("tiers:\n  S:\n    cpu: {request: 1, limit: 1}\n", r"tiers.S.memory: Field required"),
        (
            "tiers:\n  S:\n    cpu: {request: 1, limit: 1}\n    memory: {request: 1Gi, limit: 1Gi}\n    gpus: 1\n",
            r"tiers.S.gpus: Extra inputs are not permitted",
        ),
        (
            "tiers:\n  G:\n    cpu: {request: 1, limit: 1}\n    memory: {request: 1Gi, limit: 1Gi}\n    gpu: 1\n",
            r"tiers.G: a tier with gpu > 0 must name its accelerator",
        ),
        ("tiers: {}\n", r"tiers: Dictionary should have at least 1 item"),
        ("tiers: [\n", r"not valid YAML"),
    ],
)
def test_an_invalid_tiers_file_names_the_file_and_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "tiers.yaml"
    path.write_text(text)
    with pytest.raises(TierError, match=rf"hardware tiers file {path}: {expected}"):
        load_tiers(path)


def test_another_tiers_file_is_used_through_the_environment(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "tiers.yaml"
    path.write_text(
        "tiers:\n  Tiny:\n    cpu: {request: 500m, limit: 500m}\n    memory: {request: 256Mi, limit: 256Mi}\n"
    )
    monkeypatch.setenv("FLOWJOBS_HARDWARE_TIERS", str(path))
    tiny = get_tier("Tiny")
    assert tiny.cpu_limit == 0.5 and tiny.memory_limit_mb == 256 and tiny.local_cpus(machine_cpus=8) == 1


def test_a_tier_sizes_the_scripts_thread_pools_within_the_machine() -> None:
    large = get_tier("Large")
    assert large.local_cpus(machine_cpus=2) == 2 and large.local_cpus(machine_cpus=16) == 4
    env = get_tier("Small").script_env()
    assert env["OMP_NUM_THREADS"] == env["FLOWJOBS_CPUS"] == "1" and env["FLOWJOBS_MEMORY_MB"] == "2048"


def test_a_tier_becomes_flyte_requests_limits_and_accelerator() -> None:
    medium = tiers.flyte_resources(get_tier("Medium"))
    assert (medium["requests"].cpu, medium["requests"].mem, medium["limits"].mem) == ("2", "4Gi", "4Gi")
    assert medium["accelerator"] is None
    gpu = tiers.flyte_resources(get_tier("GPU"))
    assert gpu["limits"].gpu == "1" and gpu["accelerator"].to_flyte_idl().device == "nvidia-tesla-t4"


@pytest.mark.parametrize(("quantity", "cores"), [("2", 2.0), ("500m", 0.5), ("1.5", 1.5)])
def test_cpu_quantities(quantity: str, cores: float) -> None:
    assert cpu_cores(quantity) == cores


@pytest.mark.parametrize(("quantity", "mb"), [("512Mi", 512), ("2Gi", 2048), ("1G", 1e9 / 2**20)])
def test_memory_quantities(quantity: str, mb: float) -> None:
    assert memory_mb(quantity) == pytest.approx(mb)


def test_a_tier_names_the_pod_template_of_its_node_pool(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "tiers.yaml"
    path.write_text(
        "tiers:\n  Pool:\n    cpu: {request: 1, limit: 1}\n    memory: {request: 1Gi, limit: 1Gi}\n"
        "    pod_template: flowjobs-large-pool\n"
    )
    monkeypatch.setenv("FLOWJOBS_HARDWARE_TIERS", str(path))
    assert tiers.flyte_resources(get_tier("Pool"))["pod_template_name"] == "flowjobs-large-pool"
