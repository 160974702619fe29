"""The polar reader as a second stage after the point reader: training on strips cut around the generator's true
centres, and reading on strips cut around the point reader's centres (ablab.clock.polar, ablab.clock.polar_net).

Only the centre comes from the first stage, and each strip reaches STRIP_REACH (normalized image units) from it,
whatever the dial's size: every dial of the presets lies within it. The point reader's dial points are drawn
toward the centre when it is unsure (its soft-argmax), so a dial radius made from them was 12% off on the median
`varied` dial and 35% on one in ten (measured), while its 8-view centre is 0.7–0.9 px off (median; 2–3 px at the
95th percentile). The polar reader also says how far off the centre it was given is, and reading cuts a second
strip around the corrected centre (polar_outputs).

Training needs no first-stage outputs: each strip is cut around the true centre moved by a normal 2 px (the offset
to learn), with its reach ±10% (pictures framed a little tighter or looser), so the two stages train
independently. Dials that show mirroring (numerals) are also read reversed (a mirror image: mirror flag toggled,
every direction φ → −φ, the offset's x negated), which balances the one-in-five mirrored dials.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ablab.clock import polar

STRIP_REACH = 1.0  # normalized units from the centre: half the image side (every preset's dial lies within 0.97)
CENTRE_JITTER = 2.0 / 75.0  # normalized units: 2 px at 150 px (σ of a normal per axis)
REACH_JITTER = 0.1  # ± fraction of STRIP_REACH (uniform)
_TARGETS = ("minute_tip", "hour_tip", "dial12")  # landmarks behind polar.ANGLES, in that order


def training_strips(part, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """A ClockPart with landmarks → (strips uint8 (N, rows, cols), directions (N, 3) rad for polar.ANGLES,
    mirrored (N,) bool, the true centre's offset (N, 2) in OFFSET_UNITs): one jittered strip per image, dials
    with a mirror cue reversed half the time."""
    from ablab.clock.landmarks import LANDMARKS

    frame, n = part.frame, len(part)
    jitter = rng.normal(0.0, CENTRE_JITTER, (n, 2))
    centre = frame.landmarks[:, LANDMARKS.index("centre")] + jitter
    reach = STRIP_REACH * rng.uniform(1 - REACH_JITTER, 1 + REACH_JITTER, n)
    strips = polar.polar_strips(part.images, centre, reach)
    angles = polar.point_angles_rad(frame.landmarks[:, [LANDMARKS.index(k) for k in _TARGETS]], centre)
    flip = np.asarray(frame.mirror_cue, bool) & (rng.random(n) < 0.5)
    strips[flip] = strips[flip, :, ::-1]
    angles = np.where(flip[:, None], np.mod(-angles, 2 * math.pi), angles)
    offset = -jitter / polar.OFFSET_UNIT
    offset[flip, 0] *= -1.0  # a reversed strip is the picture mirrored left-right: x → −x
    return strips, angles, np.asarray(frame.mirrored, bool) ^ flip, offset.astype(np.float32)


def compile_polar_net(net, *, steps: int, lr: float = 2e-3) -> None:
    """AdamW, 5% linear warm-up then cosine decay; cross-entropy over directions, mirror as a logistic loss, the
    centre's offset as a Huber loss (in OFFSET_UNITs, so ~2 at the start: weighted 0.2)."""
    import keras

    schedule = keras.optimizers.schedules.CosineDecay(0.0, steps, warmup_target=lr, warmup_steps=max(1, steps // 20))
    net.compile(optimizer=keras.optimizers.AdamW(schedule, weight_decay=1e-4),
                loss={"angles": keras.losses.CategoricalCrossentropy(from_logits=True, axis=1),
                      "mirror": keras.losses.BinaryCrossentropy(from_logits=True),
                      "offset": keras.losses.Huber(delta=1.0)},
                loss_weights={"angles": 1.0, "mirror": 1.0, "offset": 0.2})


def fit_polar_net(net, part, *, epochs: int, seed: int, batch_size: int = 64, lr: float = 2e-3,
                  variants: int = 2) -> float:
    """Train net on jittered strips of part (a ClockPart with landmarks); returns the wall time in s, strips
    included. `variants` sets of strips (each with its own jitter and flips) are cut up front and the epochs
    take turns: cutting them inside the training loop made a step 50% slower on 2 cores (measured)."""
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    sets = [training_strips(part, rng) for _ in range(min(variants, epochs))]
    compile_polar_net(net, steps=math.ceil(len(part) / batch_size) * epochs, lr=lr)
    for epoch in range(epochs):
        strips, angles, mirrored, offset = sets[epoch % len(sets)]
        targets = {"angles": polar.angle_targets(angles), "mirror": mirrored.astype(np.float32)[:, None],
                   "offset": offset}
        net.fit(strips[..., None], targets, batch_size=batch_size, epochs=1, shuffle=True, verbose=0)
    return time.perf_counter() - start


def polar_probs(predict, strips: np.ndarray, *, chunk: int = 256) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """uint8 strips (N, rows, cols) → (direction probabilities (N, OUT_BINS, 3), mirror probability (N,), the
    centre's offset (N, 2) in OFFSET_UNITs).

    Each strip is also read reversed and its directions mapped back (bin k ↔ OUT_BINS − 1 − k; offset x → −x),
    and the two are averaged. The mirror verdict is the forward read's alone: on a dial with no mirror cue a
    reversed strip is still taken for an unmirrored dial, so the reversed read says nothing about it. predict
    maps float32 (B, rows, cols, 1) to the net's outputs; it is called once per chunk of 2·chunk strips."""
    probs, mirror, offset = [], [], []
    for start in range(0, len(strips), chunk):
        batch = np.asarray(strips[start : start + chunk], np.float32)[..., None]
        out = predict(np.concatenate([batch, batch[:, :, ::-1]]))
        p = _softmax(np.asarray(out["angles"], np.float64), axis=1)
        n = len(batch)
        probs.append((p[:n] + p[n:, ::-1]) / 2)
        mirror.append(1.0 / (1.0 + np.exp(-np.asarray(out["mirror"], np.float64)[:n, 0])))
        o = np.asarray(out["offset"], np.float64)
        offset.append((o[:n] + o[n:] * np.array([-1.0, 1.0])) / 2)
    if not probs:
        return np.zeros((0, polar.OUT_BINS, len(polar.ANGLES))), np.zeros(0), np.zeros((0, 2))
    return np.concatenate(probs), np.concatenate(mirror), np.concatenate(offset)


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def polar_outputs(predict, images: np.ndarray, points: np.ndarray, *, passes: int = 2) -> dict[str, np.ndarray]:
    """uint8 (N, S, S) and the point reader's (N, 7, 2) points → the decoder's polar inputs:
    {"polar_angles": (N, OUT_BINS, 3) probabilities, "polar_mirror": (N,) probability}.

    The strip is cut around the point reader's centre, then cut again around the centre moved by the offset the
    polar reader saw (`passes` = 2), and read from the second cut."""
    from ablab.clock.landmarks import LANDMARKS

    centre = np.asarray(points, np.float64)[:, LANDMARKS.index("centre")]
    reach = np.full(len(centre), STRIP_REACH)
    for _ in range(passes):
        probs, mirror, offset = polar_probs(predict, polar.polar_strips(images, centre, reach))
        centre = centre + offset * polar.OFFSET_UNIT
    return {"polar_angles": probs, "polar_mirror": mirror}


def decode_polar(outputs: dict) -> tuple[np.ndarray, np.ndarray]:
    """{"polar_angles": (N, OUT_BINS, 3) (or flattened), "polar_mirror": (N,) or (N, 1)} → (int (N, 2)
    [hour, minute], confidence (N,)): the confidence is the
    least sure of the three peaks' mass and the mirror verdict's certainty."""
    probs = np.asarray(outputs["polar_angles"], np.float64)
    angles, mass = polar.decode_angles(probs.reshape(len(probs), polar.OUT_BINS, len(polar.ANGLES)))
    mirror_p = np.asarray(outputs["polar_mirror"], np.float64).reshape(-1)
    labels = polar.time_from_angles(angles[:, 0], angles[:, 1], angles[:, 2], mirror_p > 0.5)
    return labels, np.minimum(mass.min(axis=1), np.maximum(mirror_p, 1.0 - mirror_p))
