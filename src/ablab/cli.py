"""The `ablab` command. Sets the Keras backend before anything imports keras, then runs the Typer app.

The backend is chosen here and only here: `--backend NAME` on the command line, else KERAS_BACKEND, else
TensorFlow (the fastest backend on CPU, see docs/benchmarks.md). Importing `ablab.commands` loads no command group;
`build_app` imports them, after `configure_backend`, and any keras import in them comes later still.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Mapping

from ablab.commands import build_app, run_app

BACKENDS = ("tensorflow", "jax", "torch")
M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4  # glibc's mallopt parameters (malloc.h)
KEEP_FREED_BYTES = 1 << 30  # free memory at the heap's top that malloc keeps rather than hands back


def _backend_from_argv(argv: list[str]) -> str | None:
    """Return the value of `--backend X` / `--backend=X` if given anywhere on the command line."""
    for i, arg in enumerate(argv):
        if arg == "--backend" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--backend="):
            return arg.split("=", 1)[1]
    return None


def configure_backend(argv: list[str]) -> str:
    """Set KERAS_BACKEND (and quiet TensorFlow's C++ logging) before keras is first imported.

    TensorFlow also gets its pooling (BFC) allocator on the CPU, unless the environment says otherwise: its default
    CPU allocator hands each large tensor back to the system, so every training step faults its pages in anew.
    Measured on a 2-core AMD EPYC (`ablab clock train` on 960 training clocks, float32):
    383–413 → 239–290 s wall, system
    CPU 190 → 63 s, page faults 55 M → 15 M, the same trained reader; peak memory 1.6 → 1.9–2.0 GB; a quick CNN
    trial unchanged (docs/benchmarks.md). Study workers are started from this process and inherit it. This process's
    malloc also keeps freed memory (keep_freed_memory)."""
    backend = _backend_from_argv(argv) or os.environ.get("KERAS_BACKEND") or "tensorflow"
    if backend not in BACKENDS:
        sys.stderr.write(f"error: unknown backend {backend!r}; known: {', '.join(BACKENDS)}\n")
        raise SystemExit(2)
    os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if backend == "tensorflow":
        os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
        keep_freed_memory(os.environ)
    return backend


def keep_freed_memory(environ: Mapping[str, str]) -> bool:
    """Have glibc's malloc serve large blocks from its heap and keep what is freed, instead of mapping each large
    block anew and unmapping it on free; True when it was set. Beside TensorFlow's pooling allocator, its CPU
    kernels (Eigen's contraction buffers) still allocate and free tens of MB per op, each fresh mapping faulting its
    pages in again. Measured on a 2-core AMD EPYC, training the shipped reader (`ablab clock train` on 24,000
    clocks): 47.0 → 34.4 min, system CPU 903 → 135 s, page faults 194 M → 0.64 M, peak memory 2.9 → 3.3 GB, the
    same weights (docs/clock_reader.md, docs/benchmarks.md). Left alone where GLIBC_TUNABLES already tunes malloc,
    and off glibc (macOS, musl)."""
    if "glibc.malloc" in environ.get("GLIBC_TUNABLES", ""):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_MAX, 0)) and bool(mallopt(M_TRIM_THRESHOLD, KEEP_FREED_BYTES))


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    argv = sys.argv[1:] if argv is None else argv
    configure_backend(argv)
    run_app(build_app(), argv)


if __name__ == "__main__":
    main()
