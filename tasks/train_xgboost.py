"""Branch: XGBoost gradient-boosted trees, grid-searched with 5-fold CV on the training data.

    python tasks/train_xgboost.py --train outputs/train.csv --holdout outputs/holdout.csv \
        [--n-estimators 100] [--max-depth 5] [--params '{"learning_rate": [0.05, 0.3]}']
Writes the model as a scikit-learn pipeline around XGBoost (joblib, xgb_clf.pkl). Output `result` (JSON).
"""

from __future__ import annotations

from flowjobs.tiers import script_cpus
from helpers.flows import run_main
from tasks.pipelines import fit_sklearn
from tasks.training import SEED, Branch, Fitted, branch_main

ALGORITHM = "xgboost"


def fit(branch: Branch) -> Fitted:
    """XGBoost learns class indices, not names: each class's index in the table's sorted classes."""
    from xgboost import XGBClassifier

    model = XGBClassifier(random_state=SEED, n_jobs=script_cpus())
    return fit_sklearn(model, branch, classes=list(branch.table.classes))


def main() -> None:
    branch_main(ALGORITHM, __doc__.splitlines()[0], fit)


if __name__ == "__main__":
    run_main(main)
