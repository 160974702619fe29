"""Where things are: the supersampled canvas, the dial's outline, and points at clock angles.

Clock angles (phi) are radians clockwise from 12 o'clock; image y grows downward, so a point at angle phi and
distance rho (in face radii) from the centre is (cx + rho·R·sin phi, cy − rho·R·cos phi).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ablab.clock.draw.style import FaceDesign

SUPERSAMPLE = 2  # the canvas is drawn at 2× and resampled to the output: cheap antialiasing
# Camera limits the presets keep to; the canvas is made big enough to cover the output window under all of them.
MAX_TILT_DEG = 25.0
MIN_ZOOM = 0.92
MAX_SHIFT = 0.03  # |shift_x_frac|, |shift_y_frac|
# On a floor the backdrop replaces everything outside the dial, so the canvas need only hold the dial: a clock
# lying on the floor may be seen at up to this tilt (the dial's minor axis down to half its major) and be moved
# and magnified until the frame cuts its rim, with no bigger (slower) canvas for every other preset.
FLOOR_MAX_TILT_DEG = 60.0


def canvas_side_px(size_px: int) -> int:
    """Side of the square canvas: it covers the output window under any rotation and the limits above."""
    reach = size_px * (math.sqrt(0.5) + MAX_SHIFT * math.sqrt(2.0))  # farthest output pixel from the centre
    stretch = 1.0 / math.cos(math.radians(MAX_TILT_DEG))  # undoing foreshortening stretches by up to this
    return 2 * math.ceil(SUPERSAMPLE * reach * stretch / MIN_ZOOM + 2)


@dataclass(frozen=True)
class Dial:
    """A face placed on a canvas: centre (cx, cy) and vertical radius in canvas pixels, and its outline shape."""

    cx: float
    cy: float
    radius_px: float
    aspect_x: float
    exponent: float
    sides: int = 0

    @classmethod
    def place(cls, face: FaceDesign, size_px: int) -> Dial:
        """The dial of `face` on the canvas for an output of size_px."""
        scale = SUPERSAMPLE * size_px
        centre = canvas_side_px(size_px) / 2
        return cls(
            cx=centre + face.center_dx_frac * scale,
            cy=centre + face.center_dy_frac * scale,
            radius_px=face.radius_frac * scale,
            aspect_x=face.aspect_x,
            exponent=face.exponent,
            sides=face.sides,
        )

    @property
    def unit_px(self) -> float:
        """Length unit for hands: the shortest half-axis, so hands fit inside any outline."""
        return self.radius_px * min(1.0, self.aspect_x)

    def edge_rho(self, phi: np.ndarray) -> np.ndarray:
        """Distance (in radii) from the centre to the outline along clock angles phi (radians)."""
        if self.sides:  # a regular polygon, a flat side at 12 with its apothem at 1
            sector = 2 * math.pi / self.sides
            return 1.0 / np.cos(np.mod(phi + sector / 2, sector) - sector / 2)
        p = self.exponent
        sx = np.abs(np.sin(phi) / self.aspect_x) ** p
        cy = np.abs(np.cos(phi)) ** p
        return (sx + cy) ** (-1.0 / p)

    def points(self, phi: np.ndarray, rho: np.ndarray) -> np.ndarray:
        """Canvas (x, y) of points at clock angles phi and distances rho (radii); shape (..., 2)."""
        r = rho * self.radius_px
        return np.stack([self.cx + r * np.sin(phi), self.cy - r * np.cos(phi)], axis=-1)

    def outline(self, scale: float, n_points: int = 64) -> list[float]:
        """Flat [x0, y0, x1, ...] polygon of the outline shrunk by `scale` (1 = the face edge)."""
        phi = np.linspace(0.0, 2 * math.pi, n_points, endpoint=False)
        if self.sides:  # the corners themselves: straight sides need no sampling
            phi = (np.arange(self.sides) + 0.5) * (2 * math.pi / self.sides)
        return self.points(phi, scale * self.edge_rho(phi)).ravel().tolist()


def hand_polygon(dial: Dial, angle_rad: float, along: list[float], across: list[float]) -> list[float]:
    """Canvas polygon, flat [x0, y0, ...], of a shape given in hand coordinates (units of dial.unit_px).

    along: distance toward the hand's tip from the centre; across: sideways (to the right of the hand).
    Plain Python: for 4-7 points numpy's per-call overhead dominates.
    """
    unit = dial.unit_px
    dx, dy = math.sin(angle_rad) * unit, -math.cos(angle_rad) * unit  # along the hand
    nx, ny = -dy, dx  # perpendicular, to the right when the hand points up
    flat = []
    for a, c in zip(along, across):
        flat += (dial.cx + a * dx + c * nx, dial.cy + a * dy + c * ny)
    return flat
