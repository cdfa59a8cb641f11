"""An unchanged branch is not trained again: its registered version is the branch's result once more.

A branch's key is the hash of what decides its model: the training and held-out rows, the table's
description, the branch's name, family and parameters, and its code (the script and every project and
toolkit module it imports, the libraries' versions). Each registered version carries its key as a tag; an
execution whose branch has the key of a version already registered reuses that version (its run and
held-out metrics) and registers nothing, and says so. `--retrain true` (the flow's input `retrain`) trains anyway.
"""

from __future__ import annotations

import hashlib
import json
import sys
import typing
from pathlib import Path

from flowjobs import hashing, tracking
from multitrain import registry
from multitrain.model_specs import BranchResult

Branch = typing.Any  # tasks.training.Branch, which imports this module
TAG_KEY = "branch_key"


def key(branch: Branch) -> str:
    script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0].endswith(".py") else Path(__file__)
    decided = {
        "branch": branch.name,
        "algorithm": branch.algorithm,
        "params": branch.params,
        "table": branch.table.to_json(),
        "train": branch.train_sha256,
        "holdout": branch.holdout_sha256,
        "code": hashing.code_hash(f"python {script.name}", script, ""),
    }
    return hashlib.sha256(json.dumps(decided, sort_keys=True, default=str).encode()).hexdigest()


def tags(branch: Branch) -> dict[str, str]:
    """The tag a registered version gets: its branch's key."""
    return {TAG_KEY: key(branch)}


def registered(branch: Branch) -> BranchResult | None:
    """The result of the version an earlier execution registered for this very branch, or None."""
    client = tracking.client()
    wanted = key(branch)
    found = client.search_model_versions(f"name = '{branch.model_name}' and tags.{TAG_KEY} = '{wanted}'")
    if not found:
        return None
    version = min(found, key=lambda v: int(v.version))  # the first of them: later ones are duplicates of it
    run = client.get_run(version.run_id)
    metrics = {name: run.data.metrics[name] for name in registry.METRICS if name in run.data.metrics}
    if len(metrics) != len(registry.METRICS):
        return None
    print(
        f"{branch.name}: data, parameters and code unchanged since version {version.version}: reusing it "
        f"(run {version.run_id}), no new version registered (the flow's --retrain, a script's --retrain true, "
        "trains again)"
    )
    return BranchResult(branch.name, branch.algorithm, version.run_id, str(version.version), metrics, 0.0)
