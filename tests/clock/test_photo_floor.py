"""The report's kind of photograph (`photo-floor`): a clock on a floor at up to 60° of tilt, in a deep case. The 7
landmarks and the dial's ellipse must stay where the picture shows them under any tilt, turn and mirror."""

import math
from dataclasses import replace

import numpy as np
import pytest

from ablab.clock.data.dataset import read_clock_dir
from ablab.clock.data.generate import generate, write_clock_dir
from ablab.clock.data.landmarks import LANDMARKS, normalized_ellipse, style_ellipse, style_landmarks
from ablab.clock.data.parts import Frame
from ablab.clock.draw.case import face_frame
from ablab.clock.draw.geometry import FLOOR_MAX_TILT_DEG
from ablab.clock.draw.presets import clean_style, sample_style
from ablab.clock.draw.render import render_clock
from ablab.clock.draw.style import Backdrop, Camera, MarkerDesign, NumeralDesign, Photo, TickDesign

SIZE = 150
CAMERAS = [Camera(tilt_deg=tilt, tilt_axis_deg=axis, rotation_deg=turn, mirrored=mirrored)
           for tilt, axis, turn, mirrored in [(0, 0, 0, False), (40, 30, 75, False), (60, 120, 200, True),
                                              (55, 0, 310, True), (60, 90, 0, False)]]


def flat_clock(camera: Camera):
    """The clean `single` clock with a triangle at 12 and nothing else on its dial, on a plain floor (a floor
    lets the tilt pass 25°), seen through `camera`."""
    style = clean_style()
    style = replace(style, numerals=NumeralDesign(kind="none"), ticks=TickDesign(kind="none"),
                    marker=MarkerDesign(twelve="triangle", size_frac_r=0.16))
    return replace(style, camera=camera, backdrop=Backdrop(kind="tiles", seed=1, gray=200, contrast=3.0))


def pixel(image: np.ndarray, point_px: np.ndarray) -> float:
    x, y = np.clip(np.asarray(point_px).astype(int), 0, image.shape[0] - 1)
    return float(image[y, x])


def to_px(points: np.ndarray) -> np.ndarray:
    return (np.asarray(points) + 1.0) / 2.0 * SIZE


@pytest.mark.parametrize("camera", CAMERAS, ids=lambda c: f"tilt{c.tilt_deg:g}-turn{c.rotation_deg:g}-m{c.mirrored}")
def test_landmarks_and_ellipse_lie_where_the_tilted_picture_shows_them(camera):
    style = flat_clock(camera)
    image = render_clock(3, 0, style=style)  # hour hand at the 3, minute hand at the 12
    points = dict(zip(LANDMARKS, to_px(style_landmarks(style, 3, 0, SIZE))))
    centre = points["centre"]
    face = pixel(image, centre + 0.5 * (points["dial9"] - centre))
    assert face > 180
    for tip, toward in (("minute_tip", "dial12"), ("hour_tip", "dial3")):
        assert pixel(image, centre + 0.6 * (points[tip] - centre)) < 80  # on the hand's ink
        direction = (points[toward] - centre) / np.linalg.norm(points[toward] - centre)
        along = (points[tip] - centre) / np.linalg.norm(points[tip] - centre)
        assert along @ direction > 0.99  # each hand points at its dial landmark, mirrored or not
    triangle = centre + (0.85 / 0.75) * (points["dial12"] - centre)  # the 12 mark sits at 0.76–0.88 radii
    assert pixel(image, triangle) < 80 and pixel(image, centre + (0.85 / 0.75) * (points["dial6"] - centre)) > 180
    cx, cy, major, minor, angle_deg = style_ellipse(style, SIZE)
    np.testing.assert_allclose([cx, cy], centre, atol=1e-3)
    assert minor / major == pytest.approx(math.cos(math.radians(camera.tilt_deg)), abs=1e-4)
    border = 1.0 - style.face.border_width_frac_r / 2  # the middle of the dark border ring, in radii
    on_ring = [ellipse_point(style, border, phi) for phi in np.linspace(0, 2 * math.pi, 24, endpoint=False)]
    assert np.median([pixel(image, p) for p in on_ring]) < 90
    assert min(pixel(image, ellipse_point(style, 1.12, phi)) for phi in np.linspace(0, 6, 12)) > 150


