"""The model specs file and the flow's settings: what validates, and errors that name the file and the key."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from multitrain import model_specs
from multitrain.model_specs import ModelSpecError, SettingsError, check_settings, load_specs
from tests.support.project import PROJECT_ROOT


def test_the_default_file_has_the_four_branches() -> None:
    specs = load_specs()
    assert [(s.name, s.algorithm, s.tier, s.model_file) for s in specs] == [
        ("logreg", "logistic_regression", "Small", "sklearn_logreg.pkl"),
        ("h2o_automl", "h2o_automl", "Medium", "h2o_automl.bin"),
        ("random_forest", "random_forest", "Small", "sklearn_rf.pkl"),
        ("xgboost", "xgboost", "Small", "xgb_clf.pkl"),
    ]
    for spec in specs:
        assert (PROJECT_ROOT / spec.family.script).is_file()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("models: [{name: a, algorithm: svm}]", "models.0.algorithm: Input should be 'logistic_regression', "),
        (
            "models: [{name: a, algorithm: random_forest, params: {max_depth: 3}}]",
            "models.0.params: 'max_depth' is set by the flow's input 'max_depth', not here",
        ),
        (
            "models: [{name: a, algorithm: xgboost}, {name: a, algorithm: random_forest}]",
            "models.1.name: 'a' is already used by models.0",
        ),
        (
            "models: [{name: a, algorithm: xgboost}, {name: b, algorithm: xgboost}]",
            "models.1.model_file: 'xgb_clf.pkl' is already used by models.0",
        ),
        ("models: [{name: a, algorithm: xgboost, tier: Huge}]", "models.0.tier: unknown hardware tier 'Huge'"),
        ("models: [{name: 2a, algorithm: xgboost}]", "models.0.name: String should match pattern"),
        ("models: [{name: a, algorithm: xgboost, colour: red}]", "models.0.colour: Extra inputs are not permitted"),
        ("models: []", "models: List should have at least 1 item"),
        ("models: [{name: a", "not valid YAML"),
    ],
)
def test_a_bad_specs_file_is_an_error_naming_the_file_and_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "specs.yaml"
    path.write_text(text)
    with pytest.raises(ModelSpecError) as caught:
        load_specs(path)
    assert str(caught.value).startswith(f"model specs file {path}: {expected}")
    assert "\n" not in str(caught.value)


def test_the_specs_file_can_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "specs.yaml"
    path.write_text("models:\n  - {name: deep_forest, algorithm: random_forest, model_file: deep.pkl, tier: Large}\n")
    monkeypatch.setenv(model_specs.ENV_MODEL_SPECS, str(path))
    (spec,) = load_specs()
    assert (spec.name, spec.tier, spec.model_file, spec.family.script) == (
        "deep_forest",
        "Large",
        "deep.pkl",
        "tasks/train_random_forest.py",
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"c_grid": [1.0, -0.5]}, "input 'c_grid': every C must be positive (got [1.0, -0.5])"),
        ({"c_grid": [0.0]}, "input 'c_grid': every C must be positive (got [0.0])"),
        ({"max_depth": 0}, "input 'max_depth': Input should be greater than 0 (got 0)"),
        ({"n_estimators": -3}, "input 'n_estimators': Input should be greater than 0 (got -3)"),
        (
            {"ranking_metric": "accuracy"},
            "input 'ranking_metric': unknown ranking metric; known: auc, log_loss, f1, precision, recall"
            " (got 'accuracy')",
        ),
        ({"model_name": ""}, "input 'model_name': String should have at least 1 character (got '')"),
    ],
)
def test_bad_settings_are_errors_naming_the_input(values: dict, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        check_settings(**values)
    assert str(caught.value) == expected


def test_setting_flags_are_typed_and_defaulted_like_the_flow_inputs() -> None:
    parser = model_specs.add_setting_arguments(argparse.ArgumentParser(), ["c_grid", "max_depth", "ranking_metric"])
    assert vars(parser.parse_args([])) == {
        "c_grid": [0.01, 0.1, 1.0, 10.0, 100.0],
        "max_depth": 5,
        "ranking_metric": "auc",
    }
    assert parser.parse_args(["--c-grid", "0.5", "2", "--max-depth", "3"]).c_grid == [0.5, 2.0]


def test_a_spec_added_to_the_file_is_a_new_node_of_the_flow_without_editing_it(tmp_path: Path) -> None:
    path = tmp_path / "specs.yaml"
    path.write_text(
        (PROJECT_ROOT / "flows" / "model_specs.yaml").read_text()
        + "  - {name: deep_forest, algorithm: random_forest, model_file: deep.pkl, params: {criterion: entropy}}\n"
    )
    code = (
        "from flows.multitrain_flow import model_training_pipeline as wf\n"
        "print(sorted(n.metadata.name.rsplit('.', 1)[-1] for n in wf.nodes if 'train_' in n.metadata.name))"
    )
    env = {"PYTHONPATH": str(PROJECT_ROOT), model_specs.ENV_MODEL_SPECS: str(path), "PATH": "/usr/bin:/bin"}
    listed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == str(
        ["train_deep_forest", "train_h2o_automl", "train_logreg", "train_random_forest", "train_xgboost"]
    )
