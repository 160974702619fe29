"""Input pipeline for clock images: batches with encoded targets, augmentation layers, and image preparation.

Images stay uint8 in memory (a 100,000-image pool is 2.2 GB; float32 would be 9 GB) and become float32 one batch
at a time. Augmentation is a stack of built-in Keras random layers run inside the training graph (fast on every
backend, no Python per image) and left out of the saved reader.
"""

from __future__ import annotations

import math
from pathlib import Path
from dataclasses import dataclass

import numpy as np

from ablab.clock.config import ClockAugment
from ablab.clock.encodings import Encoding, Frame
from ablab.errors import AblabError


@dataclass(frozen=True)
class ClockPart:
    """One split: uint8 images (N, S, S), int labels (N, 2), and the camera per image when known."""

    images: np.ndarray
    labels: np.ndarray
    frame: Frame | None = None

    def __len__(self) -> int:
        return len(self.images)

    def take(self, idx) -> ClockPart:
        return ClockPart(self.images[idx], self.labels[idx], None if self.frame is None else self.frame.take(idx))


@dataclass(frozen=True)
class ClockArrays:
    train: ClockPart
    valid: ClockPart
    test: ClockPart


def augmenter(aug: ClockAugment, seed: int, *, rotate_ok: bool = True, shift_ok: bool = True):
    """A keras.Sequential of label-preserving random layers (identity at inference), or None if all are off.

    rotate_ok=False (targets are image angles) leaves rotation out, shift_ok=False (targets are image positions)
    also zoom and shift: they would change the targets.
    """
    import keras
    from keras import layers

    stack = []
    if aug.rotation and rotate_ok:
        stack.append(layers.RandomRotation(0.5, fill_mode="reflect", seed=seed))  # ±180°: any angle
    if aug.zoom_frac and shift_ok:
        stack.append(layers.RandomZoom(aug.zoom_frac, fill_mode="reflect", seed=seed + 1))
    if aug.shift_frac and shift_ok:
        stack.append(layers.RandomTranslation(aug.shift_frac, aug.shift_frac, fill_mode="reflect", seed=seed + 2))
    if aug.contrast:
        stack.append(layers.RandomContrast(aug.contrast, value_range=(0, 1), seed=seed + 3))
    if aug.brightness:
        stack.append(layers.RandomBrightness(aug.brightness, value_range=(0, 1), seed=seed + 4))
    if aug.invert_prob:
        stack.append(layers.RandomInvert(aug.invert_prob, value_range=(0, 1), seed=seed + 5))
    if aug.noise_gray:
        stack.append(layers.GaussianNoise(aug.noise_gray / 255.0, seed=seed + 6))
    if not stack:
        return None
    # the random layers work on [0, 1] images (GaussianNoise insists); the reader takes 0–255
    return keras.Sequential([layers.Rescaling(1.0 / 255.0), *stack, layers.Rescaling(255.0)], name="augment")


def _pydataset_base():
    import keras

    return keras.utils.PyDataset


def make_batches(part: ClockPart, encoding: Encoding, *, batch_size: int, seed: int | None, mirror_prob: float = 0.0):
    """A keras PyDataset over a split's uint8 (N, S, S) images: float32 (B, S, S, 1) batches, {head: target} dicts.

    seed=None keeps the order (evaluation); else the order is reshuffled every epoch from np.random.default_rng(seed).
    mirror_prob: chance that an image whose dial shows mirroring (numerals, writing: frame.mirror_cue) is flipped
    left-right, its camera flipped with it; the time it shows is unchanged (the dataset's convention), so this is
    label-preserving, and it balances the renderer's ~1-in-5 mirror images, which are what a reader finds hardest.
    """

    class ClockBatches(_pydataset_base()):
        def __init__(self):
            super().__init__(workers=1, use_multiprocessing=False)
            encoding.targets(part.labels[:1], None if part.frame is None else part.frame.take(slice(0, 1)))  # fail early
            self.rng = None if seed is None else np.random.default_rng(seed)
            self.flip_rng = np.random.default_rng(None if seed is None else seed + 1)
            cue = None if part.frame is None else part.frame.mirror_cue
            self.can_flip = mirror_prob > 0 and seed is not None and cue is not None
            self.order = np.arange(len(part))
            self.on_epoch_end()

        def __len__(self):
            return math.ceil(len(part) / batch_size)

        def __getitem__(self, i):
            idx = np.sort(self.order[i * batch_size : (i + 1) * batch_size])  # sorted: faster gather
            x = part.images[idx]
            frame = None if part.frame is None else part.frame.take(idx)
            if self.can_flip:
                flip = frame.mirror_cue & (self.flip_rng.random(len(idx)) < mirror_prob)
                x = np.where(flip[:, None, None], x[:, :, ::-1], x)
                frame = frame.flipped(flip)
            return x.astype(np.float32)[..., None], encoding.targets(part.labels[idx], frame)

        def on_epoch_end(self):
            if self.rng is not None:
                self.rng.shuffle(self.order)

    return ClockBatches()


