"""A `flowjobs run`'s MLflow work in a process of its own: each tracked attempt's logs on its branch runs as it
ends, and the execution recorded as its parent run at the end.

MLflow's import is about two thousand modules, pandas among them. Loaded in a thread of the runner while the nodes
start, it competed with the nodes' threads for the interpreter, and flytekit's lazy modules (pandas, pyarrow) had
to be loaded before the first node, since Python 3.11's lazy loader is not safe for two threads at once: about
half a second on every tracked run's path; and the first tracked task's logs waited for that import and the
store's opening (two seconds) before the next nodes could start. Here the process started as the run begins
imports MLflow and opens the store while the nodes run; each tracked attempt's logs are handed to it as the attempt
ends (flowjobs/tracking_logs.py), without waiting for its answer; the runner, once its record is closed, asks it to
open (or find) the parent run and to put the tasks on it. One JSON line each way, one request at a time, in the
order asked (flowjobs/parent_run.py and flowjobs/tracking_logs.py do the work).

    runner                                     this process (python -m flowjobs.parent_run_process)
    ParentRunProcess()                         MLflow imported, the store opened; waits for a line
    .log_files(folder, 1, deck)  ── {"do": "log", …} ──►  tracking_logs.log_files (the answer read in the background)
    .open_run(experiment, …) ─── {"do": "open", …}  ──►  parent_run.open_run → {"run_id": …}
    (the record saved with the run id)
    .close_run(run_id, …)    ─── {"do": "close", …} ──►  resumed run linked, parent_run.close_run → {"experiment": …}
    .end()                   ─── end of input      ──►  exits

It lives no longer than its runner: it ends at the end of its input, which a runner that dies closes too (and the
runner's guard ends the runner's whole tree, this process included), and it sits in a session of its own, so a
Ctrl-C at the terminal reaches the runner alone.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import typing
from concurrent import futures
from pathlib import Path

END_SECONDS = 30.0  # for its last answer to be written and the process gone, on a busy machine


log = logging.getLogger("flowjobs")


class ParentRunProcess:
    """The runner's side: the process, started at once, and its requests asked one after another by one thread
    (in the order they came, whichever of the runner's threads asked)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flowjobs.parent_run_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            start_new_session=True,
        )
        self.asking = futures.ThreadPoolExecutor(1, thread_name_prefix="mlflow-process")

    def _request(self, request: dict[str, typing.Any]) -> dict[str, typing.Any]:
        return self.asking.submit(self._ask, request).result()

    def _ask(self, request: dict[str, typing.Any]) -> dict[str, typing.Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except (OSError, ValueError):
            pass  # it ended, or its input was closed: said below
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"its MLflow process ended without answering (exit code {self.process.wait()})")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def open_run(self, experiment: str, workflow: str, execution_id: str, runner: str, record_path: Path) -> str:
        """The execution's parent run, found or created (flowjobs/parent_run.py open_run): its id."""
        request = {"experiment": experiment, "workflow": workflow, "execution_id": execution_id, "runner": runner}
        return self._request({"do": "open", **request, "record_path": str(record_path)})["run_id"]

    def close_run(self, run_id: str, record_path: Path, resumed: Path | None) -> tuple[str, list[str]]:
        """The tasks on the parent run and its final status, linked to the parent run of the execution it resumes
        (`resumed`: that execution's record): the experiment it is in, and warnings for the runner to print."""
        request = {"run_id": run_id, "record_path": str(record_path), "resumed": str(resumed) if resumed else None}
        answer = self._request({"do": "close", **request})
        return answer["experiment"], answer["warnings"]

    def log_files(self, task: str, folder: Path, number: int, deck: Path | None) -> None:
        """An attempt's logs and deck on the branch runs its script opened (flowjobs/tracking_logs.py), asked
        without waiting: the attempt's node ends now; a failure is a warning, as it is in the attempt's thread."""

        def said(answer: futures.Future) -> None:
            if answer.exception() is not None:
                log.warning("logs of %s attempt %d not logged to MLflow: %s", task, number, answer.exception())

        request = {"do": "log", "folder": str(folder), "number": number, "deck": str(deck) if deck else None}
        self.asking.submit(self._ask, request).add_done_callback(said)

    def end(self) -> None:
        """No more requests: those asked are answered, then the process ends (killed if it does not)."""
        self.asking.shutdown(wait=True)
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(END_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _open(experiment: str, workflow: str, execution_id: str, runner: str, record_path: str) -> dict:
    from flowjobs import parent_run

    return {"run_id": parent_run.open_run(experiment, workflow, execution_id, runner, Path(record_path))}


def _close(run_id: str, record_path: str, resumed: str | None) -> dict:
    from flowjobs import parent_run, records

    warnings = []
    if resumed is not None:
        try:
            parent_run.link_resumed(run_id, records.load(Path(resumed)))
        except Exception as err:  # the link is a convenience; the execution's own run is what counts
            warnings.append(f"parent run {run_id} not linked: {err}")
    record = records.load(Path(record_path))
    parent_run.close_run(run_id, record, Path(record_path))
    return {"experiment": parent_run.experiment_of(run_id), "warnings": warnings}


def _log(folder: str, number: int, deck: str | None) -> dict:
    from flowjobs import tracking_logs

    return {"runs": tracking_logs.log_files(Path(folder), number, Path(deck) if deck else None)}


REQUESTS: dict[str, typing.Callable[..., dict]] = {"open": _open, "close": _close, "log": _log}


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner decides how a run stops; it asks for the rest
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # what MLflow prints goes to stderr, never into the answers
    sys.stdout = sys.stderr
    from flowjobs import quick_exit, tracking

    with contextlib.suppress(Exception):  # a problem with the store is met again by the request, and answered
        tracking.client().search_experiments(max_results=1)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = REQUESTS[request.pop("do")](**request)
        except Exception as err:
            answer = {"error": str(err) or type(err).__name__}
        answers.write(json.dumps(answer) + "\n")
    answers.close()
    quick_exit.exit_now(0)


if __name__ == "__main__":
    main()
