import math

import numpy as np
import pytest

from ablab.clock.read.config import NO_AUGMENT, ClockTrialConfig
from ablab.clock.data.parts import ClockArrays, ClockPart, Frame
from ablab.errors import AblabError


def wedge_clocks(n: int, size: int = 48, seed: int = 0) -> ClockPart:
    """A trivially easy 'clock': one thick bright hand from the centre at the hour's angle, on noise."""
    rng = np.random.default_rng(seed)
    hours = rng.integers(0, 12, n)
    yy, xx = np.mgrid[:size, :size] - (size - 1) / 2
    angle = np.mod(np.arctan2(xx, -yy), 2 * math.pi)  # clockwise from up
    radius = np.hypot(xx, yy)
    images = rng.integers(0, 40, (n, size, size)).astype(np.uint8)
    for i, h in enumerate(hours):
        diff = np.abs(np.angle(np.exp(1j * (angle - h * math.pi / 6))))
        images[i][(diff < 0.2) & (radius < size * 0.45)] = 255
    labels = np.stack([hours, np.zeros(n, int)], 1)
    return ClockPart(images, labels, Frame(np.zeros(n), np.zeros(n, bool)))


def easy_arrays(n_train=384, n_eval=96, size=48) -> ClockArrays:
    return ClockArrays(wedge_clocks(n_train, size, 0), wedge_clocks(n_eval, size, 1), wedge_clocks(n_eval, size, 2))


def test_tiny_model_learns_an_easy_task_far_better_than_chance():
    from ablab.clock.read.train import train_reader

    config = ClockTrialConfig(encoding="classification-12", model="clock-tiny", image_size=48, epochs=6,
                              batch_size=32, lr=3e-3, warmup_epochs=0, augment=NO_AUGMENT)
    result = train_reader(config, 0, easy_arrays())
    m = result["metrics"]
    assert m["hour_accuracy"] > 0.6  # chance: 1/12
    assert m["mean_cse_min"] < 60  # chance: ~180
    assert len(result["history"]["loss"]) == 6 and len(result["history"]["val_mean_cse_min"]) == 6
    assert result["history"]["loss"][-1] < result["history"]["loss"][0]
    assert set(m) >= {"n", "mean_cse_min", "median_cse_min", "within_1min", "within_5min", "hour_accuracy",
                      "test_loss", "train_time_s", "samples_per_s"}


def test_frame_encoding_trains_with_camera_and_refuses_without(tmp_path):
    from ablab.clock.read.train import train_reader

    config = ClockTrialConfig(encoding="hands-frame", model="clock-tiny", image_size=48, epochs=1, n_images=40,
                              augment=NO_AUGMENT)
    data = easy_arrays(64, 16)
    assert train_reader(config, 0, data)["metrics"]["n"] == 16
    bare = ClockArrays(*(ClockPart(p.images, p.labels) for p in (data.train, data.valid, data.test)))
    with pytest.raises(AblabError, match="rotation"):
        train_reader(config, 0, bare)


def test_run_clock_trial_generates_once_saves_a_stock_loadable_reader(tmp_path, monkeypatch):
    import keras

    import ablab.clock.data.generate as generate_module

    from ablab.clock.read.train import run_clock_trial

    config = ClockTrialConfig(preset="single", n_images=50, image_size=64, model="clock-quick", epochs=1,
                              batch_size=16, eval_presets=("varied",))  # encoding: landmarks, the default
    out = run_clock_trial(config, 3, data_dir=tmp_path / "data", model_path=tmp_path / "m.keras")
    assert out["metrics"]["n"] == 5 and out["metrics"]["varied"]["n"] == 20
    assert len(out["history"]["val_loss"]) == 1
    cached = sorted(p.name for p in (tmp_path / "data").iterdir())
    assert len(cached) == 2  # the single set and the extra varied test set
    model = keras.saving.load_model(tmp_path / "m.keras")
    assert model.name.split("__")[1] == "landmarks" and model.input_shape[1:] == (64, 64, 1)
    def no_rendering(*args, **kwargs):
        raise AssertionError("a second trial on the same data rendered it again")

    monkeypatch.setattr(generate_module, "generate", no_rendering)
    run_clock_trial(config.model_copy(update={"epochs": 1}), 4, data_dir=tmp_path / "data")  # another trial
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == cached  # reused, not regenerated