def to_model_input(images, size: int, *, name: str = "images") -> np.ndarray:
    """(N, H, W) or (H, W) gray arrays of any size → float32 (N, size, size, 1), resized with antialiasing if needed.

    Raises AblabError naming `name` for arrays that are not 2-D images or stacks of them.
    """
    arr = np.asarray(images)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 3 or min(arr.shape[1:]) < 8:
        raise AblabError(f"{name}: expected grayscale images of shape (N, H, W), got an array of shape "
                         f"{np.asarray(images).shape}")
    if arr.shape[1:] != (size, size):
        arr = np.stack([resize_gray(a, size) for a in arr])
    return arr.astype(np.float32)[..., None]


def resize_gray(image: np.ndarray, size: int) -> np.ndarray:
    """One (H, W) gray image → (size, size) uint8; non-square images are padded with their border gray first."""
    from PIL import Image

    img = np.asarray(image)
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    h, w = img.shape
    if h != w:
        side = max(h, w)
        border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
        canvas = np.full((side, side), int(np.median(border)), np.uint8)
        canvas[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = img
        img = canvas
    return np.asarray(Image.fromarray(img).resize((size, size), Image.Resampling.LANCZOS))


def clock_data(preset: str, n_images: int, *, size: int, seed: int, data_dir: Path, workers: int | None = None,
               landmarks: bool = True) -> ClockArrays:
    """n_images clocks of `preset` (made once, cached under data_dir in the report's format), split 80/10/10."""
    from ablab.clock.dataset import load

    folder = Path(data_dir) / f"clock-{preset}-{size}px-n{n_images}-seed{seed}"
    if not (folder / "labels.npy").exists():
        _generate_into(folder, preset, n_images, size=size, seed=seed, workers=workers)
    return from_splits(load(folder, seed=seed), landmarks=landmarks)


def _generate_into(folder: Path, preset: str, n: int, *, size: int, seed: int, workers: int | None) -> None:
    """Render into a temporary sibling, then rename: concurrent trials never see a half-written directory."""
    import os
    import shutil

    from ablab.clock.generate import generate, write_clockset

    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    write_clockset(generate(preset, n, size=size, seed=seed, workers=workers), tmp, sheet_count=36)
    try:
        tmp.rename(folder)
    except OSError:  # another process finished first: keep theirs (same seed, same bytes)
        shutil.rmtree(tmp, ignore_errors=True)


def from_splits(splits, *, landmarks: bool = True) -> ClockArrays:
    """ablab.clock.dataset.ClockSplits → ClockArrays, with each image's camera when the directory has it, and its
    landmarks and mirror cues (replayed from the generator once, then cached in the directory) where possible."""
    from ablab.clock.landmarks import directory_landmarks

    geometry = None
    if landmarks:
        n = len(splits.index_train) + len(splits.index_valid) + len(splits.index_test)
        geometry = directory_landmarks(Path(splits.source), n, splits.meta, splits.rotation_deg, splits.mirrored)
    points, cue = geometry if geometry is not None else (None, None)

    def part(x, y, index):
        frame = None
        if splits.rotation_deg is not None and splits.mirrored is not None:
            frame = Frame(splits.rotation_deg[index], splits.mirrored[index],
                          None if points is None else points[index], None if cue is None else cue[index])
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
