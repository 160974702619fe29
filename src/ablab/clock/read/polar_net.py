"""The polar reader network (ablab.clock.read.polar): a strip of the unwrapped dial → per-direction logits for the
minute hand, the hour hand and the 12, a mirror logit, and where the true centre and the dial's edge are.

2-D convolutions see the strip's glyphs and strokes (numerals, ticks, hands); after three stride-2 stages the
rows (distance from the centre) are folded into channels, dilated 1-D convolutions along the columns give each
direction ~±90° of context (enough to tell a "12" from a "6" by its neighbours), and two upsampling steps with skip
connections bring the logits back to OUT_BINS directions. Convolutional along the columns throughout, so a turned
clock (a shifted strip) gives shifted outputs. Built-in layers only: a saved model loads with stock Keras.
"""

from __future__ import annotations

from ablab.clock.read.networks import conv_bn_relu
from ablab.clock.read.polar import ANGLES, OUT_BINS, PAD_COLS, POLAR_COLS, POLAR_NET, POLAR_ROWS, STRIDE


def _conv(x, filters: int, strides: int, name: str):
    return conv_bn_relu(x, filters, 3, strides, name)


def _fold_rows(x, filters: int, name: str):
    """(N, H, W, C) → (N, W, filters): every row's features of a column, mixed by a 1×1 convolution."""
    from keras import layers

    _, h, w, c = x.shape
    x = layers.Reshape((w, h * c), name=f"{name}_fold")(layers.Permute((2, 1, 3), name=f"{name}_cols")(x))
    return _conv1d(x, filters, 1, 1, name)


def _conv1d(x, filters: int, kernel: int, dilation: int, name: str):
    from keras import layers

    x = layers.Conv1D(filters, kernel, padding="same", dilation_rate=dilation, use_bias=False, name=f"{name}_conv")(x)
    return layers.ReLU(name=f"{name}_relu")(layers.BatchNormalization(name=f"{name}_bn")(x))


def build_polar_net(widths=(16, 32, 64, 128), context: int = 192, depth: int = 1):
    """uint8-valued (N, POLAR_ROWS, POLAR_COLS + 2·PAD_COLS, 1) → {"angles": (N, OUT_BINS, 3) logits for
    polar.ANGLES, "mirror": (N, 1) logit, "offset": (N, 2) the true centre's offset in polar.OFFSET_UNITs of the
    reach, "radius": (N, 1) the dial's edge in rows from polar.DIAL_ROWS}.

    Offset and radius are dense layers over four learned numbers per direction: a centre that is off by (dx, dy)
    moves the dial's rings by about dx·sin φ − dy·cos φ rows in column φ, a projection a dense layer can learn, and
    the dial's size moves them in every column alike.

    A 5×5 stride-2 stem (a full-resolution first layer cost 40% of a training step on the CPU), then one conv at
    /2 and two stride-2 stages (/4, /8) of `depth` convs each. depth 1: a step of 64 strips takes 0.65 s against
    1.03 s at depth 2 (2-core AMD EPYC), and 7 epochs of it read the validation draws as well as 5 at depth 2 did
    (held-out families 7.80 against 7.85 min; docs/clock_reader.md)."""
    import keras
    from keras import layers

    inputs = keras.Input((POLAR_ROWS, POLAR_COLS + 2 * PAD_COLS, 1), name="strip")
    x = conv_bn_relu(layers.Rescaling(1.0 / 255.0, name="strip_scale")(inputs), widths[0], 5, 2, "p0")
    skips = [x := _conv(x, widths[1], 1, "p1")]
    for i, width in enumerate(widths[2:], start=2):  # /4, /8
        x = _conv(x, width, 2, f"p{i}a")
        if depth > 1:
            x = _conv(x, width, 1, f"p{i}b")
        skips.append(x)
    x = _fold_rows(x, context, "ctx0")
    for i, dilation in enumerate((1, 2, 4, 1), start=1):
        x = layers.Add(name=f"ctx{i}_add")([x, _conv1d(x, context, 3, dilation, f"ctx{i}")])
    mirror = layers.Dense(1, dtype="float32", name="mirror")(layers.GlobalAveragePooling1D(name="ctx_pool")(x))
    for i, skip in zip((2, 1), reversed(skips[:-1])):  # /8 → /4 → /2
        width = skip.shape[-1] * 2
        x = layers.UpSampling1D(2, name=f"up{i}")(x)
        x = layers.Concatenate(name=f"up{i}_cat")([x, _fold_rows(skip, width, f"skip{i}")])
        x = _conv1d(x, width, 3, 1, f"up{i}_mix")
    crop = PAD_COLS // STRIDE
    x = layers.Cropping1D((crop, crop), name="one_turn")(x)
    angles = layers.Conv1D(len(ANGLES), 1, dtype="float32", name="angles")(x)
    radial = layers.Flatten(name="radial_flat")(layers.Conv1D(4, 1, name="radial")(x))
    offset = layers.Dense(2, dtype="float32", name="offset")(radial)
    radius = layers.Dense(1, dtype="float32", name="radius")(radial)
    assert angles.shape[1] == OUT_BINS, angles.shape
    return keras.Model(inputs, {"angles": angles, "mirror": mirror, "offset": offset, "radius": radius},
                       name=POLAR_NET)
