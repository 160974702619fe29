"""Label encodings for reading clocks: targets from [hour, minute], output heads, losses, and decode back.

Every encoding turns labels (N, 2) = [hour 0–11, minute 0–59] into one or more named targets, says which heads
(name, units, activation, scale) sit on the shared trunk and which loss trains each, and decodes the heads' outputs
back to integer [hour, minute] plus a confidence where one is meaningful. Metrics always score decoded times, so
every encoding is compared on the same footing (common-sense error, `ablab.clock.read.metrics`).

Angles: the dial angle runs clockwise from 12 o'clock; a unit vector is (sin, cos) of it, so (0, 1) is 12:00.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ablab.clock.data.landmarks import DIAL_RHO, LANDMARKS
from ablab.clock.data.parts import Frame
from ablab.clock.read.metrics import DIAL_MIN
from ablab.errors import AblabError, unknown_name

TWO_PI = 2.0 * math.pi
CLASS_COUNTS = (12, 24, 72, 144, 720)


@dataclass(frozen=True)
class Head:
    """One output of the model: a Dense(units) layer named `name` (then ×scale), trained with `loss`."""

    name: str
    units: int
    activation: str | None = None  # "softmax" for class heads
    scale: float = 1.0  # output multiplier (a Rescaling layer), so regressions start in the right units
    loss: str = "mse"  # "mse", "sparse_ce", "bce", "circular" or "euclid" (see keras_loss)
    loss_unit: float = 1.0  # mse: error is divided by this; circular: the period, in the output's units
    points: bool = False  # units/2 (x, y) points from spatial-softmax maps (DSNT) instead of a Dense layer


@dataclass(frozen=True)
class Encoding:
    name: str
    description: str
    heads: tuple[Head, ...]
    _targets: Callable[[np.ndarray], dict] = field(repr=False)
    _decode: Callable[[dict], tuple] = field(repr=False)
    bin_width_min: float = 1.0  # decode is exact up to this (classification bins are wider than a minute)
    needs_frame: bool = False  # targets need each image's camera (rotation_deg, mirrored), not only the time
    rotation_invariant: bool = True  # targets unchanged when the whole image is rotated (augmentation may rotate)
    shift_invariant: bool = True  # targets unchanged by small shifts and zooms (not so for image positions)

    @property
    def needs_landmarks(self) -> bool:
        return any(h.points for h in self.heads)

    def targets(self, labels, frame: Frame | None = None) -> dict[str, np.ndarray]:
        """Labels (N, 2) → {head name: target array} (float32, or int32 class indices).

        `frame` (the renderer's per-image rotation and mirror flag) is required by encodings with needs_frame.
        """
        minutes = _dial_minutes(labels)
        if not self.needs_frame:
            return self._targets(minutes)
        if frame is None:
            raise AblabError(f"clock encoding {self.name!r} needs each image's rotation and mirror flag "
                             "(rotation_deg.npy, mirrored.npy, as `ablab clock generate` writes); "
                             "this data has labels only: pick another encoding")
        return self._targets(minutes, frame)

    def decode(self, outputs: dict) -> tuple[np.ndarray, np.ndarray | None]:
        """{head name: (N, units) array} → (labels int64 (N, 2), confidence float (N,) in [0, 1] or None)."""
        outputs = {k: np.asarray(v, dtype=np.float64).reshape(len(v), -1) for k, v in outputs.items()}
        minutes, confidence = self._decode(outputs)
        minutes = np.mod(np.rint(minutes).astype(np.int64), DIAL_MIN)
        return np.stack([minutes // 60, minutes % 60], axis=1), confidence


# ---------------------------------------------------------------- helpers (numpy, shapes noted)


def _dial_minutes(labels) -> np.ndarray:
    """(N, 2) [hour, minute] → (N,) int minutes after 12:00 in [0, 720)."""
    labels = np.asarray(labels, dtype=np.int64).reshape(-1, 2)
    return np.mod(labels[:, 0] * 60 + labels[:, 1], DIAL_MIN)


def _unit(angle_rad) -> np.ndarray:
    """(N,) angle → (N, 2) float32 (sin, cos)."""
    return np.stack([np.sin(angle_rad), np.cos(angle_rad)], axis=1).astype(np.float32)


def _angle(vec) -> np.ndarray:
    """(N, 2) (sin, cos) → (N,) angle in [0, 2π)."""
    return np.mod(np.arctan2(vec[:, 0], vec[:, 1]), TWO_PI)


def _norm_conf(vec) -> np.ndarray:
    """Length of a predicted unit vector, clipped to [0, 1]: it shrinks when the net hedges between angles."""
    return np.clip(np.linalg.norm(vec, axis=1), 0.0, 1.0)


def _softmax_conf(probs) -> np.ndarray:
    return probs.max(axis=1)


def _hour_from_hand(hour_hand_h, minute) -> np.ndarray:
    """Hour hand position in hours (continuous) and the decoded minute → integer hour, consistent with the minute.

    At 2:58 the hour hand sits at 2.97 h; subtracting 58/60 gives 2.0, so the hour cannot be read as 3 just because
    the hand is close to the 3.
    """
    return np.mod(np.rint(hour_hand_h - minute / 60.0), 12)


# ---------------------------------------------------------------- landmark points into a time (numpy)


def dial_frame(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, 7, 2) points → (centre (N, 2), M (N, 2, 2)) with image = centre + M · dial (dial in DIAL_RHO units).

    The dial's y axis (toward 6) runs from the 12 point through the centre: the two points a reader finds best.
    The x axis (toward 3) is perpendicular to it and as long, pointing to the side the 3 is on (the other side in
    a mirror image, so det M < 0 there). The 3 and 9 points only choose the side: they are the least sure points,
    and using their span for the x scale (tilt) made readings worse (measured); tilt then costs < 0.05 min.
    """
    centre, d12, d3, d9 = (points[:, LANDMARKS.index(k)] for k in ("centre", "dial12", "dial3", "dial9"))
    y_axis = (centre - d12) / DIAL_RHO
    normal = np.stack([-y_axis[:, 1], y_axis[:, 0]], axis=-1)  # y_axis turned 90° counter-clockwise on screen
    side = np.where(np.sum((d3 - d9) * normal, axis=-1) < 0, -1.0, 1.0)  # −1: the 3 is on the other side: mirrored
    x_axis = normal * side[:, None]
    return centre, np.stack([x_axis, y_axis], axis=-1)


def hand_angles_rad(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N, 7, 2) points → (minute hand angle, hour hand angle, confidence), angles clockwise from 12.

    Confidence: how well the 6 point agrees with the frame (1 = exactly opposite the 12), a check the frame did not
    use.
    """
    centre, m = dial_frame(points)
    inv = np.linalg.inv(m)
    out = []
    for name in ("minute_tip", "hour_tip", "dial6"):
        dial_xy = np.einsum("nij,nj->ni", inv, points[:, LANDMARKS.index(name)] - centre)
        out.append((np.mod(np.arctan2(dial_xy[:, 0], -dial_xy[:, 1]), 2 * math.pi), dial_xy))
    six_xy = out[2][1] / DIAL_RHO  # (0, 1) when the 6 is where the frame expects it
    conf = np.clip(1.0 - np.linalg.norm(six_xy - np.array([0.0, 1.0]), axis=-1), 0.0, 1.0)
    return out[0][0], out[1][0], conf


# ---------------------------------------------------------------- the encodings


def _regression(name: str, unit_min: float, loss: str, description: str) -> Encoding:
    period = DIAL_MIN / unit_min
    return Encoding(
        name=name,
        description=description,
        heads=(Head("time", 1, scale=period / 2.0, loss=loss, loss_unit=period),),
        _targets=lambda m: {"time": (m / unit_min).astype(np.float32)[:, None]},
        _decode=lambda o: (o["time"][:, 0] * unit_min, None),
    )


def _classification(n: int) -> Encoding:
    width = DIAL_MIN / n

    def decode(o):
        k = o["time"].argmax(axis=1)
        return k * width + (width - 1) // 2, _softmax_conf(o["time"])  # middle minute of the bin

    return Encoding(
        name=f"classification-{n}",
        description=f"{n} classes of {width:g} min; decoded to the bin's middle minute",
        heads=(Head("time", n, activation="softmax", loss="sparse_ce"),),
        _targets=lambda m: {"time": (m // width).astype(np.int32)},
        _decode=decode,
        bin_width_min=width,
    )


def _multihead_decode(o):
    minute = np.mod(o["minute"][:, 0], 60.0)
    minute = np.where(minute > 59.5, 0.0, minute)  # rounds to 60 → 0
    return o["hour"].argmax(axis=1) * 60 + np.rint(minute), _softmax_conf(o["hour"])


def _multihead_periodic_decode(o):
    minute = np.mod(np.rint(_angle(o["minute"]) * 60 / TWO_PI), 60)
    conf = np.minimum(_softmax_conf(o["hour"]), _norm_conf(o["minute"]))
    return o["hour"].argmax(axis=1) * 60 + minute, conf


def _hands_targets(m):
    return {"minute_hand": _unit(TWO_PI * (m % 60) / 60.0), "hour_hand": _unit(TWO_PI * m / DIAL_MIN)}


def _hands_decode(o):
    minute = np.mod(np.rint(_angle(o["minute_hand"]) * 60 / TWO_PI), 60)
    hour = _hour_from_hand(_angle(o["hour_hand"]) * 12 / TWO_PI, minute)
    conf = np.minimum(_norm_conf(o["minute_hand"]), _norm_conf(o["hour_hand"]))
    return hour * 60 + minute, conf


def _frame_targets(m, frame: Frame):
    """Angles as seen in the image: φ = rotation + s·θ (s = −1 when mirrored), for both hands and for 12 o'clock."""
    rot = np.deg2rad(np.asarray(frame.rotation_deg, np.float64).reshape(-1))
    sign = np.where(np.asarray(frame.mirrored, bool).reshape(-1), -1.0, 1.0)
    return {
        "minute_img": _unit(rot + sign * TWO_PI * (m % 60) / 60.0),
        "hour_img": _unit(rot + sign * TWO_PI * m / DIAL_MIN),
        "twelve_img": _unit(rot),
        "mirror": (sign < 0).astype(np.float32)[:, None],
    }


def _frame_decode(o):
    """Undo the camera: θ = s·(φ − rotation); then decode like `hands`."""
    rot = _angle(o["twelve_img"])
    p_mirror = o["mirror"][:, 0]
    sign = np.where(p_mirror > 0.5, -1.0, 1.0)
    minute_angle = np.mod(sign * (_angle(o["minute_img"]) - rot), TWO_PI)
    hour_angle = np.mod(sign * (_angle(o["hour_img"]) - rot), TWO_PI)
    minute = np.mod(np.rint(minute_angle * 60 / TWO_PI), 60)
    hour = _hour_from_hand(hour_angle * 12 / TWO_PI, minute)
    norms = [_norm_conf(o[k]) for k in ("minute_img", "hour_img", "twelve_img")]
    conf = np.minimum.reduce([*norms, np.maximum(p_mirror, 1.0 - p_mirror)])
    return hour * 60 + minute, conf


def _landmark_targets(m, frame: Frame):
    if frame.landmarks is None:
        raise AblabError("clock encoding 'landmarks' needs each image's landmarks (landmarks.npy, which "
                         "`ablab clock generate` writes beside images.npy); this set has none: regenerate it")
    return {"points": np.asarray(frame.landmarks, np.float32).reshape(len(m), -1)}


def _landmark_decode(o):
    """Points → time: the dial points give the dial's frame, the tips in it the hands' angles (hand_angles_rad).
    A reader with a second stage decodes that stage's outputs instead (ablab.clock.read.stages)."""
    minute_angle, hour_angle, conf = hand_angles_rad(o["points"].reshape(len(o["points"]), -1, 2))
    minute = np.mod(np.rint(minute_angle * 60 / TWO_PI), 60)
    return _hour_from_hand(hour_angle * 12 / TWO_PI, minute) * 60 + minute, conf


def _build_registry() -> dict[str, Encoding]:
    encs = [
        _regression("regression-minutes", 1.0, "mse",
                    "minutes after 12 (one number), MSE: the wrap at 12:00 is a cliff in the loss"),
        _regression("regression-hours", 60.0, "circular",
                    "float hours (one number), circular loss 1−cos(2π·Δh/12): no cliff at 12:00"),
        *[_classification(n) for n in CLASS_COUNTS],
        Encoding(
            name="multihead",
            description="hour softmax (12) + minute regression (MSE), the report's 3.3",
            heads=(Head("hour", 12, activation="softmax", loss="sparse_ce"),
                   Head("minute", 1, scale=30.0, loss="mse", loss_unit=60.0)),
            _targets=lambda m: {"hour": (m // 60).astype(np.int32), "minute": (m % 60).astype(np.float32)[:, None]},
            _decode=_multihead_decode,
        ),
        Encoding(
            name="multihead-periodic",
            description="hour softmax (12) + minute hand as (sin, cos)",
            heads=(Head("hour", 12, activation="softmax", loss="sparse_ce"), Head("minute", 2, loss="mse")),
            _targets=lambda m: {"hour": (m // 60).astype(np.int32), "minute": _unit(TWO_PI * (m % 60) / 60.0)},
            _decode=_multihead_periodic_decode,
        ),
        Encoding(
            name="periodic",
            description="(sin, cos) of the 12-hour dial angle, decoded with atan2: the report's 3.4 done right",
            heads=(Head("dial", 2, loss="mse"),),
            _targets=lambda m: {"dial": _unit(TWO_PI * m / DIAL_MIN)},
            _decode=lambda o: (_angle(o["dial"]) * DIAL_MIN / TWO_PI, _norm_conf(o["dial"])),
        ),
        Encoding(
            name="hands",
            description="(sin, cos) of both hands; minute from the minute hand, hour from the hour hand minus it",
            heads=(Head("minute_hand", 2, loss="mse"), Head("hour_hand", 2, loss="mse")),
            _targets=_hands_targets,
            _decode=_hands_decode,
        ),
        Encoding(
            name="hands-frame",
            description="both hands and 12 o'clock as image angles + a mirror flag (needs the renderer's camera); "
            "the time is worked out from them: θ = s·(φ − rotation)",
            heads=(Head("minute_img", 2, loss="mse"), Head("hour_img", 2, loss="mse"),
                   Head("twelve_img", 2, loss="mse"), Head("mirror", 1, activation="sigmoid", loss="bce")),
            _targets=_frame_targets,
            _decode=_frame_decode,
            needs_frame=True,
            rotation_invariant=False,
        ),
        Encoding(
            name="landmarks",
            description="find 7 points (centre, hand tips, dial at 12/3/6/9); the dial points give the dial's "
            "frame, the tips in that frame give the hands' angles (needs generated data)",
            heads=(Head("points", 14, loss="euclid", points=True),),
            _targets=_landmark_targets,
            _decode=_landmark_decode,
            needs_frame=True,
            rotation_invariant=False,
            shift_invariant=False,
        ),
    ]
    return {e.name: e for e in encs}


ENCODINGS: dict[str, Encoding] = _build_registry()


def get_encoding(name: str) -> Encoding:
    """Look up an encoding by name; an unknown name raises AblabError listing the known ones."""
    if name not in ENCODINGS:
        raise unknown_name("clock encoding", name, ENCODINGS)
    return ENCODINGS[name]


def keras_loss(head: Head):
    """The Keras loss for one head (keras.ops only, so every backend trains it; not saved with the model)."""
    import keras
    from keras import ops

    if head.loss == "sparse_ce":
        return keras.losses.SparseCategoricalCrossentropy()
    if head.loss == "bce":
        return keras.losses.BinaryCrossentropy()
    unit = float(head.loss_unit)
    if head.loss == "euclid":

        def euclid(y_true, y_pred):  # mean distance between predicted and true points (x, y pairs); DSNT's loss
            diff = ops.reshape(y_pred - y_true, (-1, head.units // 2, 2))
            return ops.mean(ops.sqrt(ops.sum(ops.square(diff), axis=-1) + 1e-8), axis=-1)

        return euclid
    if head.loss == "circular":

        def circular(y_true, y_pred):  # 1 − cos of the angle between truth and prediction: no cliff at the wrap
            return ops.mean(1.0 - ops.cos((y_pred - y_true) * (TWO_PI / unit)), axis=-1)

        return circular

    def mse(y_true, y_pred):
        return ops.mean(ops.square((y_pred - y_true) / unit), axis=-1)

    return mse
