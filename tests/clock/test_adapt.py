"""Adapting a reader from time labels alone (ablab.clock.read.adapt): the label-only loss rewards exactly the hands
a label implies around any 12, mirrored or not; one-design sets; and `ablab clock train` on a labels-only folder."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ablab.clock.data.generate import generate
from ablab.clock.draw.presets import parse_preset, sample_style
from ablab.clock.read.adapt import label_only_loss, label_shifts
from ablab.clock.read.polar import OUT_BINS
from ablab.clock.read.reader import Reader
from ablab.clock.read.shipped import SHIPPED_READER
from ablab.errors import AblabError

from test_reader import run_cli  # tests/clock is on sys.path (pytest prepend mode)


def outputs(twelve_bin: int, minute_bin: int, hour_bin: int, mirror_logit: float) -> np.ndarray:
    """(1, 3·OUT_BINS + 1) polar-reader outputs with sharp peaks at the given bins (channels minute, hour, 12)."""
    logits = np.full((OUT_BINS, 3), -8.0, np.float32)
    for channel, k in enumerate((minute_bin, hour_bin, twelve_bin)):
        logits[k % OUT_BINS, channel] = 8.0
    return np.concatenate([logits.reshape(-1), [mirror_logit]]).astype(np.float32)[None]


def loss(labels, pred) -> float:
    return float(np.asarray(label_only_loss(label_shifts(np.array(labels)), pred))[0])


def test_label_shifts_are_the_hands_dial_angles_in_output_bins():
    # 3:30: minute hand at 180° (64 of 128 bins), hour hand at 105° (37.3 → 37); 12:00 both at 0
    assert label_shifts(np.array([[3, 30], [0, 0]])).tolist() == [[64.0, 37.0], [0.0, 0.0]]


@pytest.mark.parametrize("twelve_bin", [0, 40, 127])
def test_the_loss_is_low_for_the_hands_a_label_implies_around_any_12_and_high_for_another_time(twelve_bin):
    minute, hour = label_shifts(np.array([[3, 30]]))[0].astype(int)
    as_is = outputs(twelve_bin, twelve_bin + minute, twelve_bin + hour, mirror_logit=-6.0)
    assert loss([[3, 30]], as_is) < 0.1
    assert loss([[7, 10]], as_is) > 10
    mirrored = outputs(twelve_bin, twelve_bin - minute, twelve_bin - hour, mirror_logit=6.0)
    assert loss([[3, 30]], mirrored) < 0.1
    assert loss([[3, 30]], outputs(twelve_bin, twelve_bin - minute, twelve_bin - hour, mirror_logit=-6.0)) > 4


def test_one_design_presets_draw_one_dial_under_the_reports_camera():
    assert parse_preset("light-hands@4") == ("light-hands", 4) and parse_preset("varied") == ("varied", None)
    with pytest.raises(AblabError, match="design seed"):
        parse_preset("light-hands@x")
    with pytest.raises(AblabError, match="unknown clock preset 'nope'"):
        parse_preset("nope@1")
    rng = np.random.default_rng(0)
    styles = [sample_style("upright-ticks@2", rng) for _ in range(30)]
    assert len({(s.face, s.ticks, s.hands) for s in styles}) == 1  # one clock...
    assert len({s.rotation_deg for s in styles}) == 30 and not any(s.mirrored for s in styles)  # no mirror cue
    assert any(sample_style("light-hands@4", rng).mirrored for _ in range(40))  # numerals: mirrored sometimes


def test_clock_train_on_labels_only_adapts_the_reader_it_has(tmp_path, capsys):
    """The report's format (images.npy, labels.npy only): `clock train` adapts the shipped reader to it."""
    import keras

    clocks = generate("light-hands@4", 60, size=150, seed=3, workers=1)
    data = tmp_path / "clocks"
    data.mkdir()
    np.save(data / "images.npy", clocks.images)
    np.save(data / "labels.npy", clocks.labels)
    store, out = tmp_path / "ablab.db", tmp_path / "adapted.keras"
    code, text, err = run_cli(["clock", "train", "--data", str(data), "--minutes", "0.3", "--out", str(out),
                               "--store", str(store)], capsys)
    assert code == 0, err
    assert "labels only: adapting the shipped reader" in err and "before adapting: mean" in text and out.is_file()
    with warnings.catch_warnings(record=True) as caught:  # saved without the shipped networks' optimizer state
        warnings.simplefilter("always")
        keras.saving.load_model(out)
    assert not [str(w.message) for w in caught if "optimizer" in str(w.message)]
    adapted, shipped = (Reader.of(keras.saving.load_model(p)) for p in (out, SHIPPED_READER))
    assert all(np.array_equal(a, b) for a, b in zip(adapted.geometry_net.get_weights(),
                                                    shipped.second_net.get_weights()))  # it cuts where its parent cut
    code, text, _ = run_cli(["clock", "evaluate", "--images", str(data / "images.npy"), "--labels",
                             str(data / "labels.npy"), "--store", str(store)], capsys)
    assert code == 0 and "adapted.keras" in text  # the adapted reader is now the one recorded next to the store
    code, _, err = run_cli(["clock", "train", "--data", str(data), "--minutes", "0", "--store", str(store)], capsys)
    assert code == 2 and "--minutes" in err


