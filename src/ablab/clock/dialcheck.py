"""Dial check: a second network that looks at the dial turned upright and says where the 12 really is, and
whether the dial is a mirror image.

Why: the `landmarks` reader finds the centre and hand tips to a few pixels, but on the `varied` set it takes the
wrong side for the 3 (a mirror image) on ~12% of dials and a wrong numeral for the 12 on ~9% (a 3/9 or a 6 read
as the 12, Roman numerals, lone marks) — those few readings are most of the mean error (measured: with the true
mirror flag and 12 the same points give 8 min instead of 37). Once the reader's points are known, the dial can be
cut out centred on its centre, scaled to its radius and turned so the supposed 12 is up: numerals are then upright
(or upright and mirrored), which is much easier to judge than at an arbitrary angle. The dial check classifies
such a crop into 24 classes: which of the 12 hour positions (k·30° clockwise of up) the true 12 is at, and
mirrored or not.

Training needs no reader: crops are cut with the generator's true landmarks, jittered like a reader's points
(centre ±1.5 px, 12 direction ±4°, radius ±10%), and half of them turned by a random k·30° so every wrong 12 is
seen; dials that show mirroring are flipped half the time (as ablab.clock.pipeline does for the reader).

Saved together with the reader as one `.keras` file (ablab.clock.stages.two_stage_model).
"""

from __future__ import annotations

import math
import time

import numpy as np

CROP_PX = 96  # side of the upright dial crop the dial check sees
CROP_MARGIN = 1.15  # the crop's half side, in dial radii: the whole dial with its rim
TURNS = 12  # where the true 12 can be: k·30° clockwise of the crop's up, k = 0..11
DIAL_NET = "dial_check"
CLASSES = 2 * TURNS  # class = k + 12·mirrored


def dial_geometry(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N, 7, 2) landmark points → (centre (N, 2), 12 direction (N,) rad clockwise from image-up, dial radius (N,)),
    centre and radius in normalized image units (the 12 point sits at DIAL_RHO radii)."""
    from ablab.clock.landmarks import DIAL_RHO, LANDMARKS

    centre = points[:, LANDMARKS.index("centre")]
    up = points[:, LANDMARKS.index("dial12")] - centre
    return centre, np.arctan2(up[:, 0], -up[:, 1]), np.linalg.norm(up, axis=-1) / DIAL_RHO


def dial_crops(images: np.ndarray, centre: np.ndarray, twelve_rad: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """uint8 (N, S, S) → uint8 (N, CROP_PX, CROP_PX): each dial centred, CROP_MARGIN radii to each side, turned so
    that the direction twelve_rad points up; outside the image is filled with its border gray (as in tta)."""
    from PIL import Image

    size = images.shape[1]
    crops = np.empty((len(images), CROP_PX, CROP_PX), np.uint8)
    for i, image in enumerate(np.asarray(images, np.uint8)):
        scale = radius[i] * CROP_MARGIN * size / CROP_PX  # image px per crop px (radius: normalized, half = 1)
        cos, sin = math.cos(twelve_rad[i]), math.sin(twelve_rad[i])
        # crop pixel (u, v) from its centre ↦ image = centre + scale·(u·(cos, sin) + v·(−sin, cos))
        a, b, d, e = scale * cos, -scale * sin, scale * sin, scale * cos
        cx, cy = (centre[i] + 1.0) / 2.0 * size
        affine = (a, b, cx - (a + b) * CROP_PX / 2, d, e, cy - (d + e) * CROP_PX / 2)
        fill = int(np.median(np.concatenate([image[0], image[-1]])))
        crops[i] = np.asarray(Image.fromarray(image).transform(
            (CROP_PX, CROP_PX), Image.Transform.AFFINE, affine, resample=Image.Resampling.BILINEAR, fillcolor=fill))
    return crops


def training_crops(part, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A ClockPart with landmarks → (crops uint8 (N, CROP_PX, CROP_PX), classes int32 (N,)), one jittered crop per
    image: half with the true 12 up (k = 0), half turned so that it sits at a random other k."""
    frame, n = part.frame, len(part)
    centre, twelve_rad, radius = dial_geometry(frame.landmarks)
    turn = np.where(rng.random(n) < 0.5, 0, rng.integers(1, TURNS, n))
    crops = dial_crops(part.images, centre + rng.normal(0.0, 1.5 / 75.0, (n, 2)),  # ±1.5 px at 150 px
                       twelve_rad - turn * (2 * math.pi / TURNS) + np.deg2rad(rng.normal(0.0, 4.0, n)),
                       radius * rng.uniform(0.9, 1.1, n))
    flip = np.asarray(frame.mirror_cue, bool) & (rng.random(n) < 0.5)  # a flipped crop: mirror toggles, k → −k
    crops = np.where(flip[:, None, None], crops[:, :, ::-1], crops)
    turn = np.where(flip, (TURNS - turn) % TURNS, turn)
    return crops, (turn + TURNS * (np.asarray(frame.mirrored, bool) ^ flip)).astype(np.int32)


