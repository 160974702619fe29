"""Generated sets made once and cached under a data directory (clock_data), split 80/10/10 into ClockArrays with
each image's camera and landmarks; and extra test sets of another preset (preset_test_set).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ablab.clock.data.dataset import load
from ablab.clock.data.parts import ClockArrays, ClockPart, Frame


def clock_data(preset: str, n_images: int, *, size: int, seed: int, data_dir: Path,
               workers: int | None = None) -> ClockArrays:
    """n_images clocks of `preset` (made once, cached under data_dir in the report's format), split 80/10/10."""
    folder = Path(data_dir) / f"clock-{preset}-{size}px-n{n_images}-seed{seed}"
    if not (folder / "labels.npy").exists():
        _generate_into(folder, preset, n_images, size=size, seed=seed, workers=workers)
    return from_splits(load(folder, seed=seed))


def _generate_into(folder: Path, preset: str, n: int, *, size: int, seed: int, workers: int | None) -> None:
    """Render into a temporary sibling, then rename: concurrent trials never see a half-written directory."""
    import os
    import shutil

    from ablab.clock.data.generate import generate, write_clockset

    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    write_clockset(generate(preset, n, size=size, seed=seed, workers=workers), tmp, sheet_count=36)
    try:
        tmp.rename(folder)
    except OSError:  # another process finished first: keep theirs (same seed, same bytes)
        shutil.rmtree(tmp, ignore_errors=True)


def from_splits(splits) -> ClockArrays:
    """ablab.clock.data.dataset.ClockSplits → ClockArrays, with each image's camera, landmarks and mirror cue where
    the directory has them (sets made by `ablab clock generate`)."""

    def pick(values, index):
        return None if values is None else values[index]

    def part(x, y, index):
        frame = None
        if splits.rotation_deg is not None and splits.mirrored is not None:
            frame = Frame(splits.rotation_deg[index], splits.mirrored[index], pick(splits.landmarks, index),
                          pick(splits.mirror_cue, index))
        return ClockPart(x, y, frame)

    return ClockArrays(
        train=part(splits.x_train, splits.y_train, splits.index_train),
        valid=part(splits.x_valid, splits.y_valid, splits.index_valid),
        test=part(splits.x_test, splits.y_test, splits.index_test),
    )


def preset_test_set(preset: str, config, *, data_dir: Path) -> ClockPart:
    """An extra test set of `preset`: a tenth of config.n_images, from its own seed (never seen in training)."""
    data = clock_data(preset, max(20, config.n_images // 10), size=config.image_size, seed=config.data_seed + 10_007,
                      data_dir=data_dir)
    return ClockPart(*(np.concatenate([getattr(getattr(data, s), k) for s in ("train", "valid", "test")])
                       for k in ("images", "labels")))
