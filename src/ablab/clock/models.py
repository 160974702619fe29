"""Clock-reading CNNs for 150×150 grayscale images: a small family of architectures, by name.

Design (measured on the 2-core CPU, see docs/benchmarks.md): the input is shrunk early (area-like average pooling
or antialiased resize to `work_px`), then a 5×5 stride-2 stem, then conv blocks (3×3 conv, BatchNorm, ReLU,
2×2 max-pool), then Flatten — not global average pooling, which would throw away *where* the hands are, and the
time is an angle, i.e. a position — and a dense layer shared by the encoding's heads.

The model name carries the encoding and the architecture ("clockreader__hands__clock-base"), so a saved `.keras`
file says how to decode its outputs while still loading with stock `keras.saving.load_model` (built-in layers only).
"""

from __future__ import annotations

from dataclasses import dataclass

from ablab.clock.encodings import Encoding, get_encoding
from ablab.errors import AblabError, unknown_name

NAME_PREFIX = "clockreader"


@dataclass(frozen=True)
class ClockArch:
    work_px: int  # the resolution the convolutions see
    stem: int  # filters of the 5×5 stride-2 stem
    widths: tuple[int, ...]  # one conv block (conv 3×3 + BN + ReLU + max-pool 2) per entry
    dense: int  # units of the shared dense layer (0 = heads sit on the flattened features)
    dropout: float = 0.0


ARCHS: dict[str, ClockArch] = {
    # for tests and smoke runs: a few thousand parameters' worth of convs
    "clock-tiny": ClockArch(work_px=48, stem=8, widths=(16, 16), dense=32),
    # quick study profile: ~1 min per trial on the 2-core CPU
    "clock-small": ClockArch(work_px=75, stem=16, widths=(32, 64, 96), dense=128),
    # the accuracy model
    "clock-base": ClockArch(work_px=75, stem=24, widths=(48, 96, 128), dense=256),
    "clock-wide": ClockArch(work_px=100, stem=32, widths=(64, 96, 128, 160), dense=384),
}


def get_arch(name: str) -> ClockArch:
    if name not in ARCHS:
        raise unknown_name("clock model", name, ARCHS)
    return ARCHS[name]


def model_name(encoding: str, arch: str) -> str:
    return f"{NAME_PREFIX}__{encoding}__{arch}"


def parse_model_name(name: str) -> tuple[Encoding, str]:
    """A saved model's name → (its encoding, its architecture name); AblabError if it is not a clock reader."""
    parts = name.split("__")
    if len(parts) != 3 or parts[0] != NAME_PREFIX:
        raise AblabError(f"model {name!r} is not an ablab clock reader (its name does not carry an encoding); "
                         "train one with `ablab clock train`")
    return get_encoding(parts[1]), parts[2]


def _shrink(x, input_size: int, work_px: int):
    """Downscale (N, S, S, 1) to work_px: an exact 2× average pool when it fits, else an antialiased resize."""
    from keras import layers

    if work_px == input_size:
        return x
    if input_size == 2 * work_px:
        return layers.AveragePooling2D(2, name="shrink")(x)
    return layers.Resizing(work_px, work_px, interpolation="bilinear", antialias=True, name="shrink")(x)


def _conv_bn_relu(x, filters: int, kernel: int, strides: int, name: str):
    from keras import layers

    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def _heads(features, encoding: Encoding) -> dict:
    """One Dense per head (float32 even under mixed precision), ×scale where the head regresses big numbers."""
    from keras import layers

    outputs = {}
    for head in encoding.heads:
        raw_name = head.name if head.scale == 1.0 else f"{head.name}_raw"
        y = layers.Dense(head.units, activation=head.activation, dtype="float32", name=raw_name)(features)
        if head.scale != 1.0:
            y = layers.Rescaling(head.scale, dtype="float32", name=head.name)(y)
        outputs[head.name] = y
    return outputs


def build_clock_model(arch_name: str, input_size: int, encoding_name: str):
    """An uncompiled functional model: uint8-valued (N, input_size, input_size, 1) → {head name: output}."""
    import keras
    from keras import layers

    arch, encoding = get_arch(arch_name), get_encoding(encoding_name)
    inputs = keras.Input((input_size, input_size, 1), name="image")
    x = layers.Rescaling(1.0 / 255.0, name="scale")(inputs)
    x = _shrink(x, input_size, arch.work_px)
    x = _conv_bn_relu(x, arch.stem, 5, 2, "stem")
    for i, width in enumerate(arch.widths):
        x = _conv_bn_relu(x, width, 3, 1, f"block{i}")
        x = layers.MaxPooling2D(2, name=f"block{i}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    if arch.dropout:
        x = layers.Dropout(arch.dropout, name="dropout")(x)
    if arch.dense:
        x = layers.Dense(arch.dense, activation="relu", name="features")(x)
    return keras.Model(inputs, _heads(x, encoding), name=model_name(encoding_name, arch_name))
