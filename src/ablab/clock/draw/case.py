"""The dial as the picture shows it: its ellipse in image pixels, and a clock case with depth around it.

A camera (ablab.clock.draw.camera) maps the face's plane to the picture by one affine map, so every circle on the
face is an ellipse in the picture and every point of the face is known exactly: `face_frame` gives that map in
image pixels, `dial_ellipse` the dial's outline through it (what `ablab clock generate` writes as ellipse.npy, the
supervision for a reader that measures the dial as an ellipse).

The report's clock lies on a floor in a deep case: seen at a slant, its front rim is displaced from the face
along the tilt, so the rim's inner wall shows on one side of the face and the case's outer wall on the other, and
its glass throws a large soft glare that saturates to white. `compose_case` paints these in the picture's own
pixels (ellipse coverages, antialiased analytically: a few numpy passes at 150 px) around the photographed face.
Only presets that give a style a Case with depth (`photo-floor`) pay for it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ablab.clock.draw.backdrop import texture
from ablab.clock.draw.camera import camera_matrix
from ablab.clock.draw.geometry import Dial, canvas_side_px
from ablab.clock.draw.style import ClockStyle

ELLIPSE_FIELDS = ("centre_x_px", "centre_y_px", "semi_major_px", "semi_minor_px", "angle_deg")


def face_frame(style: ClockStyle, size_px: int) -> tuple[np.ndarray, np.ndarray]:
    """(centre (2,), matrix (2, 2)) in image pixels (x right, y down, pixel edges at 0 and size): the point of the
    face at (x, y) radii from the centre (x toward 3 o'clock, y toward 6, before mirror and turn) is shown at
    centre + matrix @ (x, y). The face's aspect_x is in the matrix, so its outline at 12/3/6/9 is the unit circle."""
    dial = Dial.place(style.face, size_px)
    a, b, c, d, e, f = camera_matrix(style.camera, size_px, canvas_side_px(size_px))
    inverse = np.linalg.inv(np.array([[a, b], [d, e]]))  # canvas = A·q + t  →  q = A⁻¹·(canvas − t)
    centre = inverse @ np.array([dial.cx - c, dial.cy - f])
    return centre, inverse @ np.diag([dial.radius_px * dial.aspect_x, dial.radius_px])


def dial_ellipse(style: ClockStyle, size_px: int) -> np.ndarray:
    """float32 (5,) ELLIPSE_FIELDS: the dial's outline in the face's plane (through its edge at 12, 3, 6 and 9;
    the exact outline of a round or oval dial), in image pixels; the angle is the major axis's, degrees clockwise
    from image-right (y grows down), in [0, 180). Half-axes, not OpenCV's full axes."""
    centre, matrix = face_frame(style, size_px)
    turn, halves, _ = np.linalg.svd(matrix)
    angle_deg = math.degrees(math.atan2(turn[1, 0], turn[0, 0])) % 180.0
    return np.array([centre[0], centre[1], halves[0], halves[1], angle_deg], np.float32)


def lift_px(style: ClockStyle, size_px: int) -> np.ndarray:
    """(2,) image pixels a point moves per radius it stands above the face: a weak-perspective camera sees the
    dial's normal along the tilt axis, shortened by sin(tilt); lift_sign says toward which end."""
    camera = style.camera
    radius_px = style.face.radius_frac * size_px * camera.zoom  # Dial.place's radius, in output pixels
    reach = style.case.lift_sign * math.sin(math.radians(camera.tilt_deg)) * radius_px
    axis = math.radians(camera.tilt_axis_deg)
    return reach * np.array([math.cos(axis), math.sin(axis)])


@functools.lru_cache(maxsize=4)
def _pixel_centres(size_px: int) -> tuple[np.ndarray, np.ndarray]:
    axis = np.arange(size_px, dtype=np.float32) + 0.5
    return axis[None, :], axis[:, None]


@dataclass(frozen=True)
class DialGrid:
    """Every pixel of the picture in the face's coordinates (u, v radii from its centre; (size, size) float32 each),
    with the pixels per radius across the outline there (px_per_unit): computed once a picture, then every ellipse
    of the case (all the dial's outline, moved and scaled) costs a few array operations, not a solve per pixel."""

    u: np.ndarray
    v: np.ndarray
    px_per_unit: np.ndarray
    facing_x: np.ndarray  # image direction of each pixel from the centre, unit length: shading toward a light
    facing_y: np.ndarray

    @classmethod
    def of(cls, centre: np.ndarray, matrix: np.ndarray, size_px: int) -> DialGrid:
        x, y = _pixel_centres(size_px)
        inv = np.linalg.inv(matrix).astype(np.float32)
        dx, dy = x - np.float32(centre[0]), y - np.float32(centre[1])
        u, v = inv[0, 0] * dx + inv[0, 1] * dy, inv[1, 0] * dx + inv[1, 1] * dy
        rho = np.sqrt(u * u + v * v) + np.float32(1e-6)
        # |∇rho| (radii per pixel) along the direction from the centre; its inverse turns radii into pixels
        slope = np.sqrt((inv[0, 0] * u + inv[1, 0] * v) ** 2 + (inv[0, 1] * u + inv[1, 1] * v) ** 2) / rho
        dist = np.sqrt(dx * dx + dy * dy) + np.float32(1e-6)
        return cls(u, v, 1.0 / (slope + np.float32(1e-6)), dx / dist, dy / dist)

    def rho(self, offset_uv: np.ndarray, scale: float) -> np.ndarray:
        """Distance of every pixel, in units of `scale` radii, from the dial point offset_uv (radii)."""
        du, dv = self.u - np.float32(offset_uv[0]), self.v - np.float32(offset_uv[1])
        return np.sqrt(du * du + dv * dv) / np.float32(scale)

    def cover(self, rho: np.ndarray, scale: float, soft_px: float = 1.0) -> np.ndarray:
        """Coverage in [0, 1] of the disc rho <= 1 (rho in units of `scale` radii), its edge ramped over soft_px
        pixels (1: antialiased; more: a soft shadow)."""
        return np.clip(0.5 + (1.0 - rho) * (np.float32(scale / soft_px) * self.px_per_unit), 0.0, 1.0)

    def facing(self, light_deg: float) -> np.ndarray:
        """cos of the angle between each pixel's direction from the centre and the light's: +1 on the lit side."""
        light = math.radians(light_deg)
        return np.float32(math.cos(light)) * self.facing_x + np.float32(math.sin(light)) * self.facing_y


def _mix(under: np.ndarray, over, cover: np.ndarray) -> np.ndarray:
    """under painted with over where cover (in place)."""
    under += cover * (over - under)
    return under


def compose_case(picture: Image.Image, style: ClockStyle) -> Image.Image:
    """The photographed face set in its case on the floor: floor and the clock's shadow, the case's outer wall,
    the front rim (shaded toward the light), the rim's inner wall, the face seen through the rim, glare."""
    size_px, case, face = picture.width, style.case, style.face
    centre, matrix = face_frame(style, size_px)
    grid = DialGrid.of(centre, matrix, size_px)
    lift = np.linalg.solve(matrix, lift_px(style, size_px))  # radii of the face per radius of height
    if style.backdrop.kind == "plain":
        out = np.full((size_px, size_px), float(face.background_gray), np.float32)
    else:
        out = texture(style.backdrop, size_px).astype(np.float32)
    if case.shadow_gray > 0:
        spot = -case.back_frac_r * lift + np.array([case.shadow_dx_frac_r, case.shadow_dy_frac_r])
        soft_px = 0.12 * float(np.linalg.svd(matrix, compute_uv=False)[0])
        out -= case.shadow_gray * grid.cover(grid.rho(spot, 1.04), 1.04, soft_px)
    _outer_wall(out, grid, case, lift)
    top = case.depth_frac_r * lift
    shine = case.rim_shine * grid.facing(case.rim_light_deg)
    _mix(out, face.border_gray + shine, grid.cover(grid.rho(top, 1.0), 1.0))
    opening = 1.0 - face.border_width_frac_r
    hole = grid.cover(grid.rho(top, opening), opening)
    _mix(out, (0.55 * face.border_gray + 0.45 * face.face_gray) - 0.8 * shine, hole)
    seen = hole * grid.cover(grid.rho(np.zeros(2), opening), opening)
    _mix(out, np.asarray(picture, np.float32), seen)
    for x, y, sigma, peak in case.glare:
        out += (peak * hole) * np.exp(-0.5 * grid.rho(top + np.array([x, y]), sigma) ** 2)
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def _outer_wall(out: np.ndarray, grid: DialGrid, case, lift: np.ndarray) -> None:
    """The case's side, from its back on the floor up to the front rim: the dial's outline swept along the lift
    (a capsule in the face's coordinates: every pixel's distance from the segment the centre sweeps), a little
    darker toward the floor."""
    low, high = -case.back_frac_r, case.depth_frac_r
    length2 = float(lift @ lift) + 1e-12
    start = low * lift
    along = ((grid.u - np.float32(start[0])) * np.float32(lift[0]) + (grid.v - np.float32(start[1])) *
             np.float32(lift[1])) / np.float32(length2)  # heights above the back, in units of the lift
    along = np.clip(along, 0.0, high - low)
    du = grid.u - np.float32(start[0]) - along * np.float32(lift[0])
    dv = grid.v - np.float32(start[1]) - along * np.float32(lift[1])
    cover = grid.cover(np.sqrt(du * du + dv * dv), 1.0)
    _mix(out, case.wall_gray - 12.0 * (1.0 - along / np.float32(max(high - low, 1e-6))), cover)