def ellipse_point(style, rho: float, phi: float) -> np.ndarray:
    """The picture's point of the dial at distance rho (radii), clock angle phi, through the face's affine map."""
    centre, matrix = face_frame(style, SIZE)
    return centre + matrix @ (rho * np.array([math.sin(phi), -math.cos(phi)]))


def test_the_ellipse_is_the_outline_the_landmarks_lie_on():
    """Dial landmarks sit at 0.75 of the outline: rescaled, they lie on the ellipse of ellipse.npy's numbers."""
    for style in [sample_style("photo-floor", np.random.default_rng(seed)) for seed in range(12)]:
        cx, cy, major, minor, angle_deg = style_ellipse(style, SIZE)
        points = to_px(style_landmarks(style, 0, 0, SIZE))
        c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
        for point in points[3:]:
            dx, dy = (point - [cx, cy]) / 0.75
            u, v = c * dx + s * dy, -s * dx + c * dy
            assert (u / major) ** 2 + (v / minor) ** 2 == pytest.approx(1.0, abs=1e-3)


def test_photo_floor_tilts_to_60_degrees_and_keeps_the_hands_in_the_picture():
    rng = np.random.default_rng(4)
    styles = [sample_style("photo-floor", rng) for _ in range(300)]
    ratios = np.array([e[3] / e[2] for e in (style_ellipse(s, SIZE) for s in styles)])
    assert ratios.min() >= math.cos(math.radians(FLOOR_MAX_TILT_DEG)) - 1e-6 and np.mean(ratios < 0.7) > 0.2
    assert all(s.case.depth_frac_r > 0 and s.backdrop.kind != "plain" for s in styles)
    assert any(s.case.glare for s in styles) and 0.1 < np.mean([s.mirrored for s in styles]) < 0.3
    for style in styles[:60]:
        assert np.abs(style_landmarks(style, 10, 8, SIZE)).max() < 1.0  # tips and dial points inside the frame


def test_photo_floor_hands_lie_on_their_landmarks():
    """Without glare, halfway to each hand tip lies the hand's dark ink, far from the face's gray."""
    rng = np.random.default_rng(8)
    ink_gap = []
    for k in range(12):
        style = sample_style("photo-floor", rng)
        style = replace(style, case=replace(style.case, glare=()), photo=Photo())
        hour, minute = k, (17 * k) % 60
        image = render_clock(hour, minute, style=style)
        points = dict(zip(LANDMARKS, to_px(style_landmarks(style, hour, minute, SIZE))))
        centre = points["centre"]
        face = np.median([pixel(image, centre + 0.5 * (points[d] - centre)) for d in ("dial3", "dial9", "dial6")])
        ink_gap.append(face - pixel(image, centre + 0.55 * (points["minute_tip"] - centre)))
    assert np.median(ink_gap) > 100


def test_generate_writes_the_ellipse_and_a_split_carries_it_flipped_with_the_picture(tmp_path):
    clocks = generate("photo-floor", 12, size=64, seed=3, workers=1)
    assert clocks.ellipse.shape == (12, 5) and clocks.ellipse.dtype == np.float32
    again = generate("photo-floor", 12, size=64, seed=3, workers=1)
    assert np.array_equal(clocks.images, again.images) and np.array_equal(clocks.ellipse, again.ellipse)
    back = read_clock_dir(write_clock_dir(clocks, tmp_path / "set"))
    np.testing.assert_array_equal(back.ellipse, clocks.ellipse)
    frame = back.take(np.arange(12)).frame
    np.testing.assert_allclose(frame.ellipse[:, :2], frame.landmarks[:, 0], atol=1e-5)  # centres agree
    np.testing.assert_allclose(frame.ellipse, normalized_ellipse(clocks.ellipse, 64))
    flipped = Frame(frame.rotation_deg, frame.mirrored, frame.landmarks, frame.mirror_cue, frame.ellipse).flipped(
        np.ones(12, bool))
    np.testing.assert_allclose(flipped.ellipse[:, 0], -frame.ellipse[:, 0])
    np.testing.assert_allclose(flipped.ellipse[:, 4], np.mod(180 - frame.ellipse[:, 4], 180))
