"""Branch: scikit-learn logistic regression, grid-searched over C with 5-fold CV on the training data.

    python tasks/train_logreg.py --train outputs/train.csv --holdout outputs/holdout.csv \
        [--c-grid 0.1 1 10] [--max-iter 1000] [--params '{"tol": 0.001}'] [--output-dir outputs]
Records a child run (a grandchild per C), the held-out metrics and plots, and a new registered version.
Output `result`: the branch's run, version and held-out metrics (JSON) for the compare step.
"""

from __future__ import annotations

from helpers.flows import run_main
from tasks.pipelines import fit_sklearn
from tasks.training import SEED, Branch, Fitted, branch_main

ALGORITHM = "logistic_regression"


def fit(branch: Branch) -> Fitted:
    from sklearn.linear_model import LogisticRegression

    return fit_sklearn(LogisticRegression(random_state=SEED), branch)


def main() -> None:
    branch_main(ALGORITHM, __doc__.splitlines()[0], fit)


if __name__ == "__main__":
    run_main(main)
