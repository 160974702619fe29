"""Executors: where trials run. One interface, three implementations.

- `LocalExecutor`: a pool of spawned worker processes (each sets its backend and seeds itself per trial); on a
  machine with a GPU, floor(1 / fraction) workers share it (ablab.studies.gpus).
- `InlineExecutor` (`--workers 0`): trials in the driver process, one at a time (debugging, tests).
- `RayExecutor` (ablab.studies.ray_executor): each trial a Ray task, on a local Ray or a cluster.

Executors never touch the store: the driver claims a trial, submits it, and stores the Outcome it gets back.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Protocol

from ablab.errors import AblabError, unknown_name
from ablab.studies.gpus import check_fraction, default_fraction, local_gpu_count, trials_per_gpu
from ablab.studies.worker import Outcome, WorkerSetup, compile_cache_dir, execute, init_worker

EXECUTORS = ("local", "ray")


class Executor(Protocol):
    """Runs trials and hands back their Outcomes. `slots` is how many trials the driver keeps in flight."""

    name: str
    slots: int

    def submit(self, spec) -> None: ...

    def next_done(self, timeout_s: float) -> list[Outcome]: ...

    def close(self) -> None: ...


def cpu_count() -> int:
    """CPUs this process may use (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def threads_per_worker(workers: int) -> int:
    """Split the CPUs between workers so that they do not oversubscribe the cores."""
    return max(1, cpu_count() // max(1, workers))


class InlineExecutor:
    """Runs each trial in this process when the driver asks for results."""

    name = "inline"
    slots = 1

    def __init__(self, data_dir: Path | None, setup: WorkerSetup):
        self.data_dir, self.setup = data_dir, setup
        self._queue: list = []

    def submit(self, spec) -> None:
        self._queue.append(spec)

    def next_done(self, timeout_s: float) -> list[Outcome]:
        return [execute(self._queue.pop(0), self.data_dir, self.setup)] if self._queue else []

    def close(self) -> None:
        self._queue.clear()


class LocalExecutor:
    """`workers` spawned processes (spawn: no keras state is inherited; each worker imports it fresh)."""

    name = "local"

    def __init__(self, workers: int, data_dir: Path | None, setup: WorkerSetup):
        self.slots, self.data_dir, self.setup = workers, data_dir, setup
        self._futures: dict[Future, str] = {}
        self._pool: ProcessPoolExecutor | None = None

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.slots,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=init_worker,
                initargs=(self.setup,),
            )
        return self._pool

    def submit(self, spec) -> None:
        data_dir = str(self.data_dir) if self.data_dir else None
        self._futures[self._ensure_pool().submit(execute, spec, data_dir)] = spec.key

    def next_done(self, timeout_s: float) -> list[Outcome]:
        if not self._futures:
            return []
        done, _ = wait(list(self._futures), timeout=timeout_s, return_when=FIRST_COMPLETED)
        outcomes = [self._outcome(future, self._futures.pop(future)) for future in done]
        if any(o.error and o.error.startswith("BrokenProcessPool") for o in outcomes):
            self._pool = None  # a worker died (killed, out of memory): start a fresh pool for the next trials
        return outcomes

    @staticmethod
    def _outcome(future: Future, key: str) -> Outcome:
        try:
            return future.result()
        except BrokenProcessPool as err:
            return Outcome(key, None, f"BrokenProcessPool: a worker process died ({err})", 0.0, -1)
        except Exception as err:  # noqa: BLE001 - e.g. the result could not be pickled
            return Outcome(key, None, f"{type(err).__name__}: {err}", 0.0, -1)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


DEFAULT_LOCAL_WORKERS = 2  # on a CPU: two workers measured best on this 2-core machine (docs/benchmarks.md)


def local_gpu_plan(workers: int | None, gpus_per_trial: float | None, gpus: int,
                   models: list[str]) -> tuple[int, float | None]:
    """(worker processes, GPU fraction per worker) for the local executor on a machine with `gpus` GPUs.

    Without a GPU: the workers asked for (default 2) and no GPU settings. With one: floor(1 / fraction) workers
    share GPU 0 (fraction: --gpus-per-trial, else the models' default), unless --workers says otherwise;
    --gpus-per-trial 0 keeps every worker off the GPU.
    """
    if gpus_per_trial is not None:
        check_fraction(gpus_per_trial, gpus)
    if gpus == 0:
        return (DEFAULT_LOCAL_WORKERS if workers is None else workers), None
    fraction = default_fraction(models or ["cnn"], gpus) if gpus_per_trial is None else min(1.0, gpus_per_trial)
    if workers is None:
        workers = trials_per_gpu(fraction) if fraction > 0 else DEFAULT_LOCAL_WORKERS
    return workers, fraction


def make_executor(
    kind: str,
    *,
    workers: int | None,
    data_dir: Path | None,
    backend: str = "tensorflow",
    ray_address: str | None = None,
    hook: str | None = None,
    gpus_per_trial: float | None = None,
    models: list[str] | None = None,
    local_gpus: int | None = None,
) -> Executor:
    """The executor named `kind` ('local' or 'ray'). `workers=0` with 'local' runs trials in this process;
    None: the default (local: 2 on a CPU, floor(1 / fraction) on a GPU machine; Ray: the cluster's capacity).
    `gpus_per_trial` None picks the fraction from `models` (0 without GPUs); `local_gpus` None asks nvidia-smi."""
    if kind not in EXECUTORS:
        raise unknown_name("executor", kind, EXECUTORS)
    if workers is not None and workers < 0:
        raise AblabError(f"--workers {workers}: give 0 (in this process) or more worker processes")
    if kind == "ray":
        from ablab.studies.ray_executor import RayExecutor

        return RayExecutor(workers=workers or 0, address=ray_address, data_dir=data_dir, backend=backend, hook=hook,
                           gpus_per_trial=gpus_per_trial, models=models or [])
    if ray_address:
        raise AblabError("--ray-address needs --executor ray")
    gpus = local_gpu_count() if local_gpus is None else local_gpus
    workers, fraction = local_gpu_plan(workers, gpus_per_trial, gpus, models or [])
    if workers == 0:  # one trial at a time in this process: it may use the whole GPU
        return InlineExecutor(data_dir, WorkerSetup(backend=backend, threads=0, hook=hook,
                                                    compile_cache=compile_cache_dir(data_dir)))
    return LocalExecutor(workers, data_dir, WorkerSetup(backend, threads_per_worker(workers), hook, fraction,
                                                        compile_cache_dir(data_dir)))
