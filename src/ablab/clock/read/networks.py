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

from ablab.clock.read.encodings import Encoding, get_encoding
from ablab.errors import AblabError, unknown_name

NAME_PREFIX = "clockreader"


@dataclass(frozen=True)
class ClockArch:
    work_px: int  # the resolution the convolutions see
    stem: int  # filters of the 5×5 stride-2 stem
    widths: tuple[int, ...]  # one conv block (conv 3×3 + BN + ReLU + max-pool 2) per entry
    dense: int  # units of the shared dense layer (0 = heads sit on the flattened features)
    keypoints: int = 0  # spatial-softmax maps: each gives the expected (x, y) of a learned feature (hand tip...)
    keypoint_block: int = 1  # which block's activations (before its pool) the keypoint maps are computed from;
    # with a pyramid (fpn > 0) they come from the pyramid's output instead
    fpn: int = 0  # >0: a top-down feature pyramid of this width back to the stem's resolution, for point heads
    second_stage: str = ""  # "polar": after training, a second network (ablab.clock.read.stages) looks again at
    second_epochs: int = 0  # each dial, placed by the points, for this many epochs; point encodings only


ARCHS: dict[str, ClockArch] = {
    # for tests and smoke runs: a few thousand parameters' worth of convs
    "clock-tiny": ClockArch(work_px=48, stem=8, widths=(16, 16), dense=32),
    # quick study profile: ~1 min per trial on the 2-core CPU
    "clock-small": ClockArch(work_px=75, stem=16, widths=(32, 64, 96), dense=128),
    # the accuracy model
    "clock-base": ClockArch(work_px=75, stem=24, widths=(48, 96, 128), dense=256),
    "clock-kp": ClockArch(work_px=75, stem=24, widths=(48, 96, 128), dense=256, keypoints=32, keypoint_block=1),
    # the full profile, every encoding: 80 px so the pyramid halves evenly (40, 20, 10, 5); 32 learned keypoints
    # off the pyramid feed the dense heads, 7 supervised ones are the landmarks encoding's output
    "clock-lm": ClockArch(work_px=80, stem=24, widths=(32, 64, 96, 128), dense=128, fpn=32, keypoints=32),
    # clock-lm for the centre, then the polar reader (ablab.clock.read.polar_stage): the best reader
    "clock-lm-polar": ClockArch(work_px=80, stem=24, widths=(32, 64, 96, 128), dense=128, fpn=32, keypoints=32,
                                second_stage="polar", second_epochs=9),
    # the quick profile, on 64-px renders (no resizing): 64 px → 32, 16, 8, 4
    "clock-quick": ClockArch(work_px=64, stem=16, widths=(24, 32, 48), dense=64, fpn=16, keypoints=8),
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


def conv_bn_relu(x, filters: int, kernel: int, strides: int, name: str):
    from keras import layers

    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def _spatial_softmax(x, count: int, name: str = "kp"):
    """(N, H, W, C) → (N, 2·count): for each of `count` learned maps, the softmax-weighted mean (x, y) in [−1, 1]
    (cell centres at −1 + (2i + 1)/W, so ±1 are the image's edges, as in ablab.clock.data.landmarks).

    Built from stock layers (1×1 conv, softmax over positions, a frozen Dense holding the coordinate grid), so a
    saved model still loads with plain keras. Positions are what the time is made of: where the hands' tips, the
    hub and the 12 are.
    """
    import numpy as np
    from keras import layers

    h, w = int(x.shape[1]), int(x.shape[2])
    # float32 from here on: softmax over hundreds of positions and sub-pixel means need more than bf16's 8 bits
    maps = layers.Conv2D(count, 1, dtype="float32", name=f"{name}_maps")(x)
    maps = layers.Reshape((h * w, count), dtype="float32", name=f"{name}_flat")(maps)
    probs = layers.Softmax(axis=1, dtype="float32", name=f"{name}_softmax")(maps)
    probs = layers.Permute((2, 1), dtype="float32", name=f"{name}_permute")(probs)  # (N, count, H·W)
    grid = layers.Dense(2, use_bias=False, trainable=False, dtype="float32", name=f"{name}_grid")
    ys, xs = np.meshgrid((2 * np.arange(h) + 1) / h - 1, (2 * np.arange(w) + 1) / w - 1, indexing="ij")
    grid.build((None, count, h * w))
    grid.set_weights([np.stack([xs.ravel(), ys.ravel()], 1).astype("float32")])
    return layers.Flatten(dtype="float32", name=f"{name}_xy" if name != "kp" else "kp_xy")(grid(probs))


def _pyramid(features: list, width: int):
    """Top-down feature pyramid: from the coarsest block back to the finest, 2× upsampling plus a 1×1 lateral of
    each block, then a 3×3 conv: fine resolution with the whole image's context (which numeral is the 12)."""
    from keras import layers

    top = layers.Conv2D(width, 1, name=f"fpn{len(features) - 1}_lateral")(features[-1])
    for i in range(len(features) - 2, -1, -1):
        up = layers.UpSampling2D(2, name=f"fpn{i}_up")(top)
        top = layers.Add(name=f"fpn{i}_add")([up, layers.Conv2D(width, 1, name=f"fpn{i}_lateral")(features[i])])
    return conv_bn_relu(top, width, 3, 1, "fpn_out")


def _heads(features, pyramid, encoding: Encoding) -> dict:
    """One Dense per head (float32 even under mixed precision), ×scale where the head regresses big numbers;
    point heads read their points off the pyramid with a spatial softmax."""
    from keras import layers

    outputs = {}
    for head in encoding.heads:
        if head.points:
            outputs[head.name] = _spatial_softmax(pyramid, head.units // 2, name=head.name)
            continue
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
    x = conv_bn_relu(x, arch.stem, 5, 2, "stem")
    keypoints, block_outputs = None, []
    for i, width in enumerate(arch.widths):
        x = conv_bn_relu(x, width, 3, 1, f"block{i}")
        block_outputs.append(x)
        if arch.keypoints and not arch.fpn and i == arch.keypoint_block:
            keypoints = _spatial_softmax(x, arch.keypoints)
        x = layers.MaxPooling2D(2, name=f"block{i}_pool")(x)
    pyramid = None
    if any(h.points for h in encoding.heads) and not arch.fpn:
        raise AblabError(f"clock encoding {encoding_name!r} finds points and needs a model with a feature "
                         f"pyramid (clock-lm, clock-quick); {arch_name!r} has none")
    if arch.fpn:
        pyramid = _pyramid(block_outputs, arch.fpn)
        if arch.keypoints:
            keypoints = _spatial_softmax(pyramid, arch.keypoints)
    x = layers.Flatten(name="flatten")(x)
    if keypoints is not None:
        x = layers.Concatenate(name="with_keypoints")([x, keypoints])
    if arch.dense:
        x = layers.Dense(arch.dense, activation="relu", name="features")(x)
    return keras.Model(inputs, _heads(x, pyramid, encoding), name=model_name(encoding_name, arch_name))
