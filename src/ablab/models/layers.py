"""Keras layer arguments from a TrialConfig: initializers, regularizers, activations, optimizers.

The report's names map to Keras objects here, and only here.
"""

from __future__ import annotations

import keras

from ablab.models.config import TrialConfig

OPTIMIZERS = {
    "adadelta": keras.optimizers.Adadelta,
    "adagrad": keras.optimizers.Adagrad,
    "adam": keras.optimizers.Adam,
    "adamax": keras.optimizers.Adamax,
    "ftrl": keras.optimizers.Ftrl,
    "nadam": keras.optimizers.Nadam,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
}


def _regularizer(kind: str, factor: float):
    if kind == "none":
        return None
    return keras.regularizers.L1(factor) if kind == "l1" else keras.regularizers.L2(factor)


def weight_args(config: TrialConfig, *, seed: int | None = None) -> dict:
    """Initializer and regularizer kwargs shared by every Dense and Conv2D layer of the trial."""
    args: dict = {}
    if config.kernel_initializer != "default":
        args["kernel_initializer"] = keras.initializers.get({"class_name": config.kernel_initializer, "config": {}})
    if config.bias_initializer != "default":
        args["bias_initializer"] = keras.initializers.get({"class_name": config.bias_initializer, "config": {}})
    factor = config.regularization_factor
    args["kernel_regularizer"] = _regularizer(config.kernel_regularizer, factor)
    args["bias_regularizer"] = _regularizer(config.bias_regularizer, factor)
    args["activity_regularizer"] = _regularizer(config.activity_regularizer, factor)
    return args


def make_optimizer(config: TrialConfig) -> keras.optimizers.Optimizer:
    """The configured optimizer; `learning_rate=None` keeps Keras's default for that optimizer."""
    cls = OPTIMIZERS[config.optimizer]
    return cls() if config.learning_rate is None else cls(learning_rate=config.learning_rate)


def loss_name(config: TrialConfig) -> str:
    return "sparse_categorical_crossentropy" if config.labels == "sparse" else "categorical_crossentropy"
