# Two commands on a fresh clone:
#   make run    set up .venv and run the main job on the embedded defaults; prints where the results are
#   make test   set up .venv (with the dev extra) and run the linters and the whole test suite (two workers)
# Everything installs into .venv; nothing outside the project folder is touched.

VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: setup run test lint fuzz bench

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv
	$(UV) pip install --quiet --python $(PY) -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

run: setup
	$(VENV)/bin/pyflyte run flows/multitrain_flow.py model_training_pipeline
	@$(VENV)/bin/flowjobs champion --model iris-classifier
	@echo "Runs, metrics, plots, models: MLflow store mlflow.db + mlruns/ here; see them with $(VENV)/bin/mlflow ui --workers 1, then open http://127.0.0.1:5000/#/experiments?workflowType=machine_learning (the model-training view)"
	@echo "Model files of each branch: models/"
	@echo "Branches side by side: $(VENV)/bin/flowjobs compare; the execution's tasks, logs and deck pages: $(VENV)/bin/flowjobs status latest; as a picture: $(VENV)/bin/flowjobs graph --execution latest"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(PY) -m pytest -n 2 --dist loadscope

fuzz: setup  # 60 s of coverage-guided fuzzing of the script-side I/O helpers (not part of CI)
	$(PY) fuzz/fuzz_script_io.py -max_total_time=60

bench: setup  # the local runner against pyflyte run, side by side (about ten minutes; not part of CI)
	$(PY) benchmarks/run.py
