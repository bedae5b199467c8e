"""Parallel trials on keras-tuner's own chief/worker service.

The chief serves the oracle over gRPC; each worker asks it for a trial, runs
it and reports back. keras-tuner reads three environment variables, which is
also how to spread workers over several machines by hand:

    KERASTUNER_TUNER_ID=chief | tuner0, tuner1, ...
    KERASTUNER_ORACLE_IP=<the chief's address>
    KERASTUNER_ORACLE_PORT=<a free port on the chief>

>>> import sys, tempfile
>>> scratch = tempfile.TemporaryDirectory()
>>> logs = Path(scratch.name)
>>> command = [sys.executable, "-c",  # a real worker calls tuning.search
...            "import os; print(os.environ['KERASTUNER_TUNER_ID'])"]
>>> with chief(command, 2, logs) as procs:
...     is_worker(), os.environ["KERASTUNER_TUNER_ID"]
...     wait(procs)  # the chief serves the oracle until they are done
(False, 'chief')
>>> [(logs / f"worker{i}.log").read_text() for i in range(2)]
['tuner0\\n', 'tuner1\\n']
>>> "KERASTUNER_TUNER_ID" in os.environ  # the environment is restored
False
>>> scratch.cleanup()
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

DEADLINE = "KERAS_RECIPES_DEADLINE"  # shared wall-clock deadline, time.time()
VARIABLES = (
    "KERASTUNER_TUNER_ID",
    "KERASTUNER_ORACLE_IP",
    "KERASTUNER_ORACLE_PORT",
)


def is_worker() -> bool:
    """True in a process started as a keras-tuner worker (not the chief)."""
    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "")
    return "KERASTUNER_ORACLE_IP" in os.environ and "chief" not in tuner_id


def shared_deadline(
    time_budget: float | None, started: float | None = None
) -> float | None:
    """The search's deadline: the chief's, in a worker; else `started`
    (by default now) + budget."""
    if is_worker() and os.environ.get(DEADLINE):
        return float(os.environ[DEADLINE])
    if time_budget is None:
        return None
    return (time.time() if started is None else started) + time_budget


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def chief(
    command: list[str],
    workers: int,
    log_directory: Path,
    deadline: float | None = None,
) -> Iterator[list[subprocess.Popen]]:
    """Makes this process the chief and starts `workers` worker processes.

    Each worker's output goes to `worker<i>.log` in `log_directory`; the
    threads of the machine are shared out among the workers. On exit the
    workers are stopped and this process's environment is restored.
    """
    saved = {k: os.environ.get(k) for k in (*VARIABLES, DEADLINE)}
    port = str(free_port())
    os.environ.update(
        KERASTUNER_TUNER_ID="chief",
        KERASTUNER_ORACLE_IP="127.0.0.1",
        KERASTUNER_ORACLE_PORT=port,
    )
    log_directory.mkdir(parents=True, exist_ok=True)
    threads = str(max(1, (os.cpu_count() or 1) // workers))
    procs = []
    try:
        for i in range(workers):
            env = {
                **os.environ,
                "KERASTUNER_TUNER_ID": f"tuner{i}",
                "OMP_NUM_THREADS": threads,
                "TF_NUM_INTRAOP_THREADS": threads,
                "TF_NUM_INTEROP_THREADS": "1",
            }
            if deadline is not None:
                env[DEADLINE] = repr(deadline)
            log = open(log_directory / f"worker{i}.log", "ab")  # noqa: SIM115
            procs.append(
                subprocess.Popen(command, env=env, stdout=log, stderr=log)
            )
            log.close()
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # deaf to SIGTERM
                proc.kill()
                proc.wait()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def wait(procs: list[subprocess.Popen]) -> None:
    """Waits for the workers; raises if one failed, naming its log."""
    codes = [proc.wait() for proc in procs]
    failed = [i for i, code in enumerate(codes) if code != 0]
    if failed:
        raise RuntimeError(
            f"tuning worker(s) {failed} exited with status "
            f"{[codes[i] for i in failed]}; see worker<i>.log in the search "
            "directory"
        )
