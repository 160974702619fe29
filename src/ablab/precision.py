"""Numeric precision of training: float32, or Keras' mixed bfloat16 (variables float32, compute bf16), and "auto",
which picks bf16 only where the CPU computes it natively (AMX or AVX512-BF16).

Why "auto" and not always bf16: on a CPU without those instructions bf16 is emulated and slower (an AMD EPYC
without them: a bf16 clock-reader epoch took ~2× a float32 one; the Géron CNN, docs/benchmarks.md), while an Intel
Xeon with AMX trains the Géron CNN at 659 image-passes/s in bf16 against 200 in float32 (batch 256). A leaf module:
the clock reader and the Géron models both use it.
"""

from __future__ import annotations

import contextlib

PRECISIONS = ("auto", "float32", "bfloat16")
BF16_CPU_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})  # native bf16 matrix math on x86 CPUs


def cpu_flags() -> frozenset[str]:
    """This machine's CPU feature flags (Linux /proc/cpuinfo; empty elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            line = next((line for line in f if line.startswith("flags")), "")
    except OSError:
        return frozenset()
    return frozenset(line.partition(":")[2].split())


def resolve_precision(precision: str, flags: frozenset[str] | None = None) -> str:
    """"auto" → "bfloat16" where the CPU computes bf16 natively, else "float32"; an explicit choice is kept."""
    if precision != "auto":
        return precision
    return "bfloat16" if (cpu_flags() if flags is None else flags) & BF16_CPU_FLAGS else "float32"


@contextlib.contextmanager
def keras_precision(precision: str):
    """Build under Keras' mixed bf16 policy where `precision` resolves to it (else float32), then restore."""
    import keras  # the caller's entry point has chosen the backend by now

    before = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(
        "mixed_bfloat16" if resolve_precision(precision) == "bfloat16" else "float32")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(before)
