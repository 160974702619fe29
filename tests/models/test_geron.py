import keras
import numpy as np
import pytest

from ablab.models import build_model, make_config, preset_overrides
from ablab.train.run import compile_model


def test_reference_mlp_shape_and_parameters():
    model = build_model(make_config({"model": "mlp"}))
    # 784*300+300 + 300*100+100 + 100*10+10
    assert model.count_params() == 266_610
    assert model.output_shape == (None, 10)


def test_reference_cnn_matches_geron_ch14():
    model = build_model(make_config({"model": "cnn"}))
    convs = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [64, 128, 128, 256, 256]
    assert convs[0].kernel_size == (7, 7) and convs[1].kernel_size == (3, 3)
    assert sum(isinstance(l, keras.layers.MaxPooling2D) for l in model.layers) == 3
    dropouts = [l.rate for l in model.layers if isinstance(l, keras.layers.Dropout)]
    assert dropouts == [0.5, 0.5]
    dense = [l.units for l in model.layers if isinstance(l, keras.layers.Dense)]
    assert dense == [128, 64, 10]


@pytest.mark.parametrize("preset,convs,pools",
                         [("fewer-layers", 3, 2), ("more-layers", 7, 4), ("reduced-filters", 5, 3)])
def test_cnn_presets_change_the_layers(preset, convs, pools):
    model = build_model(make_config({"model": "cnn", **preset_overrides("cnn", preset)}))
    assert sum(isinstance(l, keras.layers.Conv2D) for l in model.layers) == convs
    assert sum(isinstance(l, keras.layers.MaxPooling2D) for l in model.layers) == pools


def test_average_pooling_and_dropout_knobs():
    model = build_model(make_config({"model": "cnn", "pooling": "average", "dropout": 0.4}))
    assert sum(isinstance(l, keras.layers.AveragePooling2D) for l in model.layers) == 3
    assert [l.rate for l in model.layers if isinstance(l, keras.layers.Dropout)] == [0.4, 0.4]


def test_mlp_architecture_presets():
    model = build_model(make_config({"model": "mlp", **preset_overrides("mlp", "all-extra-layers-dropout")}))
    assert [l.units for l in model.layers if isinstance(l, keras.layers.Dense)] == [600, 300, 200, 100, 50, 10]
    assert sum(isinstance(l, keras.layers.Dropout) for l in model.layers) == 5


def test_zeros_initializer_gives_constant_predictions():
    model = build_model(make_config({"kernel_initializer": "zeros", "bias_initializer": "zeros"}))
    assert all(not np.any(w) for w in model.get_weights())
    out = model(np.random.default_rng(0).integers(0, 255, (4, 28, 28)).astype("uint8"))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), 0.1, atol=1e-6)


def test_regularizers_add_losses():
    model = build_model(make_config({"kernel_regularizer": "l2", "bias_regularizer": "l1",
                                     "activity_regularizer": "l2"}))
    model(np.zeros((2, 28, 28), "uint8"))
    assert len(model.losses) == 3 * 3  # kernel, bias and activity terms for each of the 3 Dense layers


def test_activation_and_optimizer_knobs():
    config = make_config({"activation": "selu", "optimizer": "nadam", "learning_rate": 0.005,
                          "steps_per_execution": 10})
    model = compile_model(config)
    assert model.layers[3].activation.__name__ == "selu"
    assert isinstance(model.optimizer, keras.optimizers.Nadam)
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(0.005)
