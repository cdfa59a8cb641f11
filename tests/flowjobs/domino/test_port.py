"""`flowjobs port-domino`: one substitution in the import lines, then every need of the flow, one line each."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.project import PROJECT_ROOT, run, tool

UNPORTED = PROJECT_ROOT / "tests" / "support" / "domino" / "unported" / "gpu_flow.py"
GPU_TIER = "tiers:\n  GPU-XL:\n    cpu: {request: '1', limit: '1'}\n    memory: {request: 1Gi, limit: 1Gi}\n"
DEFAULT_IMAGE = "'{{.image.default.fqn}}:{{.image.default.version}}'"
ROOT = {"FLOWJOBS_PROJECT_ROOT": str(PROJECT_ROOT)}
ENVIRONMENTS = f"environments:\n  Domino Standard Environment Py3.10 R4.4: {DEFAULT_IMAGE}\n"


def port(*args: str, env: dict | None = None):
    """The flows copied to a temp folder run this checkout's scripts: it is their project (its /mnt/code)."""
    return run([tool("flowjobs"), "port-domino", *args], cwd=PROJECT_ROOT, env={**ROOT, **(env or {})})


def test_check_reports_the_unknown_tier_and_environment_and_changes_nothing(tmp_path: Path) -> None:
    flow = Path(shutil.copy(UNPORTED, tmp_path / "gpu_flow.py"))
    before = flow.read_text()
    done = port(str(flow), "--check")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"{flow}: needs 2 more (would rewrite lines 5, 6)"
    tier = next(line for line in lines if line.startswith("  tier:"))
    assert "unknown hardware tier 'GPU-XL'" in tier and "[tool.flowjobs.hardware_tiers]" in tier
    assert tier.endswith("[Add on a GPU, Root on a GPU]")  # one line for the tier, naming both tasks
    environment = next(line for line in lines if line.startswith("  environment:"))
    assert "'Domino Standard Environment Py3.10 R4.4'" in environment and "[tool.flowjobs.environments]" in environment
    assert len(lines) == 3
    assert flow.read_text() == before


def test_port_rewrites_only_the_import_prefix_and_is_ready_once_the_config_maps_the_names(tmp_path: Path) -> None:
    flow = Path(shutil.copy(UNPORTED, tmp_path / "gpu_flow.py"))
    original = flow.read_text()
    assert port(str(flow)).returncode == 1
    ported = flow.read_text()
    assert ported == original.replace("from flytekitplugins.domino.", "from flowjobs.domino.")
    (tmp_path / "tiers.yaml").write_text(
        (PROJECT_ROOT / "src" / "flowjobs" / "hardware_tiers.yaml").read_text().replace("tiers:\n", GPU_TIER, 1)
    )
    (tmp_path / "environments.yaml").write_text(ENVIRONMENTS)
    config = {
        "FLOWJOBS_HARDWARE_TIERS": str(tmp_path / "tiers.yaml"),
        "FLOWJOBS_ENVIRONMENTS": str(tmp_path / "environments.yaml"),
    }
    done = port(str(flow), env=config)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == f"{flow}: ready (nothing to rewrite; workflows: gpu_sum)"
    ran = run(
        [tool("pyflyte"), "run", str(flow), "gpu_sum", "--a", "7", "--b", "9"], cwd=PROJECT_ROOT, env={**ROOT, **config}
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().splitlines()[-1] == "4.0"


def test_a_missing_api_a_missing_script_and_a_missing_runtime_are_each_named(tmp_path: Path) -> None:
    flow = tmp_path / "odd_flow.py"
    flow.write_text(
        "from flytekit import workflow\n"
        "from flytekitplugins.domino.helpers import run_domino_job_task\n"
        "@workflow\n"
        "def odd() -> None:\n"
        "    run_domino_job_task(flyte_task_name='Gone', command='python /mnt/code/scripts/gone.py')\n"
        "    run_domino_job_task(flyte_task_name='SAS', command='prod/adsl.sas')\n"
    )
    api = tmp_path / "api_flow.py"
    api.write_text("from flytekitplugins.domino.task import NoSuchThing\n")
    done = port(str(flow), str(api), "--check")
    assert done.returncode == 1
    out = done.stdout
    assert f"  script: script {PROJECT_ROOT / 'scripts' / 'gone.py'} does not exist [Gone]" in out
    assert "  runtime: command 'prod/adsl.sas' needs the SAS runtime (sas), which is not installed here" in out
    assert f"{api}: would rewrite lines 1 (a module, no workflow)\n" in out
    assert "  api: ImportError: cannot import name 'NoSuchThing' from 'flowjobs.domino.task'" in out


def test_a_path_that_is_not_a_python_file_is_refused(tmp_path: Path) -> None:
    done = port(str(tmp_path / "missing.py"))
    assert done.returncode == 2
    assert done.stdout.strip() == f"error: not a Python file or a folder: {tmp_path / 'missing.py'}"


def test_a_folder_is_ported_whole_and_each_flow_s_scripts_are_checked_against_their_python(tmp_path: Path) -> None:
    """A repo: its flow imports python-domino (installable from PyPI, not installed here), its task script imports
    a package this Python lacks; a virtual environment and a hidden folder inside it are left alone."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / "flowjobs.yaml").write_text("domino: {project: {name: repo}}\n")
    (repo / "scripts" / "plot.py").write_text(
        "import json\nimport seaborn\ntry:\n    import nothere\nexcept ImportError:\n    pass\n"
    )
    (repo / "flow.py").write_text(
        "from flytekit import workflow\n"
        "from flytekitplugins.domino.helpers import run_domino_job_task\n"
        "@workflow\n"
        "def plots() -> None:\n"
        "    run_domino_job_task(flyte_task_name='Plot', command='python /mnt/code/scripts/plot.py')\n"
    )
    for kept in (repo / ".venv" / "lib", repo / ".git"):
        kept.mkdir(parents=True)
        (kept / "x.py").write_text("from flytekitplugins.domino.task import DominoJobTask\n")
    (repo / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    done = run([tool("flowjobs"), "port-domino", str(repo)], cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"{repo}/flow.py: needs 1 more (rewrote lines 2)"
    assert lines[1] == (
        "  module: scripts/plot.py imports 'seaborn', which this Python lacks; install it, or give the task an "
        f"environment with it in {repo}/flowjobs.yaml (environments) [Plot]"
    )
    assert len(lines) == 2, "the scripts' optional import is not needed; nothing under .venv or .git is touched"
    assert "flytekitplugins" in (repo / ".venv" / "lib" / "x.py").read_text()
    (repo / "flow.py").write_text("import domino\n" + (repo / "flow.py").read_text())
    again = run([tool("flowjobs"), "port-domino", "--check", str(repo / "flow.py")], cwd=tmp_path)
    assert (
        "  module: module 'domino' is not installed: pip install dominodatalab (from PyPI); its calls then need a "
        "Domino host (DOMINO_API_HOST) [flow.py]"
    ) in again.stdout
