"""A grid or list input larger than the documented bound (MAX_GRID_POINTS) is refused before any training."""

from __future__ import annotations

import pytest

from flowjobs.config import ConfigError
from multitrain.model_specs import MAX_GRID_POINTS, ModelSpec, SettingsError, check_settings


def test_a_c_grid_past_the_bound_is_refused_in_one_line() -> None:
    check_settings(c_grid=[1.0] * MAX_GRID_POINTS)
    with pytest.raises(SettingsError) as refused:
        check_settings(c_grid=[1.0] * (MAX_GRID_POINTS + 1))
    message = str(refused.value)
    assert "\n" not in message and len(message) < 200, message
    assert message.startswith("input 'c_grid': ") and f"at most {MAX_GRID_POINTS} items" in message


def test_a_branch_grid_past_the_bound_is_refused_when_the_specs_are_read() -> None:
    ModelSpec(name="forest", algorithm="random_forest", params={"min_samples_leaf": list(range(1, 11))})
    with pytest.raises((ValueError, ConfigError), match=rf"121 points \(11 x 11\), more than the {MAX_GRID_POINTS}"):
        ModelSpec(
            name="forest",
            algorithm="random_forest",
            params={"min_samples_leaf": list(range(1, 12)), "min_samples_split": list(range(2, 13))},
        )


def test_a_branch_run_alone_refuses_its_grid_before_training(tmp_path) -> None:
    from flowjobs.script import ScriptInputError
    from tasks import training

    with pytest.raises(ScriptInputError, match=r"input 'params': the grid has 1010 points"):
        training.bounded_grid({"C": [1.0] * 10, "l1_ratio": [0.5] * 101})
