"""Launch plans of the flows, from the project config (`[tool.flowjobs.launch_plans]` in pyproject.toml): registered
together with the flows.

    pyflyte --pkgs flows package --image <registry>/flowjobs:<tag>     # includes these launch plans
    flytectl update launchplan -p flowjobs -d development model_training_pipeline_daily --version <v> --activate

The daily retraining plan runs model_training_pipeline at 03:00 UTC with its default inputs and emails the
configured address when a run fails, times out or is aborted.
"""

from flowjobs.launch_plans import create_all

LAUNCH_PLANS = create_all()
model_training_pipeline_daily = LAUNCH_PLANS["model_training_pipeline_daily"]
