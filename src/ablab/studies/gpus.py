"""GPU sharing: what fraction of a GPU each trial asks for, and how many trials that packs onto a GPU.

The report's networks are small (the Géron CNN is ~0.4 M parameters, a few hundred MB of activations at batch
256), so one trial leaves most of a modern GPU idle; several trials share it. The fraction is a Ray resource
request (`num_gpus=0.25`: four trials per GPU) and, for the local executor, the number of worker processes put
on the machine's GPU (floor(1 / fraction)). Each sharing worker caps its backend's GPU memory to its fraction.
"""

from __future__ import annotations

import math
import shutil
import subprocess

from ablab.errors import AblabError

# Fraction of one GPU a trial of each model family asks for by default. cnn: measured by bench/full_profile.py on
# an H200 (JAX, the reference CNN, 2026-11-30): aggregate steady image-passes/s 165k / 290k / 381k / 475k for
# 1 / 2 / 4 / 8 trials sharing it, so 8 (docs/benchmarks.md). mlp and clock: not measured on a GPU yet.
DEFAULT_GPU_FRACTION = {"mlp": 0.125, "cnn": 0.125, "clock": 0.5}
FALLBACK_GPU_FRACTION = 0.5  # a model family not in the table
MEMORY_HEADROOM = 0.9  # of its fraction, the memory a sharing worker lets its backend take (the rest: CUDA context)


def model_family(model: str) -> str:
    """'cnn', 'mlp', or 'clock' for every clock-* model."""
    return "clock" if model.startswith("clock") else model


def default_fraction(models: list[str], cluster_gpus: float) -> float:
    """The GPU fraction for trials of these models: 0 without GPUs, else the largest any of the models needs
    (one executor serves the whole run, so the biggest model sets the packing)."""
    if cluster_gpus <= 0 or not models:
        return 0.0
    return max(DEFAULT_GPU_FRACTION.get(model_family(m), FALLBACK_GPU_FRACTION) for m in models)


def check_fraction(fraction: float, cluster_gpus: float) -> float:
    """A valid --gpus-per-trial: in (0, 1] or a whole number of GPUs, and not more GPUs than exist."""
    if fraction < 0 or (fraction > 1 and not float(fraction).is_integer()):
        raise AblabError(
            f"--gpus-per-trial {fraction}: give 0 (CPU only), a fraction in (0, 1] such as 0.25 (four trials per GPU) "
            "or a whole number of GPUs"
        )
    if fraction > 0 and cluster_gpus <= 0:
        raise AblabError(
            f"--gpus-per-trial {fraction}: this machine or cluster has no GPU, so no trial could start; "
            "drop the option (CPU) or run where a GPU is"
        )
    if fraction > cluster_gpus:
        raise AblabError(f"--gpus-per-trial {fraction}: more than the {cluster_gpus:g} GPU(s) there are")
    return float(fraction)


def trials_per_gpu(fraction: float) -> int:
    """How many trials share one GPU at this fraction (0 when trials use no GPU)."""
    return math.floor(1 / fraction + 1e-9) if 0 < fraction <= 1 else (1 if fraction > 1 else 0)


def local_gpu_count() -> int:
    """NVIDIA GPUs on this machine, from `nvidia-smi -L` (0 without the driver), without importing a backend:
    the driver decides how many workers to start before any of them loads keras."""
    if shutil.which("nvidia-smi") is None:
        return 0
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    return sum(line.startswith("GPU ") for line in out.stdout.splitlines())


def memory_fraction(fraction: float) -> float:
    """Share of the GPU's memory a worker's backend may take when trials share the GPU at `fraction`."""
    return round(min(1.0, fraction) * MEMORY_HEADROOM, 3)
