"""Géron's reference networks, every knob from TrialConfig.

MLP (Hands-On ML ch.10): Flatten, Dense 300, Dense 100, Dense 10 softmax.
CNN (ch.14): Conv 64 7×7, pool, 2×Conv 128, pool, 2×Conv 256, pool, Dense 128, dropout, Dense 64, dropout, Dense 10.
Both take uint8 images (N, 28, 28) and scale them inside the model, so a saved model reads raw pixels.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from ablab.models.config import TrialConfig
from ablab.models.layers import weight_args

IMAGE_SHAPE = (28, 28)
CNN_DEFAULT_DROPOUT = 0.5


def _input_stem(name: str) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inputs = keras.Input(shape=IMAGE_SHAPE, dtype="uint8", name="image")
    x = layers.Rescaling(1 / 255.0, name=f"{name}_scale")(inputs)  # uint8 -> float32 in [0, 1]
    return inputs, x


def build_mlp(config: TrialConfig, *, num_classes: int = 10) -> keras.Model:
    """Flatten → Dense(hidden_units…, activation) [→ Dropout] → Dense(num_classes, softmax)."""
    inputs, x = _input_stem("mlp")
    x = layers.Flatten()(x)
    for units in config.hidden_units:
        x = layers.Dense(units, activation=config.activation, **weight_args(config))(x)
        if config.dropout:
            x = layers.Dropout(config.dropout)(x)
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", **weight_args(config))(x)
    return keras.Model(inputs, outputs, name="mlp")


def permute_input_rows(model: keras.Model, permutation: np.ndarray) -> None:
    """Put the rows of the first Dense kernel (pixels × units) in a pixel permutation's order, in place: with input
    pixel j being original pixel permutation[j], the layer then computes on permuted images exactly what it computed
    on the originals (row j of the new kernel is row permutation[j] of the old), and so does every training step
    after it, up to the order of float sums."""
    dense = next(layer for layer in model.layers if isinstance(layer, layers.Dense))
    kernel, *rest = dense.get_weights()  # kernel (n_pixels, units)
    dense.set_weights([kernel[permutation], *rest])


def _pool(config: TrialConfig) -> layers.Layer:
    return layers.MaxPooling2D(2) if config.pooling == "max" else layers.AveragePooling2D(2)


def build_cnn(config: TrialConfig, *, num_classes: int = 10) -> keras.Model:
    """Conv blocks (first conv first_kernel_size×first_kernel_size, then 3×3), each block followed by pooling."""
    inputs, x = _input_stem("cnn")
    x = layers.Reshape((*IMAGE_SHAPE, 1))(x)  # (N, 28, 28) -> (N, 28, 28, 1)
    for block_index, block in enumerate(config.conv_blocks):
        for conv_index, filters in enumerate(block):
            first = block_index == 0 and conv_index == 0
            kernel = config.first_kernel_size if first else 3
            x = layers.Conv2D(filters, kernel, padding="same", activation=config.activation, **weight_args(config))(x)
        x = _pool(config)(x)
    x = layers.Flatten()(x)
    dropout = CNN_DEFAULT_DROPOUT if config.dropout is None else config.dropout
    for units in config.dense_units:
        x = layers.Dense(units, activation=config.activation, **weight_args(config))(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", **weight_args(config))(x)
    return keras.Model(inputs, outputs, name="cnn")
