# The task image: Python 3.11, Java 17 (for H2O), the flowjobs toolkit installed like any library, and this
# project — helpers/, tasks/, multitrain/, flows/, data/ and its config (pyproject.toml) — at /mnt/code, where Domino
# keeps a project's code; /workflow/inputs, /workflow/outputs and /mnt/data are laid out as Domino lays them out.
#
#   docker build -t <registry>/flowjobs:<tag> .        # or: podman build; `make image-check` builds and runs it
#   docker push <registry>/flowjobs:<tag>
#   pyflyte run --remote --image <registry>/flowjobs:<tag> flows/sample_flow.py model_training
#
# Layers, slowest-changing first: Java, then the dependencies (read from pyproject.toml alone, so a code edit
# reuses the 1 GB layer), then the toolkit, then the project. Bytecode is compiled at build time: a pod imports
# flytekit and mlflow from .pyc files instead of compiling ~10,000 modules on every start. The libraries' own test
# suites (127 MB) are left out.
# The tests also build the same layout without an engine (tests/support/image.py reads the COPY and ENV lines).
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb

WORKDIR /mnt/code
ENV PYTHONPATH=/mnt/code FLOWJOBS_PROJECT_ROOT=/mnt/code PYTHONUNBUFFERED=1

COPY pyproject.toml /opt/flowjobs/
RUN pip install --no-cache-dir --disable-pip-version-check uv \
    && UV_COMPILE_BYTECODE=1 uv pip install --system --no-cache -r /opt/flowjobs/pyproject.toml \
    && find "$(python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" -type d -name tests \
        -prune -exec rm -rf {} +

COPY README.md /opt/flowjobs/
COPY src /opt/flowjobs/src
RUN UV_COMPILE_BYTECODE=1 uv pip install --system --no-cache --no-deps /opt/flowjobs \
    && pip uninstall -y --disable-pip-version-check uv \
    && rm -rf /opt/flowjobs

COPY helpers /mnt/code/helpers
COPY tasks /mnt/code/tasks
COPY multitrain /mnt/code/multitrain
COPY flows /mnt/code/flows
COPY pyproject.toml /mnt/code/
RUN python -m compileall -q /mnt/code/helpers /mnt/code/tasks /mnt/code/multitrain /mnt/code/flows \
    && mkdir -p /workflow/inputs /workflow/outputs /mnt/data

COPY data /mnt/code/data
