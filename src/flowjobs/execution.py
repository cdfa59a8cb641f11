"""The identity of the current flow execution, shared by every task of one run.

On a cluster it is Flyte's execution name. A local `pyflyte run` has no name of its own ("local"), so the
first task of the process makes one and puts it in the environment, where scripts and later tasks find it.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

ENV_EXECUTION_ID = "FLOWJOBS_EXECUTION_ID"


def new_execution_id() -> str:
    return f"local-{dt.datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def current_execution_id() -> str:
    """The flow execution's id (FLOWJOBS_EXECUTION_ID) as a script sees it; a script run alone makes one for itself.
    Needs no flytekit: a script's start-up stays short."""
    return os.environ.setdefault(ENV_EXECUTION_ID, new_execution_id())


def execution_id() -> str:
    if os.environ.get(ENV_EXECUTION_ID):
        return os.environ[ENV_EXECUTION_ID]
    from flytekit import FlyteContextManager

    flyte_id = FlyteContextManager.current_context().user_space_params.execution_id
    name = flyte_id.name if flyte_id is not None else "local"
    os.environ[ENV_EXECUTION_ID] = name if name and name != "local" else new_execution_id()
    return os.environ[ENV_EXECUTION_ID]


def is_local_execution() -> bool:
    from flytekit import FlyteContextManager

    state = FlyteContextManager.current_context().execution_state
    return state is None or state.is_local_execution()
