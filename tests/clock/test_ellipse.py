"""The dial's ellipse (ablab.clock.read.ellipse): found where it is drawn, and warped back to a circle.

The pictures are drawn here with OpenCV (a light face inside a dark rim, with a dark hand and numerals-like dots,
on a mid-gray or light floor), so the truth is exact and no renderer or training is needed.
"""

import math

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from ablab.clock.read.ellipse import Ellipse, fit_dial_ellipse, rectify, rectify_matrix  # noqa: E402

SIZE = 150


def _clock(cx, cy, major, minor, angle_deg, floor=110, size=SIZE) -> np.ndarray:
    """A dial seen at a slant: a dark rim 6 px wide around a light face of the given half-axes (pixel edges at 0),
    a hand and a few dark marks on the face."""
    image = np.full((size, size), floor, np.uint8)
    box = ((cx - 0.5, cy - 0.5), (2 * major + 12, 2 * minor + 12), angle_deg)  # OpenCV: pixel centres at integers
    cv2.ellipse(image, box, 30, -1)
    cv2.ellipse(image, ((cx - 0.5, cy - 0.5), (2 * major, 2 * minor), angle_deg), 235, -1)
    cv2.line(image, (int(cx), int(cy)), (int(cx + 0.6 * minor), int(cy - 0.3 * minor)), 20, 3)
    for k in range(12):
        t = 2 * math.pi * k / 12
        cv2.circle(image, (int(cx + 0.7 * minor * math.cos(t)), int(cy + 0.7 * minor * math.sin(t))), 2, 40, -1)
    return image


@pytest.mark.parametrize("truth", [(75, 75, 55, 33, 30.0), (70, 82, 50, 45, 120.0), (80, 70, 40, 40, 0.0),
                                   (60, 90, 45, 27, 95.0)])
def test_the_fit_finds_the_face_drawn_at_a_slant(truth):
    cx, cy, major, minor, angle = truth
    fit = fit_dial_ellipse(_clock(*truth))
    assert fit is not None
    assert math.hypot(fit.centre_x_px - cx, fit.centre_y_px - cy) < 1.0
    assert abs(fit.axis_ratio - minor / major) < 0.03
    assert abs(fit.semi_major_px - major) < 2.0
    if minor / major < 0.9:  # a near circle has no major axis to speak of
        assert abs((fit.angle_deg - angle + 90) % 180 - 90) < 3.0


def test_a_light_floor_around_the_rim_is_not_taken_for_the_face():
    fit = fit_dial_ellipse(_clock(70, 80, 45, 30, 20.0, floor=200))
    assert fit is not None and math.hypot(fit.centre_x_px - 70, fit.centre_y_px - 80) < 1.0


def test_a_rough_centre_chooses_the_face_it_lies_in():
    image = _clock(75, 75, 55, 33, 30.0)
    assert fit_dial_ellipse(image, rough_centre_px=(75.0, 75.0)) is not None
    assert fit_dial_ellipse(image, rough_centre_px=(3.0, 3.0)) is None  # the floor is no face


def test_a_picture_without_a_face_gives_none():
    assert fit_dial_ellipse(np.full((SIZE, SIZE), 90, np.uint8)) is None


def test_rectify_matrix_maps_the_ellipse_onto_the_circle_of_its_major_half_axis():
    ellipse = Ellipse(70.0, 80.0, 50.0, 30.0, 35.0)
    t = np.linspace(0, 2 * math.pi, 40)
    theta = math.radians(ellipse.angle_deg)
    major, minor = np.array([math.cos(theta), math.sin(theta)]), np.array([-math.sin(theta), math.cos(theta)])
    points = np.array([70.0, 80.0]) + np.outer(50 * np.cos(t), major) + np.outer(30 * np.sin(t), minor)
    matrix = rectify_matrix(ellipse)
    mapped = points @ matrix[:, :2].T + matrix[:, 2]
    np.testing.assert_allclose(np.linalg.norm(mapped - [70.0, 80.0], axis=1), 50.0, rtol=1e-9)
    assert np.linalg.det(matrix[:, :2]) > 0  # no mirror: the dial's turn stays for the reader to read


def test_a_rectified_dial_is_round_and_stays_where_it_was():
    image = _clock(72, 78, 50, 32, 140.0)
    fit = fit_dial_ellipse(image)
    again = fit_dial_ellipse(rectify(image, fit))
    assert again is not None and again.axis_ratio > 0.97
    assert math.hypot(again.centre_x_px - fit.centre_x_px, again.centre_y_px - fit.centre_y_px) < 1.0
    assert abs(again.semi_major_px - fit.semi_major_px) < 2.0


def test_an_ellipse_round_trips_through_its_fields():
    fields = [70.5, 80.25, 50.0, 30.0, 35.0]
    assert Ellipse.of(fields).as_array().tolist() == fields
    assert Ellipse.of(fields).axis_ratio == pytest.approx(0.6)


def test_a_dial_read_rectified_maps_back_onto_the_ellipse():
    """A circle read on the rectified picture, and a hand pointing at one of its points, map back to the ellipse
    and to the point the warp came from."""
    from ablab.clock.read.ellipse import unrectified
    from ablab.clock.read.explain import DialSeen, ellipse_point

    fit = Ellipse(70.0, 80.0, 50.0, 30.0, 35.0)
    centre = np.array([[70.0, 80.0]]) / 75 - 1
    phi = math.radians(100.0)
    seen = DialSeen.circle(centre, [50.0 / 75], np.array([[phi, 0.0, math.pi]]), [False])
    back = unrectified(seen, fit, SIZE)
    np.testing.assert_allclose(back.centre, centre, atol=1e-12)
    np.testing.assert_allclose(back.axes[0], [50 / 75, 30 / 75])
    matrix = rectify_matrix(fit)
    tip_rect = np.array([70.0 + 50 * math.sin(phi), 80.0 - 50 * math.cos(phi)])  # on the circle, pixels
    tip = np.linalg.solve(matrix[:, :2], tip_rect - matrix[:, 2])
    np.testing.assert_allclose((ellipse_point(back, 0, back.angles_rad[0, 0]) + 1) * 75, tip, atol=1e-9)
