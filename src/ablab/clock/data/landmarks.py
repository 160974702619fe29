"""Landmarks: where the clock's centre, both hand tips and four dial points (12, 3, 6, 9) are in each image.

Generated sets know exactly where everything is; seven points per image are far richer supervision than two
labels, and turn reading a clock into finding points — something a CNN learns fast and in any clock style — plus a
little geometry (`ablab.clock.read.encodings`, encoding `landmarks`): the four dial points fix the dial's frame (an
affine map that absorbs rotation, mirror, tilt and zoom), and the hand tips, mapped back into that frame, give the
hands' angles.

`ablab clock generate` computes each sample's points from the style it drew with (style_landmarks) and writes them
next to images.npy (landmarks.npy, with mirror_cue.npy: whether the dial shows a mirror image as one). Coordinates
are normalized: x, y in [−1, 1] across the image (x right, y down), pixel edges at ±1.

It writes the dial's ellipse too (ellipse.npy, style_ellipse: centre x, y, half-axes, angle, in image pixels): a
dial seen at a slant is an ellipse, and a reader that measures it as one, and reads it rectified, is supervised by
it. The centre landmark is the ellipse's centre (the face is one plane under an affine camera).
"""

from __future__ import annotations

import math

import numpy as np

from ablab.clock.draw.camera import camera_matrix
from ablab.clock.draw.case import ELLIPSE_FIELDS, dial_ellipse
from ablab.clock.draw.geometry import Dial, canvas_side_px
from ablab.clock.draw.hands import hand_angles_deg

LANDMARKS = ("centre", "minute_tip", "hour_tip", "dial12", "dial3", "dial6", "dial9")
DIAL_RHO = 0.75  # dial points sit at this fraction of the dial's shorter half-axis, at 12, 3, 6 and 9 o'clock


def style_landmarks(style, hour: int, minute: int, size: int) -> np.ndarray:
    """(7, 2) normalized image coordinates of LANDMARKS for `style` showing hour:minute at size×size."""
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


def style_ellipse(style, size: int) -> np.ndarray:
    """float32 (5,) ELLIPSE_FIELDS of the dial of `style` at size×size: centre x, y, half-axes (major first), major
    axis angle (degrees clockwise from image-right, [0, 180)), in image pixels (pixel edges at 0 and size); the
    outline through the dial's edge at 12, 3, 6 and 9, in the plane of the face (ablab.clock.draw.case)."""
    return dial_ellipse(style, size)


def normalized_ellipse(ellipse_px: np.ndarray, size: int) -> np.ndarray:
    """(..., 5) ellipses from image pixels to the landmarks' normalized coordinates: centre in [−1, 1], half-axes in
    half-sides, the angle unchanged."""
    out = np.array(ellipse_px, np.float32, copy=True)
    out[..., :2] = 2.0 * out[..., :2] / size - 1.0
    out[..., 2:4] = 2.0 * out[..., 2:4] / size
    return out


__all__ = ["ELLIPSE_FIELDS", "LANDMARKS", "normalized_ellipse", "style_ellipse", "style_landmarks"]
