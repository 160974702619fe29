"""Renderer: geometry of the hands (the convention every reader depends on), camera, determinism, preset rules."""

from dataclasses import replace

import numpy as np
import pytest

from ablab.clock.draw.presets import SINGLE_DESIGN, clean_style, sample_style
from ablab.clock.draw.render import hand_angles_deg, render_clock, render_sample
from ablab.clock.draw.sheet import contact_sheet, label_text
from ablab.clock.draw.style import has_mirror_cue
from ablab.errors import AblabError

SIZE = 150
ANGLES_DEG = np.arange(0, 360, 5)


def ray_darkness(image: np.ndarray, angle_deg: float) -> float:
    """Mean darkness (255 - gray) along a ray from the centre, clockwise from up, between 0.15 and 0.45 radii:
    inside the numerals, where both hands of the clean clock pass."""
    radius_px = SINGLE_DESIGN.face.radius_frac * image.shape[0]
    centre = image.shape[0] / 2
    r = np.linspace(0.15, 0.45, 24) * radius_px
    a = np.radians(angle_deg)
    x = (centre + r * np.sin(a)).astype(int)
    y = (centre - r * np.cos(a)).astype(int)
    return float(np.mean(255.0 - image[y, x]))


def inked_angles(image: np.ndarray) -> dict[float, float]:
    return {float(a): ray_darkness(image, a) for a in ANGLES_DEG}


def assert_hands_at(image: np.ndarray, expected_deg: list[float]) -> None:
    """Rays at the expected angles are dark; every ray at least 20° from all of them is face-light."""
    darkness = inked_angles(image)
    for angle in expected_deg:
        assert ray_darkness(image, angle) > 150, (angle, darkness)
    far = [a for a in darkness if all(abs((a - e + 180) % 360 - 180) >= 20 for e in expected_deg)]
    assert far and max(darkness[a] for a in far) < 60, darkness


@pytest.mark.parametrize(
    "hour, minute, hands_deg",
    [(3, 0, [90, 0]), (6, 0, [180, 0]), (9, 0, [270, 0]), (0, 30, [15, 180])],
)
def test_hands_lie_along_expected_rays(hour, minute, hands_deg):
    image = render_clock(hour, minute, style=clean_style(), size=SIZE)
    assert image.shape == (SIZE, SIZE) and image.dtype == np.uint8
    assert_hands_at(image, hands_deg)


def test_hour_hand_moves_with_the_minutes():
    """At 12:30 the hour hand is at 15°, not at 0°; at 3:30 halfway between 3 and 4 (105°), not at 90°."""
    half_past_twelve = render_clock(0, 30, style=clean_style())
    assert ray_darkness(half_past_twelve, 15) > 3 * ray_darkness(half_past_twelve, 0)
    half_past_three = render_clock(3, 30, style=clean_style())
    assert ray_darkness(half_past_three, 105) > 3 * ray_darkness(half_past_three, 90)
    assert hand_angles_deg(3, 30) == (105.0, 180.0)
    assert hand_angles_deg(11, 59) == (pytest.approx(359.5), 354.0)


def test_rotation_turns_the_whole_clock_clockwise():
    rotated = render_clock(3, 0, style=_with_camera(clean_style(), rotation_deg=90))
    assert_hands_at(rotated, [180, 90])  # 12 now points right, 3 o'clock down


def test_mirror_flips_the_hands_about_the_12_6_axis():
    mirrored = render_clock(3, 0, style=_with_camera(clean_style(), mirrored=True))
    assert_hands_at(mirrored, [270, 0])
    plain = render_clock(3, 0, style=clean_style())
    assert np.array_equal(mirrored, plain[:, ::-1]) or np.mean(np.abs(mirrored - plain[:, ::-1].astype(int))) < 3


def test_canvas_covers_the_picture_under_the_strongest_camera():
    """Every output corner maps inside the canvas, so clutter never ends at a visible canvas edge."""
    from ablab.clock.draw.camera import camera_matrix
    from ablab.clock.draw.geometry import MAX_SHIFT, MAX_TILT_DEG, MIN_ZOOM, canvas_side_px
    from ablab.clock.draw.style import Camera

    side = canvas_side_px(SIZE)
    for rotation in range(0, 360, 15):
        for axis in range(0, 180, 15):
            for shift in (-MAX_SHIFT, MAX_SHIFT):
                camera = Camera(rotation, True, MAX_TILT_DEG, axis, MIN_ZOOM, shift, -shift)
                a, b, c, d, e, f = camera_matrix(camera, SIZE, side)
                for u, v in ((0, 0), (SIZE, 0), (0, SIZE), (SIZE, SIZE)):
                    assert 0 <= a * u + b * v + c <= side and 0 <= d * u + e * v + f <= side


