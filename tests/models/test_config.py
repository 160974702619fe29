import pytest

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
        for name in presets:
            make_config({"model": model, **preset_overrides(model, name)})


def test_unknown_preset_lists_known():
    with pytest.raises(AblabError, match="extra-layer-between"):
        preset_overrides("mlp", "extra-layer-in-the-middle")
