"""Branch: scikit-learn random forest, its grid searched with 5-fold CV on the training data.

    python tasks/train_random_forest.py --train outputs/train.csv --holdout outputs/holdout.csv \
        [--n-estimators 100] [--max-depth 5] [--params '{"min_samples_leaf": [1, 3]}'] [--output-dir outputs]

The trees are grown on the tier's CPUs. A list-valued parameter is a grid axis, each grid point a grandchild
run. Output `result` (JSON) for the compare step: the branch's run, registered version and held-out metrics.
"""

from __future__ import annotations

from flowjobs.tiers import script_cpus
from helpers.flows import run_main
from tasks.pipelines import fit_sklearn
from tasks.training import SEED, Branch, Fitted, branch_main

ALGORITHM = "random_forest"


def fit(branch: Branch) -> Fitted:
    from sklearn.ensemble import RandomForestClassifier

    return fit_sklearn(RandomForestClassifier(random_state=SEED, n_jobs=script_cpus()), branch)


def main() -> None:
    branch_main(ALGORITHM, __doc__.splitlines()[0], fit)


if __name__ == "__main__":
    run_main(main)