def test_same_rng_same_bytes_other_rng_other_image():
    for preset in ("single", "varied"):
        a, style_a = render_sample(4, 20, preset, np.random.default_rng(7))
        b, style_b = render_sample(4, 20, preset, np.random.default_rng(7))
        c, _ = render_sample(4, 20, preset, np.random.default_rng(8))
        assert a.tobytes() == b.tobytes() and style_a == style_b
        assert a.tobytes() != c.tobytes()


def test_other_sizes_render():
    image, _ = render_sample(10, 10, "varied", np.random.default_rng(0), size=64)
    assert image.shape == (64, 64) and image.dtype == np.uint8


def test_bad_time_and_unknown_preset_are_user_errors():
    with pytest.raises(AblabError, match="hour must be 0-11"):
        render_clock(12, 0, style=clean_style())
    with pytest.raises(AblabError, match="minute"):
        render_clock(1, 60, style=clean_style())
    with pytest.raises(AblabError,
                       match="unknown clock preset .fancy.; known: .*photo-floor.*single, small"):
        sample_style("fancy", np.random.default_rng(0))


def test_varied_styles_keep_clocks_readable():
    """Over many of `varied`'s own designs (the presets it mixes in break these rules on purpose: presets_faces):
    minute hand clearly longer, a way to find 12 on every dial, mirrors only with a cue."""
    import random

    from ablab.clock.draw.presets_varied import VARIED_MIRROR_PROBABILITY, sample_varied

    rng = random.Random(0)
    styles = [replace(design, camera=camera) for design, camera in
              (sample_varied(rng, VARIED_MIRROR_PROBABILITY) for _ in range(400))]
    for style in styles:
        hands = style.hands
        assert hands.minute_length_frac_r >= 1.3 * hands.hour_length_frac_r
        assert hands.minute_width_frac_r <= hands.hour_width_frac_r
        if style.numerals.kind == "none":
            assert style.marker.twelve != "none" and style.ticks.kind != "none"
        if style.numerals.subset == "twelve":
            assert style.ticks.kind != "none"
        if style.mirrored:
            assert has_mirror_cue(style)
        inks = [style.ticks.gray] + ([style.numerals.gray] if style.numerals.kind != "none" else [])
        assert min(abs(style.face.face_gray - ink) for ink in inks) >= 90
        if hands.shadow_gray is None:
            assert abs(style.face.face_gray - hands.gray) >= 90
        else:  # faint hands (presets_varied.faint_hands): 35–100 levels off, drawn again by a darker shadow
            assert 35 <= style.face.face_gray - hands.gray and style.face.face_gray - hands.shadow_gray >= 15
    mirrored = np.mean([s.mirrored for s in styles])
    assert 0.12 < mirrored < 0.28  # about a fifth, all on dials that show the mirror
    assert {s.numerals.kind for s in styles} == {"arabic", "roman", "none"}
    assert {s.hands.shape for s in styles} == {"line", "tapered", "lance", "arrow"}
    assert {s.face.exponent == 2.0 for s in styles} == {True, False}


def test_single_preset_is_one_clock_mirrored_about_a_fifth():
    rng = np.random.default_rng(1)
    styles = [sample_style("single", rng) for _ in range(500)]
    assert all(s.face == SINGLE_DESIGN.face and s.hands == SINGLE_DESIGN.hands for s in styles)
    assert 0.15 < np.mean([s.mirrored for s in styles]) < 0.25
    rotations = np.array([s.rotation_deg for s in styles])
    assert rotations.min() < 20 and rotations.max() > 340


def test_contact_sheet_labels():
    assert label_text(0, 5, False) == "00:05"
    assert label_text(11, 59, True) == "11:59 M"
    images = np.zeros((8, 40, 40), dtype=np.uint8)
    sheet = contact_sheet(images, np.zeros((8, 2), dtype=np.int64), np.zeros(8, dtype=bool), columns=4)
    assert sheet.width > 4 * 40 and sheet.height > 2 * 40


def test_blur_has_the_requested_sigma_and_keeps_brightness():
    from ablab.clock.draw.camera import blur

    impulse = np.zeros((41, 41), dtype=np.float32)
    impulse[20, 20] = 1000.0
    for sigma in (0.5, 1.0):
        spread = blur(impulse, sigma)
        offsets = np.arange(41) - 20
        assert spread.sum() == pytest.approx(1000.0, rel=1e-5)
        assert np.sqrt((spread.sum(axis=0) * offsets**2).sum() / 1000.0) == pytest.approx(sigma, rel=1e-3)
    flat = np.full((9, 9), 77.0, dtype=np.float32)
    assert np.allclose(blur(flat, 0.8), 77.0)


def _with_camera(style, **changes):
    """style with some camera fields changed (rotation_deg, mirrored, tilt...)."""
    import dataclasses

    return dataclasses.replace(style, camera=dataclasses.replace(style.camera, **changes))
