"""Generated sets made once and cached under a data directory (clock_data), split 80/10/10 into ClockArrays with
each image's camera and landmarks; and extra test sets of another preset (preset_test_set).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ablab.clock.data.dataset import load
from ablab.clock.data.parts import ClockArrays, ClockPart
from ablab.clock.draw.presets import preset_revision


def clock_data(preset: str, n_images: int, *, size: int, seed: int, data_dir: Path,
               workers: int | None = None) -> ClockArrays:
    """n_images clocks of `preset` (made once, cached under data_dir in the report's format), split 80/10/10.
    A preset whose drawing changed (presets.PRESET_REVISIONS) caches under a name with its revision."""
    revision = preset_revision(preset)
    suffix = f"-r{revision}" if revision > 1 else ""
    folder = Path(data_dir) / f"clock-{preset}-{size}px-n{n_images}-seed{seed}{suffix}"
    if not (folder / "labels.npy").exists():
        _generate_into(folder, preset, n_images, size=size, seed=seed, workers=workers)
    return load(folder, seed=seed)


def _generate_into(folder: Path, preset: str, n: int, *, size: int, seed: int, workers: int | None) -> None:
    """Render into a temporary sibling, then rename: concurrent trials never see a half-written directory."""
    import os
    import shutil

    from ablab.clock.data.generate import generate, write_clock_dir

    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    write_clock_dir(generate(preset, n, size=size, seed=seed, workers=workers), tmp, sheet_count=36)
    try:
        tmp.rename(folder)
    except OSError:  # another process finished first: keep theirs (same seed, same bytes)
        shutil.rmtree(tmp, ignore_errors=True)


def preset_test_set(preset: str, config, *, data_dir: Path) -> ClockPart:
    """An extra test set of `preset`: a tenth of config.n_images, from its own seed (never seen in training)."""
    data = clock_data(preset, max(20, config.n_images // 10), size=config.image_size, seed=config.data_seed + 10_007,
                      data_dir=data_dir)
    return ClockPart(*(np.concatenate([getattr(getattr(data, s), k) for s in ("train", "valid", "test")])
                       for k in ("images", "labels")))
