"""Named architecture presets: the architecture rows of Tables 4 (MLP) and 7 (CNN) as field overrides.

A preset resolves into plain TrialConfig fields, so a trial's key reflects the layers that actually ran.
Where the report does not give a size, we state our choice here (and the report repeats it).
"""

from __future__ import annotations

from ablab.errors import unknown_name

# Table 4. The reference MLP is Flatten-300-100-10. The report does not give the "decreased" sizes or the dropout
# rate; we halve the layers and use Géron's ch.11 rate of 0.2.
MLP_PRESETS: dict[str, dict] = {
    "reference": {"hidden_units": (300, 100)},
    "reference-dropout": {"hidden_units": (300, 100), "dropout": 0.2},
    "decreased-layer-size": {"hidden_units": (150, 50)},
    "first-layer-removed": {"hidden_units": (100,)},
    "second-layer-removed": {"hidden_units": (300,)},
    "extra-layer-before": {"hidden_units": (600, 300, 100)},
    "extra-layer-after": {"hidden_units": (300, 100, 50)},
    "extra-layer-between": {"hidden_units": (300, 200, 100)},
    "all-extra-layers": {"hidden_units": (600, 300, 200, 100, 50)},
    "all-extra-layers-dropout": {"hidden_units": (600, 300, 200, 100, 50), "dropout": 0.2},
}

# Table 7 and its text (CNN experiments 5, 6, 9, 10).
CNN_PRESETS: dict[str, dict] = {
    "reference": {"conv_blocks": ((64,), (128, 128), (256, 256)), "dense_units": (128, 64)},
    "reduced-filters": {"conv_blocks": ((16,), (64, 64), (128, 128)), "dense_units": (64, 16)},
    "increased-filters": {"conv_blocks": ((128,), (256, 256), (512, 512)), "dense_units": (256, 128)},
    # "The last 3 layers before the dense layers were removed (2 convolutional and 1 pooling)."
    "fewer-layers": {"conv_blocks": ((64,), (128, 128)), "dense_units": (128, 64)},
    # "Added 2 convolutional and 1 pooling layer before the first dense layer."
    "more-layers": {"conv_blocks": ((64,), (128, 128), (256, 256), (512, 512)), "dense_units": (128, 64)},
}

PRESETS: dict[str, dict[str, dict]] = {"mlp": MLP_PRESETS, "cnn": CNN_PRESETS}


def preset_overrides(model: str, preset: str) -> dict:
    """Field overrides of `preset` for `model`; unknown names list the known ones."""
    presets = PRESETS.get(model, {})
    if preset not in presets:
        raise unknown_name(f"{model} preset", preset, presets)
    return dict(presets[preset])
