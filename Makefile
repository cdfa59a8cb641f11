# Two commands on a fresh clone:
#   make run    set up .venv and run the main job on the embedded defaults; prints where the results are
#   make test   set up .venv (with the dev extra) and run the linters and the whole test suite (two workers)
#   make image-check  build the task image (podman or docker) and run flows' tasks in it as Flyte pods do
# Everything installs into .venv; nothing outside the project folder is touched.

VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
# "-pyc": a .venv set up before bytecode was compiled at install is set up again once
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)-pyc
PROJECT_CODE := src/flowjobs helpers tasks multitrain flows benchmarks

.PHONY: setup run test lint fuzz bench image-check

# The toolkit installs as the package `flowjobs` (src/flowjobs; the wheel holds nothing else). This repository's own
# project (flows/, tasks/, helpers/, multitrain/) is made importable in .venv as `pip install -e .` makes a user's
# project importable: a .pth naming this folder, so `python tasks/train_logreg.py …` runs from any folder.
define PROJECT_PTH
import pathlib, sysconfig
pathlib.Path(sysconfig.get_path("purelib"), "flowjobs-project.pth").write_text(str(pathlib.Path.cwd()) + "\n")
endef
export PROJECT_PTH

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv
	UV_COMPILE_BYTECODE=1 $(UV) pip install --quiet --compile-bytecode --python $(PY) -e ".[dev]"
	$(PY) -c "$$PROJECT_PTH"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# Bytecode is compiled here, never at run time: uv writes no .pyc unless told, and where PYTHONDONTWRITEBYTECODE
# is set every process would compile its imports from source again (seconds per task). The project's own code
# is installed editable, so it is compiled beside its sources, again after every change (compileall skips the rest).
setup: $(STAMP)
	@$(PY) -m compileall -q -j 0 $(PROJECT_CODE)

run: setup
	$(VENV)/bin/pyflyte run flows/multitrain_flow.py model_training_pipeline
	@$(VENV)/bin/flowjobs champion --model iris-classifier
	@echo "Runs, metrics, plots, models: MLflow store mlflow.db + mlruns/ here; see them with $(VENV)/bin/flowjobs ui, then open the experiment's link it prints (http://127.0.0.1:5000/#/experiments/…)"
	@echo "Model files of each branch: models/<execution id>/ (one folder per execution)"
	@echo "Branches side by side: $(VENV)/bin/flowjobs compare; the execution's tasks: $(VENV)/bin/flowjobs status latest (logs and deck pages: --files); as a picture: $(VENV)/bin/flowjobs graph --execution latest"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

test: lint
	$(PY) -m pytest -n 2 --dist loadscope

fuzz: setup  # 60 s of coverage-guided fuzzing of the script-side I/O helpers (not part of CI)
	$(PY) fuzz/fuzz_script_io.py -max_total_time=60

# The peers benchmark (a) is measured beside, in an environment of their own (benchmarks/peers.py)
PEERS := .bench-peers
$(PEERS)/.installed:
	test -x $(PEERS)/bin/python || python3 -m venv $(PEERS)
	UV_COMPILE_BYTECODE=1 $(UV) pip install --quiet --compile-bytecode --python $(PEERS)/bin/python "kedro>=1.0,<2" "flyte>=2.0,<3"
	touch $@

bench: setup $(PEERS)/.installed  # the local runner against pyflyte run and its peers, side by side (not in CI)
	$(PY) benchmarks/run.py

image-check: setup  # build the task image and run tasks in it as pods; prints build time, size, start/import times
	$(PY) benchmarks/image_check.py
