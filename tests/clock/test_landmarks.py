import numpy as np
import pytest

from ablab.clock.data.landmarks import LANDMARKS, style_landmarks
from ablab.clock.read.encodings import hand_angles_rad
from ablab.errors import AblabError


@pytest.fixture(scope="module")
def varied_set():
    from ablab.clock.data.generate import generate

    return generate("varied", 16, size=150, seed=21, workers=1)


def _pixel(image, point):
    x, y = (np.asarray(point) + 1) / 2 * image.shape[0]
    return float(image[int(np.clip(y, 0, image.shape[0] - 1)), int(np.clip(x, 0, image.shape[1] - 1))])


def test_the_generator_writes_the_points_of_the_styles_it_drew_and_they_decode_to_the_labels(varied_set):
    from ablab.clock.data.generate import sample_rng, sample_time
    from ablab.clock.draw.presets import sample_style

    points = varied_set.landmarks
    for i in (0, 7):  # the points are style_landmarks of sample i's own style
        rng = sample_rng(21, i)
        hour, minute = sample_time(rng)
        np.testing.assert_array_equal(points[i], style_landmarks(sample_style("varied", rng), hour, minute, 150))
    minute_angle, hour_angle, _ = hand_angles_rad(points)
    minute = np.rint(minute_angle * 60 / (2 * np.pi)) % 60
    hour = np.rint(hour_angle * 6 / np.pi - minute / 60) % 12
    # decoded in a similarity frame (encodings.dial_frame), exact up to ~25° of tilt; `varied` also holds
    # photographs tilted up to 60° (photo-floor), which only an ellipse frame reads exactly
    flat = varied_set.ellipse[:, 3] / varied_set.ellipse[:, 2] > np.cos(np.radians(25.0))
    assert flat.sum() >= 8
    np.testing.assert_array_equal(np.stack([hour, minute], 1)[flat], varied_set.labels[flat])


def test_hand_tips_lie_on_hand_ink(varied_set):
    """Halfway from the centre to each tip there is hand ink (far from the face's gray) more often than halfway
    to the dial's 12/3/6/9 points at the same distance."""
    points = varied_set.landmarks
    on_hand, off_hand = [], []
    for img, p in zip(varied_set.images, points):
        centre = p[LANDMARKS.index("centre")]
        face = np.median([_pixel(img, centre + 0.8 * (p[LANDMARKS.index(k)] - centre)) for k in ("dial3", "dial9")])
        for tip in ("minute_tip", "hour_tip"):
            on_hand.append(abs(_pixel(img, centre + 0.5 * (p[LANDMARKS.index(tip)] - centre)) - face))
    for img, p in zip(varied_set.images, points):
        centre = p[LANDMARKS.index("centre")]
        face = np.median([_pixel(img, centre + 0.8 * (p[LANDMARKS.index(k)] - centre)) for k in ("dial3", "dial9")])
        off_hand.append(abs(_pixel(img, centre + 0.5 * (p[LANDMARKS.index("dial6")] - centre)) - face))
    assert np.median(on_hand) > 60 and np.median(on_hand) > 2 * np.median(off_hand)


def test_a_directory_carries_its_landmarks_and_a_set_without_them_is_refused_for_landmarks(varied_set, tmp_path):
    from ablab.clock.data.dataset import load, split_indices
    from ablab.clock.data.generate import write_clock_dir
    from ablab.clock.read.encodings import get_encoding

    write_clock_dir(varied_set, tmp_path / "set")
    arrays = load(tmp_path / "set")
    assert arrays.train.frame.landmarks.shape == (len(arrays.train), len(LANDMARKS), 2)
    index = split_indices(len(varied_set), 0)[0]
    np.testing.assert_array_equal(arrays.train.frame.landmarks, varied_set.landmarks[index])
    np.testing.assert_array_equal(arrays.train.frame.mirror_cue, varied_set.mirror_cue[index])
    np.save(tmp_path / "set" / "landmarks.npy", varied_set.landmarks[:3])
    with pytest.raises(AblabError, match="landmarks.npy: wrong shape"):
        load(tmp_path / "set")
    (tmp_path / "set" / "landmarks.npy").unlink()
    part = load(tmp_path / "set").train
    with pytest.raises(AblabError, match="regenerate"):
        get_encoding("landmarks").targets(part.labels, part.frame)