def test_config_rejects_unknown_names_and_fields():
    with pytest.raises(ValueError, match="hands"):
        ClockTrialConfig(encoding="sundial")
    with pytest.raises(ValueError, match="clock-base"):
        ClockTrialConfig(model="resnet")
    with pytest.raises(ValueError):
        ClockTrialConfig(colour=True)
    assert ClockTrialConfig().task == "clock"
    assert ClockTrialConfig.model_validate_json(ClockTrialConfig().model_dump_json()) == ClockTrialConfig()


def test_mirror_augmentation_flips_only_dials_with_a_cue_and_keeps_the_time():
    from ablab.clock.data.generate import generate
    from ablab.clock.read.batches import make_batches
    from ablab.clock.read.encodings import get_encoding

    s = generate("varied", 24, size=64, seed=8, workers=1)
    points, cue = s.landmarks, s.mirror_cue
    assert cue.any() and not cue.all()
    part = ClockPart(s.images, s.labels, Frame(s.rotation_deg, s.mirrored, points, cue))
    for name in ("landmarks", "hands-frame", "hands"):
        enc = get_encoding(name)
        x, targets = make_batches(part, enc, batch_size=24, seed=0, mirror_prob=1.0)[0]
        order = np.sort(np.arange(24))  # one batch: every sample, sorted
        flipped = x[..., 0] == s.images[order][:, :, ::-1]
        same = x[..., 0] == s.images[order]
        assert all(f.all() for f in flipped[cue]) and all(u.all() for u in same[~cue])
        decoded, _ = enc.decode({k: (np.eye(h.units)[v] if h.activation == "softmax" else v)
                                 for h in enc.heads for k, v in [(h.name, targets[h.name])]})
        # landmarks decode in a similarity frame (encodings.dial_frame), exact up to ~25° of tilt: `varied` now
        # holds photographs tilted up to 60° (photo-floor), which only an ellipse frame reads exactly
        flat = s.ellipse[:, 3] / s.ellipse[:, 2] > np.cos(np.radians(25.0))
        assert np.abs(decoded - s.labels)[flat].sum() <= 2 * (name == "landmarks")  # landmarks: tilt may cost 1 min


def test_study_profiles_cover_every_encoding():
    from ablab.clock.read.config import full_config, quick_config
    from ablab.clock.read.encodings import ENCODINGS

    for name in ENCODINGS:
        assert quick_config(name).encoding == full_config(name).encoding == name
    assert full_config().n_images * 0.8 >= 18000 and full_config().preset == "varied"


@pytest.mark.parametrize("flags,expected", [({"avx2", "amx_bf16"}, "bfloat16"), ({"avx512_bf16"}, "bfloat16"),
                                            ({"avx2", "fma"}, "float32"), (set(), "float32")])
def test_auto_precision_is_bf16_only_where_the_cpu_computes_it(flags, expected):
    from ablab.precision import resolve_precision

    assert resolve_precision("auto", frozenset(flags)) == expected
    assert resolve_precision("float32", frozenset({"amx_bf16"})) == "float32"  # an explicit choice is kept
    assert ClockTrialConfig().precision == "auto"


def test_the_uncertain_threshold_is_chosen_on_validation_readings_and_skipped_without_confidence():
    """train.validation_threshold: the 1st percentile of the right readings' confidence; None for a reader that
    states no confidence or reads nothing right."""
    from ablab.clock.read.train import validation_threshold

    class Fixed:  # reads every clock as 3:00, with the confidence given
        def __init__(self, confidence):
            self.confidence = confidence

        def read(self, images):
            labels = np.tile([3, 0], (len(images), 1))
            return labels, None if self.confidence is None else np.asarray(self.confidence[: len(images)])

    images = np.zeros((101, 8, 8), np.uint8)
    labels = np.array([[3, 0]] * 100 + [[9, 0]])
    threshold = validation_threshold(Fixed(np.linspace(0.0, 1.0, 101)), images, labels)
    assert threshold == pytest.approx(np.quantile(np.linspace(0.0, 0.99, 100), 0.01))
    assert validation_threshold(Fixed(None), images, labels) is None
    assert validation_threshold(Fixed(np.ones(101)), images, np.tile([6, 30], (101, 1))) is None