def test_adapting_fills_its_budget_and_keeps_the_weights_that_read_validation_clocks_best():
    """fit_label_only plans its steps from timed ones and stops there (a short last part, not a whole epoch more);
    with a score it scores the net before and after every part and is left with the best-scoring weights."""
    import keras

    from ablab.clock.read import adapt
    from ablab.clock.read.polar import PAD_COLS, POLAR_COLS, POLAR_ROWS

    strip = keras.Input((POLAR_ROWS, POLAR_COLS + 2 * PAD_COLS, 1))  # a strip with its wrapped columns
    pooled = keras.layers.GlobalAveragePooling2D()(strip)
    angles = keras.layers.Reshape((OUT_BINS, 3))(keras.layers.Dense(3 * OUT_BINS, name="a")(pooled))
    net = keras.Model(strip, {"angles": angles, "mirror": keras.layers.Dense(1)(pooled),  # the polar reader's heads
                              "offset": keras.layers.Dense(2, trainable=False)(pooled),  # frozen, as adapting
                              "radius": keras.layers.Dense(1, trainable=False)(pooled)})  # freezes the real ones
    rng = np.random.default_rng(0)
    strips = rng.integers(0, 256, (40, POLAR_ROWS, POLAR_COLS + 2 * PAD_COLS), dtype=np.uint8)
    labels = np.stack([rng.integers(0, 12, 40), rng.integers(0, 60, 40)], 1)
    before = [w.copy() for w in net.get_weights()]
    info = adapt.fit_label_only(net, strips, labels, budget_s=2.0, seed=0, batch_size=8)  # 5 steps an epoch
    assert info["steps"] >= 1 and info["epochs"] == pytest.approx(info["steps"] / 5)
    assert len(info["loss"]) == -(-info["steps"] // 2) and np.isfinite(info["loss"]).all()  # parts of 2 steps
    assert any(not np.allclose(a, b) for a, b in zip(before, net.get_weights()))

    def score():  # any function of the weights: here how far the angle logits' kernel is from a fixed one
        return float(np.abs(net.get_layer("a").get_weights()[0] - 0.01).sum())

    info = adapt.fit_label_only(net, strips, labels, budget_s=3.0, seed=1, batch_size=8, score=score)
    curve = info["valid_mean_cse_min"]
    assert len(curve) == len(info["loss"]) + 1  # before training, then after each part
    assert score() == pytest.approx(min(curve))  # left with the best weights
    assert info["best_step"] == (0 if curve[0] == min(curve) else min(2 * curve.index(min(curve)), info["steps"]))


def test_the_learning_rate_follows_a_cosine_over_the_steps_as_re_planned():
    import keras

    from ablab.clock.read import adapt

    plan = {"steps": 100, "done": 50}
    cosine = adapt._cosine(plan)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1.0), loss="mse")
    cosine.set_model(model)
    cosine.on_train_batch_begin(0)
    assert float(model.optimizer.learning_rate) == pytest.approx(adapt.ADAPT_LR / 2)  # halfway
    plan["steps"] = 50  # re-planned: this was the last step
    cosine.on_train_batch_begin(0)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.0, abs=1e-12)


def test_steps_left_leave_time_for_every_check_including_the_last():
    from ablab.clock.read import adapt

    assert adapt._steps_left(100.0, step_s=1.0, check_s=0.0, check_every=10) == 100
    # 10 s for the last check, then each step costs 1 s plus a tenth of a 10-s check: (100 − 10) / 2 = 45
    assert adapt._steps_left(100.0, step_s=1.0, check_s=10.0, check_every=10) == 45
    assert adapt._steps_left(5.0, step_s=1.0, check_s=10.0, check_every=10) == 0


def test_clock_train_from_refuses_a_reader_it_cannot_adapt_before_training(tmp_path, capsys):
    """--from names the reader to adapt: a one-stage reader, a missing file, or --from on data with landmarks exit 2
    naming the problem, before any training."""
    from ablab.clock.read.networks import build_clock_model

    clocks = generate("light-hands@4", 20, size=150, seed=3, workers=1)
    data = tmp_path / "clocks"
    data.mkdir()
    np.save(data / "images.npy", clocks.images)
    np.save(data / "labels.npy", clocks.labels)
    one_stage = tmp_path / "periodic.keras"
    build_clock_model("clock-tiny", 150, "periodic").save(one_stage)
    store = tmp_path / "ablab.db"
    for parent, expected in ((one_stage, "needs a two-stage reader"), (tmp_path / "none.keras", "not found")):
        code, _, err = run_cli(["clock", "train", "--data", str(data), "--from", str(parent), "--store", str(store)],
                               capsys)
        assert code == 2 and str(parent) in err and expected in err
    assert not (tmp_path / "models").exists() and not store.exists()  # nothing trained, nothing stored
    landmarks = tmp_path / "landmarks"
    code, _, err = run_cli(["clock", "generate", "--preset", "varied", "--n", "20", "--out", str(landmarks)], capsys)
    assert code == 0, err
    code, _, err = run_cli(["clock", "train", "--data", str(landmarks), "--from", str(one_stage), "--store",
                            str(store)], capsys)
    assert code == 2 and "--from" in err and "has landmarks" in err
