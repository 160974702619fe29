"""What runs inside a worker process (a local pool process or a Ray worker): set up once, then run trials.

A worker sets its Keras backend and thread count before keras is first imported, optionally calls a setup hook
("module:function", e.g. to register a dataset or model), and keeps datasets in memory across trials (load_dataset
is memoized per process). It never writes the store: it returns an Outcome to the driver.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

_STATE = {"ready": False}


@dataclass(frozen=True)
class WorkerSetup:
    """How every worker prepares itself. `threads` = 0 leaves the backend's own choice."""

    backend: str = "tensorflow"
    threads: int = 0
    hook: str | None = None  # "module:function", called once per worker process


@dataclass
class Outcome:
    """A finished trial as the driver sees it: the TrialResult, or the error that stopped it."""

    key: str
    result: object | None
    error: str | None
    worker_wall_s: float  # the whole call in the worker: setup of the trial, fit, evaluate
    pid: int


def call_hook(hook: str | None) -> None:
    """Import and call a "module:function" hook (no arguments)."""
    if not hook:
        return
    module_name, _, func_name = hook.partition(":")
    getattr(importlib.import_module(module_name), func_name)()


def init_worker(setup: WorkerSetup) -> None:
    """Process start: backend and threads into the environment before keras loads, then the hook. Idempotent."""
    if _STATE["ready"]:
        return
    os.environ["KERAS_BACKEND"] = setup.backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if setup.threads:
        for var in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(setup.threads)
        os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    _import_keras_quietly()
    call_hook(setup.hook)
    _STATE["ready"] = True


def _import_keras_quietly() -> None:
    """Import keras (and its backend) with file descriptor 2 pointed at /dev/null.

    TensorFlow 2.21 logs oneDNN INFO lines from C++ at import, before TF_CPP_MIN_LOG_LEVEL is read; every worker
    would repeat them on the user's terminal. A failed import still raises (the traceback prints after restore).
    """
    if "keras" in sys.modules:
        return
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            import keras  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def execute(spec, data_dir: str | Path | None, setup: WorkerSetup | None = None) -> Outcome:
    """Run one trial (seeded inside run_trial); any exception becomes Outcome.error for the driver to store."""
    if setup is not None:
        init_worker(setup)
    start = time.perf_counter()
    try:
        from ablab.train.run import run_trial

        result = run_trial(spec, data_dir=Path(data_dir) if data_dir else None, verbose=0)
        return Outcome(spec.key, result, None, time.perf_counter() - start, os.getpid())
    except Exception as err:  # noqa: BLE001 - the driver stores it as a failed trial and goes on
        tail = "".join(traceback.format_exception(err)[-3:]).strip()
        return Outcome(spec.key, None, f"{type(err).__name__}: {err}\n{tail}", time.perf_counter() - start, os.getpid())
