import numpy as np
import pytest

from ablab.clock.landmarks import LANDMARKS, hand_angles_rad, replay_landmarks
from ablab.errors import AblabError


@pytest.fixture(scope="module")
def varied_set():
    from ablab.clock.generate import generate

    return generate("varied", 16, size=150, seed=21, workers=1)


def _pixel(image, point):
    x, y = (np.asarray(point) + 1) / 2 * image.shape[0]
    return float(image[int(np.clip(y, 0, image.shape[0] - 1)), int(np.clip(x, 0, image.shape[1] - 1))])


def test_replay_matches_the_generator_and_decodes_to_the_labels(varied_set):
    points, rotation, mirrored = replay_landmarks("varied", 21, 16, 150)
    np.testing.assert_allclose(rotation, varied_set.rotation_deg)
    np.testing.assert_array_equal(mirrored, varied_set.mirrored)
    minute_angle, hour_angle, _ = hand_angles_rad(points)
    minute = np.rint(minute_angle * 60 / (2 * np.pi)) % 60
    hour = np.rint(hour_angle * 6 / np.pi - minute / 60) % 12
    np.testing.assert_array_equal(np.stack([hour, minute], 1), varied_set.labels)


def test_hand_tips_lie_on_hand_ink(varied_set):
    """Halfway from the centre to each tip there is hand ink (far from the face's gray) more often than halfway
    to the dial's 12/3/6/9 points at the same distance."""
    points, _, _ = replay_landmarks("varied", 21, 16, 150)
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


def test_directory_landmarks_are_cached_and_checked(varied_set, tmp_path):
    from ablab.clock.dataset import load
    from ablab.clock.generate import write_clockset
    from ablab.clock.pipeline import from_splits

    write_clockset(varied_set, tmp_path / "set")
    arrays = from_splits(load(tmp_path / "set"), landmarks=True)
    assert arrays.train.frame.landmarks.shape == (len(arrays.train), len(LANDMARKS), 2)
    assert (tmp_path / "set" / "landmarks.npy").is_file()
    np.save(tmp_path / "set" / "rotation_deg.npy", varied_set.rotation_deg + 5.0)
    (tmp_path / "set" / "landmarks.npy").unlink()
    with pytest.raises(AblabError, match="replayed"):
        from_splits(load(tmp_path / "set"), landmarks=True)
