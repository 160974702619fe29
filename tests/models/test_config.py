import pytest

from ablab.clock.read.config import ClockTrialConfig, quick_config
from ablab.errors import AblabError
from ablab.models import PRESETS, TrialConfig, make_config, preset_overrides


def test_defaults_are_the_reference_mlp():
    c = TrialConfig()
    assert (c.model, c.hidden_units, c.optimizer, c.epochs, c.activation) == ("mlp", (300, 100), "sgd", 1, "relu")


def test_bad_value_names_field_and_choices():
    with pytest.raises(AblabError) as err:
        make_config({"optimizer": "bogus"}, where="--set")
    message = str(err.value)
    assert "--set.optimizer" in message
    for name in ("adadelta", "adagrad", "adam", "adamax", "ftrl", "nadam", "rmsprop", "sgd"):
        assert name in message


def test_unknown_field_is_named():
    with pytest.raises(AblabError, match=r"config\.learning_rat: unknown field"):
        make_config({"learning_rat": 0.1})


def test_unknown_model_lists_known():
    with pytest.raises(AblabError, match="unknown model 'resnet'; known: cnn, mlp"):
        make_config({"model": "resnet"})


@pytest.mark.parametrize("bad", [{"hidden_units": [0]}, {"conv_blocks": []}, {"dropout": 1.0}, {"batch_size": 0}])
def test_out_of_range_values_fail(bad):
    with pytest.raises(AblabError):
        make_config(bad)


def test_canonical_json_is_order_independent():
    a = make_config({"optimizer": "adam", "learning_rate": 0.01})
    b = make_config({"learning_rate": 0.01, "optimizer": "adam"})
    assert a.canonical_json() == b.canonical_json()
    assert " " not in a.canonical_json()


def test_every_preset_validates():
    for model, presets in PRESETS.items():
        for name, fields in presets.items():
            config = make_config({"model": model}, preset=name)
            assert config.model == model
            assert {field: getattr(config, field) for field in fields} == fields, (model, name)


def test_unknown_preset_lists_known():
    with pytest.raises(AblabError, match="extra-layer-between"):
        preset_overrides("mlp", "extra-layer-in-the-middle")


def test_a_preset_lies_under_the_overrides_and_follows_their_model():
    config = make_config({"model": "mlp", "dropout": 0.3}, preset="reference-dropout")
    assert (config.hidden_units, config.dropout) == ((300, 100), 0.3)
    assert make_config({"model": "cnn"}, preset="reduced-filters").dense_units == (64, 16)
    with pytest.raises(AblabError, match="presets exist only for classify models"):
        make_config({}, config_class=ClockTrialConfig, preset="reference")


def test_the_clock_config_is_built_the_same_way():
    config = make_config({"encoding": "hands-frame", "epochs": 2}, where="clock config", config_class=ClockTrialConfig)
    assert isinstance(config, ClockTrialConfig) and (config.encoding, config.epochs) == ("hands-frame", 2)
    based = make_config({"epochs": 5}, base=quick_config("landmarks"))
    assert isinstance(based, ClockTrialConfig) and (based.model, based.epochs) == ("clock-lm", 5)
    with pytest.raises(AblabError, match=r"^clock config\.colour: unknown field \(known: augment, batch_size, "):
        make_config({"colour": True}, where="clock config", config_class=ClockTrialConfig)
    with pytest.raises(AblabError, match=r"^clock config\.epochs: Input should be greater than or equal to 1"):
        make_config({"epochs": 0}, where="clock config", config_class=ClockTrialConfig)


def test_sources_name_the_place_that_set_the_bad_field():
    sources = [("base", {"optimizer": "adam", "epochs": 0}), ("rows[1].set", {"epochs": 2, "colour": 1})]
    with pytest.raises(AblabError) as err:
        make_config({"optimizer": "bogus", "epochs": 0, "colour": 1}, where="rows[1]", sources=sources)
    lines = str(err.value).splitlines()
    assert lines[0].startswith("base.optimizer: Input should be ")
    assert lines[1:] == ["rows[1].set.epochs: Input should be greater than or equal to 1",
                         "rows[1].set.colour: unknown config field"]
    with pytest.raises(AblabError, match=r"^rows\[1\]: unknown model 'resnet'"):
        make_config({"model": "resnet"}, where="rows[1]", sources=sources)