def build_dial_net():
    """uint8-valued (N, CROP_PX, CROP_PX, 1) → (N, CLASSES) softmax: a 5×5 stride-2 stem and four conv blocks,
    then Flatten (where the 12 is, is a position) and a small dense layer: ~40 M multiply-adds a crop."""
    import keras
    from keras import layers

    from ablab.clock.models import _conv_bn_relu

    inputs = keras.Input((CROP_PX, CROP_PX, 1), name="dial_crop")
    x = _conv_bn_relu(layers.Rescaling(1.0 / 255.0, name="dial_scale")(inputs), 24, 5, 2, "dial_stem")
    for i, width in enumerate((32, 64, 96, 128)):
        x = layers.MaxPooling2D(2, name=f"dial{i}_pool")(_conv_bn_relu(x, width, 3, 1, f"dial{i}"))
    x = layers.Dense(128, activation="relu", name="dial_features")(layers.Flatten(name="dial_flatten")(x))
    outputs = layers.Dense(CLASSES, activation="softmax", dtype="float32", name="dial_class")(x)
    return keras.Model(inputs, outputs, name=DIAL_NET)


def fit_dial_net(dial_net, part, *, epochs: int, seed: int, batch_size: int = 64, lr: float = 2e-3) -> float:
    """Train dial_net on jittered crops of part (a ClockPart with landmarks); returns the wall time in s, crops
    included. AdamW with a half-epoch warm-up and cosine decay, as the reader."""
    import keras

    start = time.perf_counter()
    crops, classes = training_crops(part, np.random.default_rng(seed))
    steps_per_epoch = math.ceil(len(crops) / batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(0.0, steps_per_epoch * epochs, warmup_target=lr,
                                                      warmup_steps=steps_per_epoch // 2)
    dial_net.compile(optimizer=keras.optimizers.AdamW(schedule), loss="sparse_categorical_crossentropy")
    dial_net.fit(_crop_batches(crops, classes, batch_size, seed), epochs=epochs, verbose=0)
    return time.perf_counter() - start


def _crop_batches(crops: np.ndarray, classes: np.ndarray, batch_size: int, seed: int):
    """A keras PyDataset of shuffled float32 (B, CROP_PX, CROP_PX, 1) batches: crops stay uint8 in memory."""
    from ablab.clock.pipeline import _pydataset_base

    class CropBatches(_pydataset_base()):
        def __init__(self):
            super().__init__(workers=1, use_multiprocessing=False)
            self.rng, self.order = np.random.default_rng(seed), np.arange(len(crops))
            self.on_epoch_end()

        def __len__(self):
            return math.ceil(len(crops) / batch_size)

        def __getitem__(self, i):
            idx = np.sort(self.order[i * batch_size : (i + 1) * batch_size])
            return crops[idx].astype(np.float32)[..., None], classes[idx]

        def on_epoch_end(self):
            self.rng.shuffle(self.order)

    return CropBatches()


def dial_outputs(predict_dial, images: np.ndarray, points: np.ndarray, *, chunk: int = 256) -> dict:
    """uint8 (N, S, S) and the reader's (N, 7, 2) points → {"dial": (N, CLASSES) probabilities}; predict_dial maps
    float32 (B, CROP_PX, CROP_PX, 1) to (B, CLASSES) and is called once per chunk."""
    crops = dial_crops(images, *dial_geometry(points))
    probs = [np.asarray(predict_dial(crops[i : i + chunk].astype(np.float32)[..., None]))
             for i in range(0, len(crops), chunk)]
    return {"dial": np.concatenate(probs) if probs else np.zeros((0, CLASSES), np.float32)}


def checked_hand_angles_rad(points: np.ndarray, dial_probs: np.ndarray, mirror_share=None):
    """(N, 7, 2) points, (N, CLASSES) dial-check probabilities, and optionally the share (N,) of TTA views that saw
    a mirror image → (minute hand angle, hour hand angle, confidence), angles clockwise from 12 on the dial.

    The 12 is the reader's 12 turned by the most likely k·30°; mirrored when the dial check's mirror probability,
    averaged with the views' share, is over ½ (each alone is right on 88–89% of `varied` dials, together on 91%).
    The hands are then read from the tips' image angles: θ = s·(φ_tip − φ_12), s = −1 in a mirror image.
    """
    from ablab.clock.landmarks import LANDMARKS

    probs = np.asarray(dial_probs, np.float64).reshape(len(points), 2, TURNS)
    turn_p, mirror_p = probs.sum(axis=1), probs[:, 1].sum(axis=1)
    if mirror_share is not None:
        mirror_p = (mirror_p + np.asarray(mirror_share, np.float64).reshape(-1)) / 2.0
    centre, twelve_rad, _ = dial_geometry(points)
    twelve_rad = twelve_rad + turn_p.argmax(axis=1) * (2 * math.pi / TURNS)
    sign = np.where(mirror_p > 0.5, -1.0, 1.0)
    angles = []
    for name in ("minute_tip", "hour_tip"):
        v = points[:, LANDMARKS.index(name)] - centre
        angles.append(np.mod(sign * (np.arctan2(v[:, 0], -v[:, 1]) - twelve_rad), 2 * math.pi))
    return angles[0], angles[1], np.minimum(turn_p.max(axis=1), np.maximum(mirror_p, 1.0 - mirror_p))
