# The task image: Python 3.11, Java 17 (for H2O), the project's dependencies, and the project itself —
# helpers/, tasks/, flows/ and data/ (dataset snapshots are read inside the pod) — at /root, the folder
# Flyte's pyflyte-execute starts in.
#
#   docker build -t <registry>/flowjobs:<tag> .
#   docker push <registry>/flowjobs:<tag>
#   pyflyte run --remote --image <registry>/flowjobs:<tag> flows/sample_flow.py model_training
#
# The tests build the same layout without Docker (tests/support/image.py reads the COPY and ENV lines below)
# and run tasks in it exactly as a pod would.
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /root
ENV PYTHONPATH=/root FLOWJOBS_PROJECT_ROOT=/root PYTHONUNBUFFERED=1

COPY pyproject.toml README.md /root/
COPY helpers /root/helpers
COPY tasks /root/tasks
COPY multitrain /root/multitrain
COPY flows /root/flows
RUN pip install --no-cache-dir uv && uv pip install --system --no-cache -e /root

COPY data /root/data
