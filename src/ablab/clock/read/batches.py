"""Training batches for a reader: float32 batches with each encoding's targets, and the augmentation layers.

Images stay uint8 in memory and become float32 one batch at a time. Augmentation is a stack of built-in Keras
random layers run inside the training graph (fast on every backend, no Python per image) and left out of the
saved reader.
"""

from __future__ import annotations

import math

import numpy as np

from ablab.clock.data.parts import ClockPart
from ablab.clock.read.config import ClockAugment
from ablab.clock.read.encodings import Encoding


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


def make_batches(part: ClockPart, encoding: Encoding, *, batch_size: int, seed: int | None, mirror_prob: float = 0.0):
    """A keras PyDataset over a split's uint8 (N, S, S) images: float32 (B, S, S, 1) batches, {head: target} dicts.

    seed=None keeps the order (evaluation); else the order is reshuffled every epoch from np.random.default_rng(seed).
    mirror_prob: chance that an image whose dial shows mirroring (numerals, writing: frame.mirror_cue) is flipped
    left-right, its camera flipped with it; the time it shows is unchanged (the dataset's convention), so this is
    label-preserving, and it balances the renderer's ~1-in-5 mirror images, which are what a reader finds hardest.
    """

    import keras

    class ClockBatches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__(workers=1, use_multiprocessing=False)
            encoding.targets(part.labels[:1],
                             None if part.frame is None else part.frame.take(slice(0, 1)))  # fail early
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
