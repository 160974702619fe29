import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ablab.clock.read import polar, polar_stage
from ablab.clock.read.polar import (
    ANGLES,
    OUT_BINS,
    PAD_COLS,
    POLAR_COLS,
    POLAR_ROWS,
    angle_targets,
    bin_angles_rad,
    decode_angles,
    polar_strips,
    strip_angles_rad,
    time_from_angles,
)

SIZE = 64


def _random_images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, SIZE, SIZE), dtype=np.uint8)


def test_a_quarter_turn_of_the_picture_is_a_circular_shift_of_the_strip():
    """Turning the picture 90° counter-clockwise about the centre moves what was at direction φ to φ − 90°: the
    strip's columns shift by a quarter of POLAR_COLS (the sampling grid is symmetric, so exactly)."""
    images = _random_images(2)
    centre, reach = np.zeros((2, 2)), np.full(2, 0.9)
    strip = polar_strips(images, centre, reach).astype(int)
    turned = polar_strips(np.rot90(images, 1, axes=(1, 2)), centre, reach).astype(int)
    quarter = POLAR_COLS // 4
    assert strip.shape == (2, POLAR_ROWS, POLAR_COLS + 2 * PAD_COLS)
    assert np.abs(turned[:, :, : -quarter] - strip[:, :, quarter:]).max() <= 1


def test_a_mirror_image_is_the_strip_read_backwards():
    images = _random_images(2, seed=1)
    centre, reach = np.zeros((2, 2)), np.full(2, 0.8)
    strip = polar_strips(images, centre, reach).astype(int)
    mirrored = polar_strips(images[:, :, ::-1], centre, reach).astype(int)
    assert np.abs(mirrored - strip[:, :, ::-1]).max() <= 1


def test_strip_samples_a_dot_at_its_direction_and_distance():
    """A bright dot at direction 120°, 0.5 from the centre (normalized units) lights the column of 120° and the row
    of half the reach; the padded columns repeat the circle."""
    image = np.zeros((1, SIZE, SIZE), np.uint8)
    centre = np.array([[0.1, -0.05]])
    x = centre[0, 0] + 0.5 * math.sin(math.radians(120))
    y = centre[0, 1] - 0.5 * math.cos(math.radians(120))
    px, py = ((np.array([x, y]) + 1) / 2 * SIZE).astype(int)
    image[0, py - 1 : py + 2, px - 1 : px + 2] = 255
    strip = polar_strips(image, centre, np.array([1.0]))[0]
    row, col = np.unravel_index(strip[:, PAD_COLS : PAD_COLS + POLAR_COLS].argmax(), (POLAR_ROWS, POLAR_COLS))
    assert abs(math.degrees(strip_angles_rad()[col + PAD_COLS]) - 120) < 4
    assert abs((row + 0.5) / POLAR_ROWS - 0.5) < 0.08
    wrap = strip[:, POLAR_COLS : POLAR_COLS + PAD_COLS].astype(int)
    assert np.abs(strip[:, :PAD_COLS].astype(int) - wrap).max() <= 1


def test_angle_targets_are_distributions_peaked_at_the_angle():
    angles = np.array([[0.0, 1.0, 6.2], [3.0, 0.01, 2 * math.pi - 0.01]])
    t = angle_targets(angles)
    assert t.shape == (2, OUT_BINS, 3)
    np.testing.assert_allclose(t.sum(axis=1), 1.0, rtol=1e-5)
    gap = np.abs(np.angle(np.exp(1j * (bin_angles_rad()[t.argmax(axis=1)] - angles))))
    assert (gap <= math.pi / OUT_BINS + 1e-9).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 2 * math.pi - 1e-6), min_size=3, max_size=3))
