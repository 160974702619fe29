import numpy as np
import pytest

from ablab.clock.data.parts import Frame
from ablab.clock.read.encodings import ENCODINGS, get_encoding
from ablab.clock.read.metrics import cse_minutes
from ablab.errors import AblabError


def _with_camera(style, **changes):
    """style with some camera fields changed (rotation_deg, mirrored, tilt...)."""
    import dataclasses

    return dataclasses.replace(style, camera=dataclasses.replace(style.camera, **changes))


ALL_TIMES = np.array([[h, m] for h in range(12) for m in range(60)])
RNG = np.random.default_rng(0)


def _frame():
    """A random camera per time, and the landmarks the renderer's geometry puts there (tilt and zoom included)."""
    from ablab.clock.data.landmarks import style_landmarks
    from ablab.clock.draw.presets import clean_style

    rotation, mirrored = RNG.uniform(0, 360, 720), RNG.random(720) < 0.3
    tilt, axis = RNG.uniform(0, 20, 720), RNG.uniform(0, 180, 720)
    points = np.stack([
        style_landmarks(_with_camera(clean_style(), rotation_deg=r, mirrored=bool(m), tilt_deg=t, tilt_axis_deg=a),
                        h, mi, 150)
        for (h, mi), r, m, t, a in zip(ALL_TIMES, rotation, mirrored, tilt, axis)
    ])
    return Frame(rotation_deg=rotation, mirrored=mirrored, landmarks=points)


FRAME = _frame()


def _as_outputs(enc, targets):
    """Turn targets into what a perfect model would output (class indices → one-hot probabilities)."""
    out = {}
    for head in enc.heads:
        t = targets[head.name]
        out[head.name] = np.eye(head.units)[t] if head.activation == "softmax" else t
    return out


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_decode_inverts_targets_on_all_720_times(name):
    enc = get_encoding(name)
    decoded, conf = enc.decode(_as_outputs(enc, enc.targets(ALL_TIMES, FRAME)))
    assert decoded.shape == (720, 2) and decoded.dtype == np.int64
    assert ((decoded[:, 0] >= 0) & (decoded[:, 0] < 12) & (decoded[:, 1] >= 0) & (decoded[:, 1] < 60)).all()
    err = cse_minutes(ALL_TIMES, decoded)
    if name == "landmarks":  # the frame ignores tilt's foreshortening (see landmarks.dial_frame): ≤ 1 min, rarely
        assert err.max() <= 1 and err.mean() < 0.1
    elif enc.bin_width_min == 1:
        np.testing.assert_array_equal(err, 0)
    else:
        assert err.max() <= enc.bin_width_min / 2
    if conf is not None and name != "landmarks":  # landmarks: confidence is the frame's squareness (tilt lowers it)
        np.testing.assert_allclose(conf, 1.0, atol=1e-5)


def test_every_encoding_in_the_issue_is_registered():
    expected = {"regression-minutes", "regression-hours", "multihead", "multihead-periodic", "periodic", "hands"}
    expected |= {f"classification-{n}" for n in (12, 24, 72, 144, 720)} | {"hands-frame", "landmarks"}
    assert set(ENCODINGS) == expected


def test_unknown_encoding_lists_known_names():
    with pytest.raises(AblabError, match="hands"):
        get_encoding("sundial")


def test_hands_hour_follows_minute_near_the_hour_boundary():
    """At 2:58 the hour hand is almost at 3; the decode must still say 2 (hour hand minus minute fraction)."""
    enc = get_encoding("hands")
    t = enc.targets([[2, 58], [3, 2], [11, 59], [0, 1]])
    # nudge the hour hand by half an hour's worth of noise toward the wrong side: still decoded right
    decoded, _ = enc.decode(t)
    np.testing.assert_array_equal(decoded, [[2, 58], [3, 2], [11, 59], [0, 1]])
    angle = np.arctan2(t["hour_hand"][:, 0], t["hour_hand"][:, 1]) + np.deg2rad(12.0)  # +24 min of hour-hand error
    t["hour_hand"] = np.stack([np.sin(angle), np.cos(angle)], 1)
    decoded, _ = enc.decode(t)
    np.testing.assert_array_equal(decoded, [[2, 58], [3, 2], [11, 59], [0, 1]])


def test_periodic_confidence_drops_when_the_vector_shrinks():
    enc = get_encoding("periodic")
    t = enc.targets([[4, 20]])
    _, conf = enc.decode({"dial": t["dial"] * 0.3})
    assert conf[0] == pytest.approx(0.3)


def test_regression_decodes_wrap_around_twelve():
    enc = get_encoding("regression-hours")
    decoded, conf = enc.decode({"time": np.array([[-0.1], [12.05], [5.5]])})
    np.testing.assert_array_equal(decoded, [[11, 54], [0, 3], [5, 30]])
    assert conf is None


def test_multihead_minute_near_sixty_rounds_to_zero():
    enc = get_encoding("multihead")
    probs = np.eye(12)[[3]]
    decoded, _ = enc.decode({"hour": probs, "minute": np.array([[59.7]])})
    np.testing.assert_array_equal(decoded, [[3, 0]])


def test_frame_encoding_needs_the_camera():
    with pytest.raises(AblabError, match="rotation"):
        get_encoding("hands-frame").targets(ALL_TIMES)


def test_frame_targets_rotate_and_mirror_the_hands():
    """3:00 on a clock turned 90° clockwise: minute hand points right (90°), hour hand down (180°);
    mirrored, the hour hand (dial 90°) shows at 90° − 90° = 0°: up."""
    enc = get_encoding("hands-frame")
    t = enc.targets([[3, 0], [3, 0]], Frame(rotation_deg=np.array([90.0, 90.0]), mirrored=np.array([False, True])))
    np.testing.assert_allclose(t["minute_img"], [[1, 0], [1, 0]], atol=1e-6)
    np.testing.assert_allclose(t["hour_img"], [[0, -1], [0, 1]], atol=1e-6)
    np.testing.assert_array_equal(t["mirror"][:, 0], [0, 1])
