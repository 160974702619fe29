"""Model registry: name -> "module:function" builder, imported on first use.

Builders are referenced by import path so that validating a config (which checks the model name) does not
import keras; the backend is chosen by the entry point before that happens.
"""

from __future__ import annotations

import importlib
from typing import Callable

from ablab.errors import unknown_name

# Builders take (config, num_classes=...) and return an uncompiled keras.Model over uint8 (N, 28, 28) images.
MODELS: dict[str, str] = {
    "mlp": "ablab.models.geron:build_mlp",
    "cnn": "ablab.models.geron:build_cnn",
}


def register_model(name: str, target: str) -> None:
    """Add a builder by import path, e.g. register_model("tiny", "mypkg.models:build_tiny")."""
    MODELS[name] = target


def model_builder(name: str) -> Callable:
    """The builder function for `name`; unknown names list the known ones."""
    if name not in MODELS:
        raise unknown_name("model", name, MODELS)
    module_name, func_name = MODELS[name].split(":")
    return getattr(importlib.import_module(module_name), func_name)


def build_model(config, *, num_classes: int = 10):
    """Build the (uncompiled) model that `config.model` names."""
    return model_builder(config.model)(config, num_classes=num_classes)