def test_decoding_a_target_gives_back_its_angle_to_a_small_fraction_of_a_bin(angles):
    decoded, mass = decode_angles(angle_targets(np.array([angles])))
    gap = np.abs(np.angle(np.exp(1j * (decoded[0] - np.array(angles)))))
    assert (gap < 0.1 * 2 * math.pi / OUT_BINS).all()  # the window's mean is unbiased for a symmetric peak
    assert (mass > 0.99).all()


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 11), st.integers(0, 59), st.floats(0.0, 360.0), st.booleans())
def test_time_from_angles_reads_any_turned_or_mirrored_clock(hour, minute, rotation_deg, mirrored):
    """The image directions a camera would see (12 at rotation_deg, hands s·(dial angle) from it) decode back."""
    s = -1.0 if mirrored else 1.0
    twelve = math.radians(rotation_deg)
    minute_rad = twelve + s * math.radians(6.0 * minute)
    hour_rad = twelve + s * math.radians(30.0 * hour + 0.5 * minute)
    got = time_from_angles(np.array([minute_rad]), np.array([hour_rad]), np.array([twelve]), np.array([mirrored]))
    assert got.tolist() == [[hour, minute]]


def test_a_reversed_strip_has_its_bins_in_reverse_order():
    """polar_probs maps a reversed read's bin k to bin OUT_BINS − 1 − k: the direction −φ of bin k's φ."""
    k = np.arange(OUT_BINS)
    np.testing.assert_allclose(np.mod(-bin_angles_rad()[OUT_BINS - 1 - k], 2 * math.pi), bin_angles_rad()[k])
    np.testing.assert_allclose(np.mod(-strip_angles_rad()[::-1], 2 * math.pi), np.mod(strip_angles_rad(), 2 * math.pi),
                               atol=1e-12)


def test_training_strips_reverse_only_dials_with_a_mirror_cue_and_negate_their_directions(varied_part):
    from ablab.clock.data.landmarks import LANDMARKS
    from ablab.clock.read.polar_stage import training_strips

    from ablab.clock.read.polar_stage import CENTRE_JITTER, REACH_JITTER, STRIP_REACH

    cut = training_strips(varied_part, np.random.default_rng(3))
    strips, angles, mirrored, offset = cut["strips"], cut["angles"], cut["mirrored"], cut["offset"]
    frame = varied_part.frame
    assert strips.shape == (len(varied_part), POLAR_ROWS, POLAR_COLS + 2 * PAD_COLS) and strips.dtype == np.uint8
    flipped = mirrored != frame.mirrored
    assert flipped.any() and not (flipped & ~frame.mirror_cue).any()
    true = polar.point_angles_rad(frame.landmarks[:, [LANDMARKS.index(k) for k in ("minute_tip", "hour_tip",
                                                                                  "dial12")]],
                                  frame.landmarks[:, LANDMARKS.index("centre")])
    expected = np.where(flipped[:, None], -true, true)
    gap = np.abs(np.angle(np.exp(1j * (angles - expected))))
    assert np.median(gap) < math.radians(6)  # only the ~2 px centre jitter moves them
    # the reach each strip was cut at, from its radius target; the offset is in units of it
    radius = polar.dial_radius(frame.landmarks)
    reach = radius * POLAR_ROWS / (cut["radius"][:, 0] + polar.DIAL_ROWS)
    jitter = np.random.default_rng(3).normal(0.0, CENTRE_JITTER, (len(varied_part), 2))  # its first draw
    expected = -jitter / (reach[:, None] * polar.OFFSET_UNIT)  # from the cut centre back to the true one
    expected[flipped, 0] *= -1.0
    np.testing.assert_allclose(offset, expected, rtol=1e-4, atol=1e-4)
    fitted = np.isclose(reach / (polar.DIAL_MARGIN * radius), 1.0, atol=REACH_JITTER + 1e-6)
    first = np.isclose(reach / STRIP_REACH, 1.0, atol=REACH_JITTER + 1e-6)
    assert (fitted | first).all() and (~fitted).any()


def test_dial_radius_is_the_radius_the_dial_points_sit_at_a_fraction_of():
    from ablab.clock.data.landmarks import DIAL_RHO

    angles = np.radians([0.0, 90.0, 180.0, 270.0])
    dial = 0.6 * DIAL_RHO * np.stack([np.sin(angles), -np.cos(angles)], axis=-1)
    points = np.concatenate([np.zeros((1, 3, 2)), dial[None]], axis=1) + np.array([0.1, -0.2])
    np.testing.assert_allclose(polar.dial_radius(points), [0.6])


