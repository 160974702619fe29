"""Generate a clock data set in the report's format, on all cores, reproducibly.

Sample i is a pure function of (preset, seed, i, size): its generator is seeded with SeedSequence(seed, spawn_key=(i,)),
its time is that generator's first draw (uniform over the 720 times), its style the following draws. So the bytes
never depend on the worker count or on chunking, and the first k samples of a set of n are the set of k.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from ablab import __version__
from ablab.clock.data import dataset
from ablab.clock.data.dataset import ClockData
from ablab.clock.data.landmarks import LANDMARKS, style_ellipse, style_landmarks
from ablab.clock.draw.presets import parse_preset
from ablab.clock.draw.render import render_sample
from ablab.clock.draw.sheet import contact_sheet
from ablab.clock.draw.style import has_mirror_cue
from ablab.errors import AblabError

MINUTES_PER_HALF_DAY = 720
MAX_CHUNK = 250  # samples per task: small enough for a smooth progress bar, large enough to amortize pickling


def sample_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of sample `index` of a set made with `seed` (independent streams, any order)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def sample_time(rng: np.random.Generator) -> tuple[int, int]:
    """(hour 0-11, minute 0-59), uniform over the 720 times of a half day: the first draw of a sample's generator."""
    hour, minute = divmod(int(rng.integers(MINUTES_PER_HALF_DAY)), 60)
    return hour, minute


def render_range(preset: str, seed: int, start: int, stop: int, size: int):
    """Render samples start..stop-1; returns (start, {ClockData array field: that slice's values})."""
    count = stop - start
    out = _empty_arrays(count, size)
    for k in range(count):
        rng = sample_rng(seed, start + k)
        hour, minute = sample_time(rng)
        out["images"][k], style = render_sample(hour, minute, preset, rng, size=size)
        out["labels"][k] = hour, minute
        out["rotation_deg"][k], out["mirrored"][k] = style.rotation_deg, style.mirrored
        out["landmarks"][k] = style_landmarks(style, hour, minute, size)
        out["ellipse"][k] = style_ellipse(style, size)
        out["mirror_cue"][k] = has_mirror_cue(style)
    return start, out


def _empty_arrays(n: int, size: int) -> dict[str, np.ndarray]:
    """The per-sample arrays of a ClockData of n samples, unfilled."""
    return {"images": np.empty((n, size, size), np.uint8), "labels": np.empty((n, 2), np.int64),
            "rotation_deg": np.empty(n, np.float64), "mirrored": np.empty(n, bool),
            "landmarks": np.empty((n, len(LANDMARKS), 2), np.float32), "mirror_cue": np.empty(n, bool),
            "ellipse": np.empty((n, 5), np.float32)}


def chunk_ranges(n: int, workers: int) -> list[tuple[int, int]]:
    """Split 0..n into about 8 tasks per worker, at most MAX_CHUNK samples each."""
    size = max(1, min(MAX_CHUNK, math.ceil(n / (8 * workers))))
    return [(start, min(n, start + size)) for start in range(0, n, size)]


def check_arguments(preset: str, n: int, size: int, workers: int | None) -> None:
    """Raise AblabError for an unknown preset or non-positive counts."""
    parse_preset(preset)
    if n < 1:
        raise AblabError(f"--n must be at least 1 (got {n})")
    if size < 32:
        raise AblabError(f"--size must be at least 32 pixels (got {size})")
    if workers is not None and workers < 1:
        raise AblabError(f"--workers must be at least 1 (got {workers})")


def generate(
    preset: str,
    n: int,
    *,
    size: int = 150,
    seed: int,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ClockData:
    """Render n clocks of `preset` at size×size with `seed`, on `workers` processes (default: all cores).

    progress(done, total) is called after each chunk. workers=1 renders in this process (no pool). The set's meta is
    what its meta.json records (set_meta).
    """
    check_arguments(preset, n, size, workers)
    workers = min(workers or os.cpu_count() or 1, n)
    arrays = _empty_arrays(n, size)
    done = 0
    for start, chunk in _run_chunks(preset, seed, size, n, workers):
        count = len(chunk["labels"])
        for name, values in chunk.items():
            arrays[name][start : start + count] = values
        done += count
        if progress is not None:
            progress(done, n)
    meta = set_meta(preset, seed, n, size, float(np.mean(arrays["mirrored"])))
    return ClockData(**arrays, meta=meta, source=f"generated {preset} clocks, seed {seed}")


def _run_chunks(preset: str, seed: int, size: int, n: int, workers: int):
    """Yield rendered chunks as they finish: in this process for one worker, else on a spawn-started pool
    (spawn: safe with threads in the parent, same behaviour on every OS)."""
    ranges = chunk_ranges(n, workers)
    if workers == 1:
        for start, stop in ranges:
            yield render_range(preset, seed, start, stop, size)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(render_range, preset, seed, start, stop, size) for start, stop in ranges]
        for future in as_completed(futures):
            yield future.result()


def write_clock_dir(data: ClockData, out_dir: str | Path, *, sheet_count: int = 36) -> Path:
    """Write a generated set in the report's format (images.npy, labels.npy) plus the camera (rotation_deg.npy,
    mirrored.npy), the landmarks (landmarks.npy, mirror_cue.npy), the dial's ellipse (ellipse.npy), meta.json
    (data.meta) and a labelled contact sheet of the first `sheet_count` images. Returns the directory."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / dataset.IMAGES_FILE, data.images)
    np.save(out / dataset.LABELS_FILE, data.labels)
    np.save(out / dataset.ROTATION_FILE, data.rotation_deg)
    np.save(out / dataset.MIRRORED_FILE, data.mirrored)
    np.save(out / dataset.LANDMARKS_FILE, data.landmarks)
    np.save(out / dataset.MIRROR_CUE_FILE, data.mirror_cue)
    np.save(out / dataset.ELLIPSE_FILE, data.ellipse)
    (out / dataset.META_FILE).write_text(json.dumps(data.meta, indent=2) + "\n")
    k = min(sheet_count, len(data))
    sheet = contact_sheet(data.images[:k], data.labels[:k], data.mirrored[:k])
    sheet.save(out / dataset.SHEET_FILE)
    return out


def set_meta(preset: str, seed: int, n: int, size: int, mirrored_fraction: float) -> dict:
    """What meta.json records: enough to regenerate the same bytes (preset, seed, n, size, ablab version)."""
    return {
        "format": "ablab-clock/1",
        "preset": preset,
        "seed": seed,
        "n": n,
        "size": size,
        "ablab_version": __version__,
        "labels": "int64 (N, 2): [hour 0-11 (12 o'clock is 0), minute 0-59], the time the unmirrored clock shows",
        "files": {
            "images": dataset.IMAGES_FILE,
            "labels": dataset.LABELS_FILE,
            "rotation_deg": dataset.ROTATION_FILE,
            "mirrored": dataset.MIRRORED_FILE,
            "landmarks": dataset.LANDMARKS_FILE,
            "mirror_cue": dataset.MIRROR_CUE_FILE,
            "ellipse": dataset.ELLIPSE_FILE,
            "contact_sheet": dataset.SHEET_FILE,
        },
        "ellipse": "float32 (N, 5): the dial's outline in the face's plane, in image pixels: centre x, y, half-axes "
                   "(major, minor), major axis angle in degrees clockwise from image-right, [0, 180)",
        "mirrored_fraction": mirrored_fraction,
    }
