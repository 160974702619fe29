"""The dial as an ellipse: find it in a picture with OpenCV, and warp it back to a circle.

A round dial seen at a slant is an ellipse (the face is one plane; at the distances of a photograph the camera is
close to affine), its short axis along the tilt. `fit_dial_ellipse(image)` finds it from the bright face inside the
dark rim: the face is the bright region (Otsu's threshold of the blurred picture) around the dial's centre, its
outline's convex hull (numerals and hands leave holes and notches, not a smaller outline) fitted by
cv2.fitEllipse. `rectify(image, ellipse)` is the affine warp (cv2.warpAffine) that stretches the ellipse's short
axis to its long one about its centre: a dial seen at a slant then looks as one seen square on, up to a turn in the
image plane, which the polar reader reads anyway.

Conventions: an Ellipse is in image pixels with pixel edges at 0 and the side (the renderer's ellipse.npy,
ablab.clock.data.landmarks.ELLIPSE_FIELDS): centre x, y, half-axes (major first), the major axis's angle in degrees
clockwise from image-right (y grows down), in [0, 180).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ablab.clock.read.explain import DialSeen

BLUR_FRAC = 0.02  # Gaussian σ as a share of the picture's side: numerals and ticks melt, the rim stays
MIN_AREA_FRAC = 0.01  # a face smaller than this share of the picture is no dial
MIN_AXIS_RATIO = 0.3  # flatter than this is no dial seen from the front half (tilt > 72°): the fit failed
CENTRE_REACH_FRAC = 0.5  # without a rough centre, the face's region must reach within this share of half the side
# of the picture's middle (the reader's crops put the dial near it)


@dataclass(frozen=True)
class Ellipse:
    """A dial's outline in image pixels (module docstring's conventions)."""

    centre_x_px: float
    centre_y_px: float
    semi_major_px: float
    semi_minor_px: float
    angle_deg: float

    @property
    def axis_ratio(self) -> float:
        """Minor over major half-axis: 1 for a dial seen square on, cos(tilt) at a slant."""
        return self.semi_minor_px / self.semi_major_px

    def as_array(self) -> np.ndarray:
        """float32 (5,) in ELLIPSE_FIELDS order (ellipse.npy's)."""
        return np.array([self.centre_x_px, self.centre_y_px, self.semi_major_px, self.semi_minor_px,
                         self.angle_deg], np.float32)

    @classmethod
    def of(cls, fields) -> Ellipse:
        """From ELLIPSE_FIELDS values (a row of ellipse.npy)."""
        return cls(*(float(v) for v in fields))


def fit_dial_ellipse(image: np.ndarray, rough_centre_px: tuple[float, float] | None = None) -> Ellipse | None:
    """gray (H, W) uint8 → the dial's Ellipse, or None where no bright face is found around the centre.

    The face is the bright region (Otsu on the picture blurred by BLUR_FRAC of its side) that holds rough_centre_px
    (x, y, pixel edges at 0; e.g. the reader's centre), else the largest one reaching within CENTRE_REACH_FRAC of the
    middle; the convex hull of its outline is fitted. A light face on a dark rim is the picture this is made for:
    a dark face, or a light face on a light wall with no rim, gives None or another region's ellipse."""
    import cv2

    gray = np.asarray(image, np.uint8)
    sigma = max(0.5, BLUR_FRAC * max(gray.shape))
    blurred = cv2.GaussianBlur(gray, (0, 0), sigma)
    _, bright = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
    label = _face_label(labels, stats, count, gray.shape, rough_centre_px)
    if label is None:
        return None
    contours, _ = cv2.findContours((labels == label).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    if len(hull) < 5:
        return None
    (cx, cy), (w, h), angle = cv2.fitEllipse(hull)
    return _ellipse_from_cv(cx, cy, w, h, angle)


def _face_label(labels: np.ndarray, stats: np.ndarray, count: int, shape, rough_centre_px) -> int | None:
    """The connected bright region that is the face (fit_dial_ellipse), or None: the largest one of at least
    MIN_AREA_FRAC of the picture whose box holds rough_centre_px (without one: that reaches within
    CENTRE_REACH_FRAC of the middle), and that does not span the whole picture (a light floor or wall around a
    dark rim does, the face inside it does not)."""
    import cv2

    h, w = shape
    x0, y0, bw, bh, area = (stats[:, k] for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                                    cv2.CC_STAT_HEIGHT, cv2.CC_STAT_AREA))
    fits = (area >= MIN_AREA_FRAC * h * w) & ~((bw >= w - 1) & (bh >= h - 1))
    fits[0] = False  # the dark background
    if rough_centre_px is not None:
        x, y = rough_centre_px
        fits &= (x0 <= x) & (x <= x0 + bw) & (y0 <= y) & (y <= y0 + bh)
    else:
        reach = CENTRE_REACH_FRAC * min(h, w) / 2
        ys, xs = np.ogrid[:h, :w]
        middle = (xs - w / 2 + 0.5) ** 2 + (ys - h / 2 + 0.5) ** 2 <= reach**2
        near = np.zeros(count, bool)
        near[np.unique(labels[middle])] = True
        fits &= near
    return int(np.where(fits, area, 0).argmax()) if fits.any() else None


def _ellipse_from_cv(cx: float, cy: float, width: float, height: float, angle_deg: float) -> Ellipse | None:
    """cv2.fitEllipse's box (pixel centres at integers, full axes, the first axis's angle) → an Ellipse (pixel
    edges at 0, half-axes, the major axis's angle), None if flatter than MIN_AXIS_RATIO."""
    if width >= height:
        major, minor, major_deg = width / 2, height / 2, angle_deg
    else:
        major, minor, major_deg = height / 2, width / 2, angle_deg + 90.0
    if minor <= 0 or minor / major < MIN_AXIS_RATIO:
        return None
    return Ellipse(cx + 0.5, cy + 0.5, major, minor, major_deg % 180.0)


def rectify_matrix(ellipse: Ellipse) -> np.ndarray:
    """(2, 3) the affine map (image pixels, pixel edges at 0) that stretches the ellipse's minor axis to its major
    about its centre: the ellipse becomes the circle of radius semi_major_px around the same centre."""
    theta = math.radians(ellipse.angle_deg)
    major = np.array([math.cos(theta), math.sin(theta)])  # the major axis's direction (y down)
    minor = np.array([-major[1], major[0]])
    stretch = np.outer(major, major) + (1.0 / ellipse.axis_ratio) * np.outer(minor, minor)
    centre = np.array([ellipse.centre_x_px, ellipse.centre_y_px])
    return np.hstack([stretch, (centre - stretch @ centre)[:, None]])


def rectify(image: np.ndarray, ellipse: Ellipse) -> np.ndarray:
    """gray (H, W) → (H, W) the picture warped by rectify_matrix (bilinear; outside the picture: its edge), so the
    dial is a circle of the ellipse's major half-axis around the same centre."""
    import cv2

    matrix = rectify_matrix(ellipse)
    # OpenCV's pixel centres are at integers: p_cv = p_edge − ½ on both sides, so the offset becomes A·½ + t − ½
    shift = matrix[:, :2] @ np.array([0.5, 0.5]) + matrix[:, 2] - 0.5
    cv_matrix = np.hstack([matrix[:, :2], shift[:, None]])
    h, w = np.asarray(image).shape[:2]
    return cv2.warpAffine(np.asarray(image, np.uint8), cv_matrix, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


# A read is done again on the picture rectified where the dial the read found is tilted: the face's ellipse, fitted
# around the reader's centre, is flatter than TILTED_BELOW and agrees with the reader's own circle (centre within
# AGREE_CENTRE_R of its radii; half-axes under MINOR_BELOW_R and MAJOR_BELOW_R radii: on a tilted dial the reader's
# circle lies between the two). The surer of the two readings is kept. Chosen on rendered draws of seed 3030 (300
# each of photo-floor, varied, held-out: right fits sat 0.03 radii from the reader's centre, wrong ones on varied
# 0.13 or more at the 5th percentile) and measured on seed 2026 (docs/clock_reader.md).
TILTED_BELOW = 0.9
AGREE_CENTRE_R = 0.1
MINOR_BELOW_R, MAJOR_BELOW_R = 1.0, 1.6


def tilted_dial(image: np.ndarray, centre, radius: float) -> Ellipse | None:
    """A square gray picture (S, S) and the dial a read found in it (centre (2,) and radius in normalized units) →
    the face's Ellipse where the picture should be read again rectified (the rule above), else None."""
    size = np.asarray(image).shape[0]
    centre_px = (np.asarray(centre, np.float64) + 1) / 2 * size
    radius_px = radius * size / 2
    fit = fit_dial_ellipse(image, (float(centre_px[0]), float(centre_px[1])))
    if fit is None or fit.axis_ratio >= TILTED_BELOW:
        return None
    off_px = math.hypot(fit.centre_x_px - centre_px[0], fit.centre_y_px - centre_px[1])
    agrees = off_px < AGREE_CENTRE_R * radius_px and fit.semi_minor_px < MINOR_BELOW_R * radius_px
    return fit if agrees and fit.semi_major_px < MAJOR_BELOW_R * radius_px else None


def unrectified(seen: DialSeen, ellipse: Ellipse, size_px: int) -> DialSeen:
    """An explain.DialSeen read on rectify(picture, ellipse) (S × S, size_px across) → the same dials in the picture
    as given: the centre and the hands' and 12's directions through the inverse warp, the circle an ellipse squeezed
    along the ellipse's minor axis. The reading itself was made from the rectified directions."""
    matrix = rectify_matrix(ellipse)
    inverse = np.linalg.inv(matrix[:, :2])
    centre_px = ((seen.centre + 1) / 2 * size_px - matrix[:, 2]) @ inverse.T
    phi = seen.angles_rad
    rays = np.stack([np.sin(phi), -np.cos(phi)], axis=-1) @ inverse.T  # (N, 3, 2), y down
    angles = np.mod(np.arctan2(rays[..., 0], -rays[..., 1]), 2 * math.pi)
    axes = seen.axes * np.array([1.0, ellipse.axis_ratio])  # circles: the first axis along the major
    axis_rad = np.full(len(seen), math.radians(ellipse.angle_deg))
    return DialSeen(centre_px / (size_px / 2) - 1, axes, axis_rad, angles, seen.mirrored)