@settings(deadline=None, max_examples=50)
@given(st.floats(0.3, 1.0), st.floats(0.5, 1.5))
def test_fitting_a_strip_to_what_its_radius_head_says_reaches_the_margin_around_the_dial(radius, reach):
    rows = polar.radius_rows(np.array([radius]), np.array([reach]))
    np.testing.assert_allclose(polar.fitted_reach(np.array([reach]), rows), [polar.DIAL_MARGIN * radius])
    np.testing.assert_allclose(polar.radius_rows(np.array([radius]), polar.DIAL_MARGIN * np.array([radius])), [0.0],
                               atol=1e-9)


def test_turning_strips_by_a_quarter_of_the_columns_is_turning_the_picture_a_quarter():
    images = np.random.default_rng(2).integers(0, 255, (2, 32, 32)).astype(np.uint8)
    centre, reach = np.zeros((2, 2)), np.full(2, 0.9)
    turned = polar_strips(np.rot90(images, -1, axes=(1, 2)), centre, reach)  # a quarter turn clockwise
    np.testing.assert_array_equal(polar.turn_strips(polar_strips(images, centre, reach), POLAR_COLS // 4), turned)


def test_the_minute_hand_is_taken_at_the_peak_the_hour_hand_agrees_with():
    """At 2:40 the hour hand is at 80° on the dial, so the minute hand is at 240°, not at a stroke at 100°."""
    probs = np.full((1, OUT_BINS), 1e-6)
    bins = np.degrees(polar.bin_angles_rad())
    probs[0, np.argmin(np.abs(bins - 100.0))] = 0.55  # the stronger, wrong peak
    probs[0, np.argmin(np.abs(bins - 240.0))] = 0.45
    minute = polar.agreeing_minute(probs, np.radians([80.0]), np.zeros(1), np.zeros(1, bool))
    assert abs(np.degrees(minute[0]) - 240.0) < 360 / OUT_BINS
    assert abs(np.degrees(polar.decode_angles(probs[:, :, None])[0][0, 0]) - 100.0) < 360 / OUT_BINS


def test_polar_net_outputs_logits_per_direction_and_a_mirror_logit():
    from ablab.clock.read.polar_net import build_polar_net

    net = build_polar_net(widths=(8, 8, 16, 16), context=16)
    out = net.predict_on_batch(np.zeros((2, POLAR_ROWS, POLAR_COLS + 2 * PAD_COLS, 1), np.float32))
    assert out["angles"].shape == (2, OUT_BINS, len(ANGLES)) and out["mirror"].shape == (2, 1)
    assert out["offset"].shape == (2, 2) and out["radius"].shape == (2, 1)


def test_polar_probs_average_the_reversed_read_but_keep_both_mirror_probabilities():
    from ablab.clock.read.polar_stage import polar_probs

    strips = np.zeros((3, POLAR_ROWS, POLAR_COLS + 2 * PAD_COLS), np.uint8)
    logits = np.zeros((6, OUT_BINS, 3))
    logits[:3, 10, 0] = 50.0  # forward reads put all mass in bin 10; reversed reads in bin OUT_BINS − 1 − 20
    logits[3:, OUT_BINS - 21, 0] = 50.0
    mirror = np.array([[3.0], [-3.0], [0.0], [-9.0], [9.0], [9.0]])
    offset = np.array([[1.0, 2.0]] * 3 + [[-3.0, 4.0]] * 3)  # the reversed read's x means −x
    radius = np.array([[1.0]] * 3 + [[2.0]] * 3)
    out = polar_probs(lambda x: {"angles": logits[: len(x)], "mirror": mirror[: len(x)], "offset": offset[: len(x)],
                                 "radius": radius[: len(x)]}, strips)
    np.testing.assert_allclose(out["angles"][:, [10, 20], 0], 0.5, atol=1e-6)
    np.testing.assert_allclose(out["mirror"], 1 / (1 + np.exp(-np.array([3.0, -3.0, 0.0]))))
    np.testing.assert_allclose(out["mirror_reversed"], 1 / (1 + np.exp(-np.array([-9.0, 9.0, 9.0]))))
    np.testing.assert_allclose(out["offset"], [[2.0, 3.0]] * 3)
    np.testing.assert_allclose(out["radius"], [1.5] * 3)
    forward = polar_probs(lambda x: {"angles": logits[: len(x)], "mirror": mirror[: len(x)],
                                     "offset": offset[: len(x)], "radius": radius[: len(x)]}, strips, both_ways=False)
    np.testing.assert_allclose(forward["angles"][:, 10, 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(forward["offset"], offset[:3])
    assert "mirror_reversed" not in forward


def test_a_mirror_verdict_stands_only_where_the_reversed_read_does_not_say_mirrored_too():
    from ablab.clock.read.polar_stage import mirror_verdict

    forward = np.array([0.9, 0.9, 0.2, 0.2, 0.6])
    reversed_ = np.array([0.1, 0.7, 0.9, 0.1, 0.4])  # a cue dial; both say mirrored; ...; no cue; a weak cue
    assert mirror_verdict(forward, reversed_).tolist() == [True, False, False, False, True]
    assert mirror_verdict(forward).tolist() == [True, True, False, False, True]  # the forward read alone


def test_a_reader_with_a_polar_stage_saves_as_one_file_and_reads_the_same_from_files(tmp_path, varied_part):
    import keras
    from PIL import Image

    from ablab.clock.read.networks import build_clock_model
    from ablab.clock.read.reader import Reader, load_reader, read_files
    from ablab.clock.read.polar_net import build_polar_net
    from ablab.clock.read.stages import reader_parts, two_stage_model

    points_net = build_clock_model("clock-quick", SIZE, "landmarks")
    both = two_stage_model(points_net, build_polar_net(widths=(8, 8, 16, 16), context=16))
    out = both.predict_on_batch({"image": np.zeros((1, SIZE, SIZE, 1), np.float32),
                                 "strip": np.zeros((1, POLAR_ROWS, POLAR_COLS + 2 * PAD_COLS, 1), np.float32)})
    assert set(out) == {"points", "polar_angles", "polar_mirror", "polar_offset", "polar_radius"}
    both.save(tmp_path / "two.keras")
    loaded = keras.saving.load_model(tmp_path / "two.keras")  # stock keras
    first, second, cut = reader_parts(loaded)
    assert loaded.name == points_net.name and second.name == polar.POLAR_NET and cut is None
    labels, conf = Reader.of(loaded).read(varied_part.images[:3])
    assert labels.shape == (3, 2) and conf.shape == (3,) and ((conf >= 0) & (conf <= 1)).all()
    files = []
    for i, img in enumerate(varied_part.images[:3]):
        Image.fromarray(img).save(tmp_path / f"{i}.png")
        files.append(tmp_path / f"{i}.png")
    readings = read_files(load_reader(tmp_path / "two.keras"), files)
    assert [(r.hour, r.minute) for r in readings] == [tuple(v) for v in labels]


def test_an_adapted_reader_saves_its_parents_polar_net_and_cuts_where_that_one_says(tmp_path, varied_part):
    """A third nested network (stages.CUT_SUFFIX) places the cuts; the second stage's own net reads the strips."""
    import keras

    from ablab.clock.read.networks import build_clock_model
    from ablab.clock.read.polar_net import build_polar_net
    from ablab.clock.read.polar_stage import fitted_cut, read_dials
    from ablab.clock.read.reader import Reader
    from ablab.clock.read.stages import CUT_SUFFIX, reader_parts, two_stage_model

    keras.utils.set_random_seed(0)
    points_net = build_clock_model("clock-quick", SIZE, "landmarks")
    reading, cutting = (build_polar_net(widths=(8, 8, 16, 16), context=16) for _ in range(2))
    two_stage_model(points_net, reading, cut_net=cutting).save(tmp_path / "adapted.keras")
    loaded = keras.saving.load_model(tmp_path / "adapted.keras")
    _, second, cut = reader_parts(loaded)
    assert second.name == polar.POLAR_NET and cut.name == polar.POLAR_NET + CUT_SUFFIX
    assert all(np.array_equal(a, b) for a, b in zip(cut.get_weights(), cutting.get_weights()))
    reader = Reader.of(loaded)
    images = varied_part.images[:4]
    _, _, (centre, _) = read_dials(reader.dial_points, reader.second_net.predict_on_batch, images,
                                   cut_predict=reader.geometry_net.predict_on_batch)
    points = reader.dial_points(images)
    assert np.allclose(centre, fitted_cut(cutting.predict_on_batch, images, points)[0], atol=1e-5)
    assert not np.allclose(centre, fitted_cut(reading.predict_on_batch, images, points)[0], atol=1e-3)
    assert reader_parts(keras.saving.load_model(tmp_path / "adapted.keras"))[2] is not None


def test_train_reader_trains_and_times_the_polar_stage(tmp_path, varied_part, monkeypatch):
    import dataclasses
    from functools import partial

    from ablab.clock.read.config import ClockTrialConfig
    from ablab.clock.read.polar_net import build_polar_net
    from ablab.clock.read.networks import ARCHS
    from ablab.clock.data.parts import ClockArrays
    from ablab.clock.read.stages import STAGES, reader_parts
    from ablab.clock.read.train import train_reader

    monkeypatch.setitem(ARCHS, "clock-quick-polar",
                        dataclasses.replace(ARCHS["clock-quick"], second_stage="polar", second_epochs=1))
    small = dataclasses.replace(STAGES["polar"](), build=partial(build_polar_net, widths=(8, 8, 16, 16), context=16))
    monkeypatch.setitem(STAGES, "polar", lambda: small)
    config = ClockTrialConfig(model="clock-quick-polar", image_size=SIZE, epochs=1, batch_size=8, precision="float32")
    data = ClockArrays(varied_part.take(slice(0, 16)), varied_part.take(slice(16, 20)), varied_part.take(slice(20, 24)))
    m = train_reader(config, 0, data, model_path=tmp_path / "r.keras")["metrics"]
    assert m["n"] == 4 and 0 < m["second_stage_time_s"] < m["train_time_s"]
    import keras

    assert reader_parts(keras.saving.load_model(tmp_path / "r.keras"))[1].name == polar.POLAR_NET


def test_each_turned_view_of_the_last_cut_is_turned_back_onto_the_same_bins():
    """A net that is exactly equivariant (each bin sums its two strip columns) sees a dot at 60° in one bin,
    whatever view the strip is read in: the views' turns are undone before they are averaged."""
    from ablab.clock.read.polar import STRIDE
    from ablab.clock.read.polar_stage import _read_views

    def equivariant(x):
        cols = x[:, :, PAD_COLS : PAD_COLS + POLAR_COLS, 0].sum(axis=1)  # (B, POLAR_COLS)
        logits = cols.reshape(len(x), OUT_BINS, STRIDE).sum(-1)[:, :, None].repeat(len(ANGLES), axis=2)
        zeros = np.zeros((len(x), 1))
        return {"angles": logits / 50.0, "mirror": zeros, "offset": np.zeros((len(x), 2)), "radius": zeros}

    image = np.zeros((1, SIZE, SIZE), np.uint8)
    r_px, phi = SIZE / 4, math.radians(60.0)
    image[0, int(SIZE / 2 - r_px * math.cos(phi)), int(SIZE / 2 + r_px * math.sin(phi))] = 255
    centre, reach = np.zeros((1, 2)), np.full(1, 0.9)
    peaks = [_read_views(equivariant, image, centre, reach, (view,))["polar_angles"][0, :, 0].argmax()
             for view in ((1.0, 0), (1.0, 2), (1.0, 4), (0.95, 6))]
    assert len(set(peaks)) == 1
    assert abs(math.degrees(bin_angles_rad()[peaks[0]]) - 60.0) < 360 / OUT_BINS


def _ticks_only_twelve(true_deg: float, favourite_deg: float, favoured: float = 4.0) -> np.ndarray:
    """(1, OUT_BINS) 12-probabilities of a dial with no 12 cue: a peak at every hour mark, one of them (not the
    true 12) favoured `favoured`-fold."""
    bins = np.degrees(bin_angles_rad())
    probs = np.full((1, OUT_BINS), 1e-6)
    for k in range(12):
        mark = (true_deg + 30 * k) % 360
        probs[0, np.argmin(np.abs((bins - mark + 180) % 360 - 180))] = favoured if k * 30 == favourite_deg else 1.0
    return probs / probs.sum()


def test_the_upright_prior_has_mean_one_and_peaks_at_image_up():
    prior = polar.upright_prior(0.5, 10.0)
    assert abs(prior.mean() - 1.0) < 1e-9
    turn = np.degrees(np.mod(bin_angles_rad() + math.pi, 2 * math.pi) - math.pi)
    assert prior[np.abs(turn) < 3].min() > 7 and prior[np.abs(turn) > 60].max() < 0.51


@given(st.integers(0, 11), st.integers(0, 59), st.integers(0, OUT_BINS - 1), st.booleans())
@settings(max_examples=40, deadline=None)
def test_the_12_that_agrees_with_the_hands_is_the_true_one_among_its_look_alikes(hour, minute, twelve_bin, mirrored):
    """Hands of hour:minute on a dial whose 12 points at a bin's centre (mirrored or not): the agreement is 1
    there and clearly less at every other hour mark (the bin nearest each)."""
    sign = -1.0 if mirrored else 1.0
    twelve_deg = np.degrees(bin_angles_rad()[twelve_bin])
    hour_dial, minute_dial = (hour + minute / 60) * 30.0, minute * 6.0
    hands = np.radians([twelve_deg + sign * minute_dial, twelve_deg + sign * hour_dial])[:, None]
    agreement = polar.twelve_agreement(*hands)[0]
    assert agreement[twelve_bin] > 0.999
    bins = np.degrees(bin_angles_rad())
    for k in range(1, 12):
        mark = np.argmin(np.abs((bins - twelve_deg - 30 * k + 180) % 360 - 180))
        assert agreement[mark] < 0.75, (k, agreement[mark])


def test_a_ticks_only_dial_is_read_upright_and_a_dial_that_shows_its_12_as_it_shows_it():
    """At 10:10, upright, the reader favours the 3 o'clock mark as the 12: the prior and the hands choose 12 up.
    A dial with one sharp 12 at 135° keeps it."""
    hands = np.radians([[60.0], [305.0]])  # minute at 2 (10 min), hour at 10 + 1/6
    probs = _ticks_only_twelve(true_deg=0.0, favourite_deg=90.0)
    assert abs(np.degrees(decode_angles(probs[:, :, None])[0][0, 0]) - 90) < 3  # alone: the wrong mark
    angle, mass = polar.choose_twelve(probs, polar.upright_prior(0.5, 10.0), *hands)
    assert abs((np.degrees(angle[0]) + 180) % 360 - 180) < 3 and mass[0] > 0.3
    sharp = np.full((1, OUT_BINS), 1e-4)
    sharp[0, np.argmin(np.abs(np.degrees(bin_angles_rad()) - 135.0))] = 1.0
    turned = np.radians([[135.0 + 60.0], [135.0 + 305.0]])
    angle, _ = polar.choose_twelve(sharp / sharp.sum(), polar.upright_prior(0.5, 10.0), *turned)
    assert abs(np.degrees(angle[0]) - 135.0) < 3


def test_only_a_dial_that_shows_no_mirror_cue_is_pulled_upright():
    """10:10 on an upright ticks-only dial whose 12 head favours the 3 o'clock mark: read upright (10:10) where the
    forward and reversed reads agree that it is not mirrored (no cue) and where the reversed read is not given; where
    they disagree (numerals: the dial shows its 12), its own favourite 12 stands and the reading is another time."""
    bins = np.degrees(bin_angles_rad())
    probs = np.full((1, OUT_BINS, 3), 1e-6)
    for channel, deg in ((0, 60.0), (1, 305.0)):  # minute hand at the 2, hour hand just past the 10
        probs[0, np.argmin(np.abs((bins - deg + 180) % 360 - 180)), channel] = 1.0
    probs[0, :, 2] = _ticks_only_twelve(true_deg=0.0, favourite_deg=90.0)[0]
    read = {"polar_angles": probs, "polar_mirror": np.array([0.02])}
    assert polar_stage.decode_polar(read)[0].tolist() == [[10, 10]]
    assert polar_stage.decode_polar({**read, "polar_mirror_reversed": np.array([0.03])})[0].tolist() == [[10, 10]]
    assert polar_stage.decode_polar({**read, "polar_mirror_reversed": np.array([0.97])})[0].tolist() != [[10, 10]]
    assert polar_stage.shows_mirror_cue(np.array([0.02, 0.9, 0.3]), np.array([0.97, 0.1, 0.6])).tolist() == [
        True, True, False]


def test_the_world_s_share_outweighs_a_stronger_favourite_and_the_confidence_keeps_even_odds():
    """The next hour mark favoured 100-fold (the hands agree with it at 0.46 of the upright 12: 30 dial degrees
    off): even odds (share 0.5) keep it, the world's share
    (polar_stage.UPRIGHT_SHARE) reads the dial upright. A dial that shows its 12 at 135°, with a little probability
    leaking to image-up, keeps its 12 under either; its mass stated under mass_prior is the even-odds one, and the
    stronger prior alone would state it lower."""
    hands = np.radians([[60.0], [305.0]])
    probs = _ticks_only_twelve(true_deg=0.0, favourite_deg=30.0, favoured=100.0)
    even, world = polar.upright_prior(0.5, 10.0), polar.upright_prior(polar_stage.UPRIGHT_SHARE, 10.0)
    assert abs(np.degrees(polar.choose_twelve(probs, even, *hands)[0][0]) - 30) < 3
    assert abs((np.degrees(polar.choose_twelve(probs, world, *hands)[0][0]) + 180) % 360 - 180) < 3
    leaky = np.full((1, OUT_BINS), 1e-4)
    leaky[0, np.argmin(np.abs(np.degrees(bin_angles_rad()) - 135.0))] = 1.0
    leaky[0, 0] = 0.01
    turned = np.radians([[135.0 + 60.0], [135.0 + 305.0]])
    angle_even, mass_even = polar.choose_twelve(leaky / leaky.sum(), even, *turned)
    angle, mass = polar.choose_twelve(leaky / leaky.sum(), world, *turned, mass_prior=even)
    _, mass_world = polar.choose_twelve(leaky / leaky.sum(), world, *turned)
    assert abs(np.degrees(angle[0]) - 135.0) < 3 and abs(angle[0] - angle_even[0]) < 1e-3
    assert mass[0] == pytest.approx(mass_even[0]) and mass_world[0] < mass[0] - 0.05


def _one_stroke_read(hour_second_deg: float | None, second_mass: float) -> dict:
    """An upright dial at 1:48 whose minute hand (288°) is the one stroke seen: the hour channel puts 1 − second_mass
    on it too, and second_mass at hour_second_deg (None: nowhere else)."""
    bins = np.degrees(bin_angles_rad())
    probs = np.full((1, OUT_BINS, 3), 1e-9)

    def put(channel, deg, mass):
        probs[0, np.argmin(np.abs((bins - deg + 180) % 360 - 180)), channel] += mass

    put(0, 288.0, 1.0)
    put(2, 0.0, 1.0)
    put(1, 288.0, 1.0 - second_mass)
    if hour_second_deg is not None:
        put(1, hour_second_deg, second_mass)
    probs /= probs.sum(axis=1, keepdims=True)
    return {"polar_angles": probs, "polar_mirror": np.array([0.02]), "polar_mirror_reversed": np.array([0.97])}


def test_one_stroke_read_as_both_hands_gives_the_hour_to_a_second_peak_that_agrees_with_the_minute():
    """1:48 read as 9:48 (both hands on the minute hand's stroke) is read 1:48 when the hour channel holds a second
    peak at the 1:48 hour hand's place (54°) with ≥ SECOND_MIN_MASS; its mass then bounds the confidence. Hands that
    truly overlap (no second peak), a second peak too faint, or one whose place within its hour does not fit 48
    minutes (150°: on the hour) leave 9:48."""
    labels, confidence = polar_stage.decode_polar(_one_stroke_read(54.0, 0.3))
    assert labels.tolist() == [[1, 48]] and confidence[0] == pytest.approx(0.3, abs=0.02)
    for second_deg, mass in ((None, 0.0), (54.0, 0.1), (150.0, 0.3)):
        assert polar_stage.decode_polar(_one_stroke_read(second_deg, mass))[0].tolist() == [[9, 48]]
