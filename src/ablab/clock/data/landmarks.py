"""Landmarks: where the clock's centre, both hand tips and four dial points (12, 3, 6, 9) are in each image.

Generated sets know exactly where everything is; seven points per image are far richer supervision than two
labels, and turn reading a clock into finding points — something a CNN learns fast and in any clock style — plus a
little geometry (`ablab.clock.encodings`, encoding `landmarks`): the four dial points fix the dial's frame (an
affine map that absorbs rotation, mirror, tilt and zoom), and the hand tips, mapped back into that frame, give the
hands' angles.

Points are replayed from the generator: sample i of a set (preset, seed) has its own random stream
(`ablab.clock.generate.sample_rng`), so its style can be re-sampled without rendering. The replay is checked
against the directory's stored rotation and mirror flags, so a change in the renderer cannot silently give wrong
points. Coordinates are normalized: x, y in [−1, 1] across the image (x right, y down), pixel edges at ±1.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ablab.errors import AblabError

LANDMARKS = ("centre", "minute_tip", "hour_tip", "dial12", "dial3", "dial6", "dial9")
DIAL_RHO = 0.75  # dial points sit at this fraction of the dial's shorter half-axis, at 12, 3, 6 and 9 o'clock
LANDMARKS_FILE = "landmarks.npy"
MIRROR_CUE_FILE = "mirror_cue.npy"


def style_landmarks(style, hour: int, minute: int, size: int) -> np.ndarray:
    """(7, 2) normalized image coordinates of LANDMARKS for `style` showing hour:minute at size×size."""
    from ablab.clock.augment import camera_matrix
    from ablab.clock.geometry import Dial, canvas_side_px
    from ablab.clock.hands import hand_angles_deg

    dial = Dial.place(style.face, size)
    hour_deg, minute_deg = hand_angles_deg(hour, minute)
    unit = dial.unit_px
    polar = [(0.0, 0.0), (minute_deg, style.hands.minute_length_frac_r * unit),
             (hour_deg, style.hands.hour_length_frac_r * unit)]
    polar += [(deg, DIAL_RHO * unit) for deg in (0.0, 90.0, 180.0, 270.0)]
    canvas = np.array([(dial.cx + r * math.sin(math.radians(d)), dial.cy - r * math.cos(math.radians(d)))
                       for d, r in polar])
    a, b, c, d, e, f = camera_matrix(style.camera, size, canvas_side_px(size))
    # canvas = A·q + t  →  q = A⁻¹·(canvas − t), q in output pixels
    q = (canvas - np.array([c, f])) @ np.linalg.inv(np.array([[a, b], [d, e]])).T
    return (2.0 * q / size - 1.0).astype(np.float32)


def replay_landmarks(preset: str, seed: int, n: int, size: int, *, with_cue: bool = False):
    """Landmarks (n, 7, 2) of set (preset, seed), with the replayed rotation_deg (n,) and mirrored (n,) to check
    (and, with_cue, whether each dial shows a mirror image as one: style.has_mirror_cue)."""
    from ablab.clock.generate import sample_rng, sample_time
    from ablab.clock.presets import sample_style
    from ablab.clock.style import has_mirror_cue

    points = np.empty((n, len(LANDMARKS), 2), np.float32)
    rotation, mirrored, cue = np.empty(n), np.empty(n, bool), np.empty(n, bool)
    for i in range(n):
        rng = sample_rng(seed, i)
        hour, minute = sample_time(rng)
        style = sample_style(preset, rng)
        points[i] = style_landmarks(style, hour, minute, size)
        rotation[i], mirrored[i], cue[i] = style.rotation_deg, style.mirrored, has_mirror_cue(style)
    return (points, rotation, mirrored, cue) if with_cue else (points, rotation, mirrored)


def directory_landmarks(directory: Path, n: int, meta: dict, rotation_deg, mirrored):
    """(landmarks (n, 7, 2), mirror cue (n,)) for a generated directory (cached in it as landmarks.npy and
    mirror_cue.npy), or None if it cannot have them (no meta.json with preset, seed and size, or no stored rotation
    and mirror flags: e.g. the report's own data). The replayed rotation and mirror flags must match the stored
    ones, else AblabError.
    """
    directory = Path(directory)
    cached, cached_cue = directory / LANDMARKS_FILE, directory / MIRROR_CUE_FILE
    if cached.is_file() and cached_cue.is_file():
        points, cue = np.load(cached), np.load(cached_cue)
        if points.shape == (n, len(LANDMARKS), 2) and cue.shape == (n,):
            return points, cue
    meta = meta or {}
    if not {"preset", "seed", "size"} <= set(meta) or rotation_deg is None or mirrored is None:
        return None
    points, rot, mir, cue = replay_landmarks(meta["preset"], int(meta["seed"]), n, int(meta["size"]), with_cue=True)
    drift = np.abs((rot - rotation_deg + 180.0) % 360.0 - 180.0)
    if drift.max() > 1e-6 or (mir != mirrored).any():
        raise AblabError(f"{directory}: the clocks cannot be replayed to find their landmarks (made by another "
                         "version of the renderer?); regenerate the directory with `ablab clock generate`")
    for target, values in ((cached, points), (cached_cue, cue)):
        tmp = directory / f".{target.name}.tmp.npy"
        np.save(tmp, values)
        tmp.replace(target)  # atomic: readers never see half a file
    return points, cue


# ---------------------------------------------------------------- decoding points into a time


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
