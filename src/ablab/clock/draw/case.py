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

import numpy as np
from PIL import Image

from ablab.clock.draw.backdrop import texture
from ablab.clock.draw.camera import camera_matrix
from ablab.clock.draw.geometry import SUPERSAMPLE, Dial, canvas_side_px
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


def ellipse_cover(centre: np.ndarray, matrix: np.ndarray, size_px: int, soft_px: float = 1.0):
    """Coverage (size, size) in [0, 1] of the ellipse centre + matrix @ unit disc, its edge ramped over soft_px
    pixels (1: antialiased; more: a soft shadow); with the dial coordinates (u, v) of every pixel."""
    x, y = _pixel_centres(size_px)
    inv = np.linalg.inv(matrix)
    dx, dy = x - np.float32(centre[0]), y - np.float32(centre[1])
    u, v = inv[0, 0] * dx + inv[0, 1] * dy, inv[1, 0] * dx + inv[1, 1] * dy
    rho = np.sqrt(u * u + v * v) + 1e-6
    # |∇rho| turns the dial-unit distance (1 − rho) into pixels
    slope = np.sqrt((inv[0, 0] * u + inv[1, 0] * v) ** 2 + (inv[0, 1] * u + inv[1, 1] * v) ** 2) / rho
    return np.clip(0.5 + (1.0 - rho) / (slope * soft_px + 1e-6), 0.0, 1.0), u, v


def _mix(under: np.ndarray, over, cover: np.ndarray) -> np.ndarray:
    """under painted with over where cover (in place where it can)."""
    under += cover * (over - under)
    return under


def compose_case(picture: Image.Image, style: ClockStyle) -> Image.Image:
    """The photographed face set in its case on the floor: floor and the clock's shadow, the case's outer wall,
    the front rim (shaded toward the light), the rim's inner wall, the face seen through the rim, glare."""
    size_px, case, face = picture.width, style.case, style.face
    centre, matrix = face_frame(style, size_px)
    lift = lift_px(style, size_px)
    if style.backdrop.kind == "plain":
        out = np.full((size_px, size_px), float(face.background_gray), np.float32)
    else:
        out = texture(style.backdrop, size_px).astype(np.float32)
    radius_px = float(np.linalg.svd(matrix, compute_uv=False)[0])
    if case.shadow_gray > 0:
        spot = centre - case.back_frac_r * lift + matrix @ np.array([case.shadow_dx_frac_r, case.shadow_dy_frac_r])
        out -= case.shadow_gray * ellipse_cover(spot, 1.04 * matrix, size_px, 0.12 * radius_px)[0]
    _outer_wall(out, style, centre, matrix, lift)
    top = centre + case.depth_frac_r * lift
    rim, u, v = ellipse_cover(top, matrix, size_px)
    _mix(out, face.border_gray + case.rim_shine * _facing(matrix, u, v, case.rim_light_deg), rim)
    opening = 1.0 - face.border_width_frac_r
    hole, u, v = ellipse_cover(top, opening * matrix, size_px)
    inner_gray = 0.55 * face.border_gray + 0.45 * face.face_gray
    _mix(out, inner_gray - 0.8 * case.rim_shine * _facing(matrix, u, v, case.rim_light_deg), hole)
    seen = hole * ellipse_cover(centre, opening * matrix, size_px)[0]
    _mix(out, np.asarray(picture, np.float32), seen)
    for x, y, sigma, peak in case.glare:
        spot_centre = top + matrix @ np.array([x, y])
        _, gu, gv = ellipse_cover(spot_centre, sigma * matrix, size_px)
        out += (peak * hole) * np.exp(-0.5 * (gu * gu + gv * gv))
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def _outer_wall(out: np.ndarray, style: ClockStyle, centre: np.ndarray, matrix: np.ndarray, lift: np.ndarray):
    """The case's side, from its back on the floor up to the front rim: the dial's outline swept along the lift
    (seven steps: at most a pixel apart at 60° of tilt), a little darker toward the floor."""
    case = style.case
    heights = np.linspace(-case.back_frac_r, case.depth_frac_r, 7)
    for step, height in enumerate(heights):
        cover = ellipse_cover(centre + height * lift, matrix, out.shape[0])[0]
        _mix(out, case.wall_gray - 12.0 * (1 - step / 6), cover)


def _facing(matrix: np.ndarray, u: np.ndarray, v: np.ndarray, light_deg: float) -> np.ndarray:
    """cos of the angle between the image direction of dial point (u, v) from the centre and the light's: +1 on
    the rim's lit side, −1 on its far side."""
    dx, dy = matrix[0, 0] * u + matrix[0, 1] * v, matrix[1, 0] * u + matrix[1, 1] * v
    norm = np.sqrt(dx * dx + dy * dy) + 1e-6
    light = math.radians(light_deg)
    return (math.cos(light) * dx + math.sin(light) * dy) / norm
