import dataclasses
import math

import numpy as np
import pytest

from ablab.clock.dialcheck import (
    CLASSES,
    CROP_PX,
    TURNS,
    checked_hand_angles_rad,
    dial_crops,
    dial_geometry,
    training_crops,
)
from ablab.clock.landmarks import DIAL_RHO, LANDMARKS, hand_angles_rad

SIZE = 64


def one_hot(turn, mirrored) -> np.ndarray:
    return np.eye(CLASSES)[np.asarray(turn) + TURNS * np.asarray(mirrored, int)]


def test_crop_turns_the_given_direction_up_and_fits_the_dial():
    """A dot 0.6 radii from the centre in direction 120° lands straight above the crop's centre."""
    centre, radius, direction_rad = np.array([0.1, -0.05]), 0.5, math.radians(120.0)
    image = np.full((SIZE, SIZE), 10, np.uint8)
    dot = centre + 0.6 * radius * np.array([math.sin(direction_rad), -math.cos(direction_rad)])
    col, row = ((dot + 1) / 2 * SIZE).astype(int)
    image[row - 1 : row + 2, col - 1 : col + 2] = 255
    crop = dial_crops(image[None], centre[None], np.array([direction_rad]), np.array([radius]))[0]
    assert crop.shape == (CROP_PX, CROP_PX)
    rows, cols = np.nonzero(crop > 128)
    from ablab.clock.dialcheck import CROP_MARGIN

    expected_row = CROP_PX / 2 - 0.6 / CROP_MARGIN * CROP_PX / 2  # crop pixel centres at i + 0.5
    pixel = CROP_PX / (2 * radius * CROP_MARGIN * SIZE / 2)  # crop px per image px
    assert abs(cols.mean() + 0.5 - CROP_PX / 2) <= pixel and abs(rows.mean() + 0.5 - expected_row) <= pixel


def test_geometry_and_checked_angles_reproduce_the_true_reading(varied_part):
    points = varied_part.frame.landmarks
    _, _, radius = dial_geometry(points)
    span = np.linalg.norm(points[:, LANDMARKS.index("dial6")] - points[:, LANDMARKS.index("dial12")], axis=-1)
    np.testing.assert_allclose(radius, span / (2 * DIAL_RHO), rtol=0.05)  # 12 and 6 span a diameter (± tilt)
    true_minute, true_hour, _ = hand_angles_rad(points)
    upright = one_hot(np.zeros(len(points), int), varied_part.frame.mirrored)  # the dial check agrees
    minute, hour, conf = checked_hand_angles_rad(points, upright)
    gap = lambda a, b: np.abs(np.angle(np.exp(1j * (a - b))))  # noqa: E731
    assert gap(minute, true_minute).max() < math.radians(4) and gap(hour, true_hour).max() < math.radians(4)
    assert np.allclose(conf, 1.0)


def test_a_wrong_12_and_mirror_are_corrected_by_the_dial_check(varied_part):
    """The reader took the 3 (turned 90° clockwise) for the 12 and missed the mirror: the dial check's k = 9
    (the true 12 is 270° clockwise of the supposed one) and mirror flag give the true hands back."""
    points = varied_part.frame.landmarks.copy()
    mirrored = varied_part.frame.mirrored
    points[:, LANDMARKS.index("dial12")] = points[:, LANDMARKS.index("dial3")]  # the reader's wrong 12
    true_minute, _, _ = hand_angles_rad(varied_part.frame.landmarks)
    turn = np.where(mirrored, 3, 9)  # in a mirror image the 3 sits counter-clockwise of the 12
    minute, _, _ = checked_hand_angles_rad(points, one_hot(turn, mirrored), mirror_share=mirrored.astype(float))
    assert np.abs(np.angle(np.exp(1j * (minute - true_minute)))).max() < math.radians(6)


def test_training_crops_cover_every_turn_and_keep_mirror_labels(varied_part):
    crops, classes = training_crops(varied_part, np.random.default_rng(0))
    assert crops.shape == (24, CROP_PX, CROP_PX) and crops.dtype == np.uint8
    assert classes.min() >= 0 and classes.max() < CLASSES
    no_cue = ~varied_part.frame.mirror_cue  # never flipped: the mirror class is the true flag
    np.testing.assert_array_equal(classes[no_cue] >= TURNS, varied_part.frame.mirrored[no_cue])
    assert (classes % TURNS == 0).any() and (classes % TURNS != 0).any()


def test_two_stage_reader_saves_loads_and_reads(tmp_path, varied_part):
    import keras
    from PIL import Image

    from ablab.clock.dialcheck import DIAL_NET, build_dial_net
    from ablab.clock.stages import reader_parts, two_stage_model
    from ablab.clock.models import build_clock_model
    from ablab.clock.reader import load_reader, read_files
    from ablab.clock.train import decode_images

    points_net = build_clock_model("clock-quick", SIZE, "landmarks")
    both = two_stage_model(points_net, build_dial_net())
    both.save(tmp_path / "two.keras")
    loaded = keras.saving.load_model(tmp_path / "two.keras")  # stock keras
    first, dial = reader_parts(loaded)
    assert loaded.name == points_net.name and dial.name == DIAL_NET and first.input_shape[1:] == (SIZE, SIZE, 1)
    assert reader_parts(points_net) == (points_net, None)
    images = varied_part.images[:3]
    labels, conf = decode_images(loaded, images)
    assert labels.shape == (3, 2) and conf.shape == (3,)
    files = []
    for i, img in enumerate(images):
        Image.fromarray(img).save(tmp_path / f"{i}.png")
        files.append(tmp_path / f"{i}.png")
    readings = read_files(load_reader(tmp_path / "two.keras"), files)
    assert [(r.hour, r.minute) for r in readings] == [tuple(v) for v in labels]


def test_train_reader_with_a_dial_check_times_both_and_refuses_other_encodings(tmp_path, varied_part, monkeypatch):
    from ablab.clock.config import ClockTrialConfig
    from ablab.clock.models import ARCHS
    from ablab.clock.pipeline import ClockArrays
    from ablab.clock.train import train_reader
    from ablab.errors import AblabError

    monkeypatch.setitem(ARCHS, "clock-quick-dial", dataclasses.replace(ARCHS["clock-quick"], second_stage="dial", second_epochs=1))
    # default augmentation, as in the bench: the trainer wraps the reader, so the saved reader is uncompiled (its
    # loss is ours); the dial check is saved compiled with built-in objects only
    config = ClockTrialConfig(model="clock-quick-dial", image_size=SIZE, epochs=1, batch_size=8, precision="float32")
    data = ClockArrays(varied_part.take(slice(0, 16)), varied_part.take(slice(16, 20)), varied_part.take(slice(20, 24)))
    m = train_reader(config, 0, data, model_path=tmp_path / "r.keras")["metrics"]
    assert m["n"] == 4 and 0 < m["second_stage_time_s"] < m["train_time_s"]
    import keras

    from ablab.clock.stages import reader_parts

    assert reader_parts(keras.saving.load_model(tmp_path / "r.keras"))[1] is not None
    with pytest.raises(AblabError, match="second stage"):
        train_reader(config.model_copy(update={"encoding": "hands"}), 0, data)
