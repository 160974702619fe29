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

_STATE: dict = {"ready": False, "device": None}


@dataclass(frozen=True)
class WorkerSetup:
    """How every worker prepares itself. `threads` = 0 leaves the backend's own choice.

    `gpu_fraction`: None leaves the GPUs as the process finds them; 0 hides them (CPU trials on a GPU machine must
    not each grab the GPU's memory); > 0 shares the GPU, each worker's backend capped to its share of the memory.
    """

    backend: str = "tensorflow"
    threads: int = 0
    hook: str | None = None  # "module:function", called once per worker process
    gpu_fraction: float | None = None
    compile_cache: str | None = None  # JAX: its persistent compilation cache here (compile_cache_dir)


@dataclass
class Outcome:
    """A finished trial as the driver sees it: the TrialResult, or the error that stopped it."""

    key: str
    result: object | None
    error: str | None
    worker_wall_s: float  # the whole call in the worker: worker and trial set-up, fit, evaluate
    pid: int
    started_at: float = 0.0  # time.time() when the worker took the trial, set-up included (concurrency figures)
    gpu_ids: tuple[str, ...] = ()  # the GPUs Ray assigned to the task (empty elsewhere)


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
    os.environ.update(gpu_environment(setup.gpu_fraction))
    _import_keras_quietly()
    if setup.backend == "jax" and setup.compile_cache:
        enable_jax_compilation_cache(Path(setup.compile_cache))
    _STATE["device"] = detect_device()
    call_hook(setup.hook)
    _STATE["ready"] = True


def compile_cache_dir(data_dir: Path | str | None) -> str | None:
    """Where workers keep JAX's compiled steps: beside the datasets cache (~/.cache/ablab/jax-compilation)."""
    return str(Path(data_dir).parent / "jax-compilation") if data_dir else None


def enable_jax_compilation_cache(path: Path) -> None:
    """JAX's persistent compilation cache in `path`: a trial whose steps have the shapes of an earlier one (every
    seed of a cell, most rows of a table) loads them instead of compiling (bench/trial_time.py)."""
    import jax

    path.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


def gpu_environment(fraction: float | None) -> dict[str, str]:
    """Environment a worker needs before its backend loads to share (or keep off) the GPU at `fraction`."""
    from ablab.studies.gpus import memory_fraction

    if fraction is None:
        return {}
    if fraction == 0:
        return {"CUDA_VISIBLE_DEVICES": ""}
    # JAX preallocates 75% of the GPU per process and TensorFlow all of it: cap each sharer to its share
    return {"XLA_PYTHON_CLIENT_MEM_FRACTION": str(memory_fraction(fraction)), "TF_FORCE_GPU_ALLOW_GROWTH": "true"}


def detect_device() -> str:
    """Where this process's Keras backend computes: "cpu" or the first GPU's model name (e.g. "NVIDIA H200").

    Naming the device needs the backend's own API, so it lives here, at a worker's entry point, and reaches the
    library (run_trial) as a parameter.
    """
    import keras

    try:
        return _BACKEND_DEVICE.get(keras.backend.backend(), lambda: "cpu")()
    except Exception as err:  # noqa: BLE001 - never fail a trial over its label; record why instead
        return f"unknown ({type(err).__name__})"


def _jax_device() -> str:
    import jax

    device = jax.devices()[0]
    return "cpu" if device.platform == "cpu" else device.device_kind


def _tensorflow_device() -> str:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU") if gpus else "cpu"


def _torch_device() -> str:
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"


_BACKEND_DEVICE = {"jax": _jax_device, "tensorflow": _tensorflow_device, "torch": _torch_device}


def current_device() -> str:
    """The device detected at this worker's start (detected now if the process skipped init_worker)."""
    if _STATE["device"] is None:
        _STATE["device"] = detect_device()
    return _STATE["device"]


def ray_gpu_ids() -> tuple[str, ...]:
    """The GPU ids Ray assigned to the running task; () outside a Ray task."""
    if "ray" not in sys.modules:
        return ()
    import ray

    if not ray.is_initialized():
        return ()
    return tuple(str(i) for i in ray.get_runtime_context().get_accelerator_ids().get("GPU", []))


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
    started_at, start = time.time(), time.perf_counter()
    if setup is not None:
        init_worker(setup)
    where = {"started_at": started_at, "gpu_ids": ray_gpu_ids()}
    try:
        from ablab.train.run import run_trial

        result = run_trial(spec, data_dir=Path(data_dir) if data_dir else None, verbose=0, device=current_device())
        return Outcome(spec.key, result, None, time.perf_counter() - start, os.getpid(), **where)
    except Exception as err:  # noqa: BLE001 - the driver stores it as a failed trial and goes on
        tail = "".join(traceback.format_exception(err)[-3:]).strip()
        error = f"{type(err).__name__}: {err}\n{tail}"
        return Outcome(spec.key, None, error, time.perf_counter() - start, os.getpid(), **where)
