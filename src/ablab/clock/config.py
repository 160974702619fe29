"""ClockTrialConfig: every knob of one clock-reading trial (data, encoding, model, training, augmentation).

A trial config is one member of the trial-config union, told apart by `task`. Validating it imports no keras.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ablab.clock.encodings import ENCODINGS
from ablab.clock.models import ARCHS
from ablab.errors import unknown_name


class ClockAugment(BaseModel):
    """Label-preserving augmentation, applied to training batches only (inside the training graph).

    Rotating the whole image is label-preserving: the 12-o'clock cue turns with the hands. So are small shifts and
    zooms, contrast/brightness changes, polarity inversion and noise. Mirroring is not used: a mirrored dial is
    readable only where the renderer drew a cue (numerals, writing), and the renderer already mirrors those.
    """

    model_config = ConfigDict(extra="forbid")

    rotation: bool = True  # any angle
    shift_frac: float = Field(0.04, ge=0, le=0.3)  # of the image side
    zoom_frac: float = Field(0.08, ge=0, le=0.5)
    contrast: float = Field(0.3, ge=0, le=0.9)
    brightness: float = Field(0.15, ge=0, le=0.9)  # of the 0–255 range
    invert_prob: float = Field(0.0, ge=0, le=1)
    noise_gray: float = Field(4.0, ge=0, le=64)  # std of added Gaussian noise, gray levels


NO_AUGMENT = ClockAugment(rotation=False, shift_frac=0, zoom_frac=0, contrast=0, brightness=0, noise_gray=0)


class ClockTrialConfig(BaseModel):
    """One clock trial. Data: `n_images` of `preset` made with `data_seed` (split 80/10/10), cached under data_dir."""

    model_config = ConfigDict(extra="forbid")

    task: Literal["clock"] = "clock"
    encoding: str = "hands"
    model: str = "clock-base"
    image_size: int = Field(150, ge=16, le=512)
    preset: Literal["single", "varied"] = "varied"
    n_images: int = Field(22500, ge=20)  # 80% trains: 22,500 → 18,000 training images
    data_seed: int = 0
    epochs: int = Field(20, ge=1)
    batch_size: int = Field(64, ge=1)
    lr: float = Field(2e-3, gt=0)
    lr_schedule: Literal["cosine", "constant"] = "cosine"
    warmup_epochs: float = Field(1.0, ge=0)
    weight_decay: float = Field(1e-4, ge=0)
    augment: ClockAugment = Field(default_factory=ClockAugment)
    eval_presets: tuple[Literal["single", "varied"], ...] = ()  # extra test sets of other presets, n = 10% of n_images

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, name: str) -> str:
        if name not in ENCODINGS:
            raise ValueError(str(unknown_name("clock encoding", name, ENCODINGS)))
        return name

    @field_validator("model")
    @classmethod
    def _known_model(cls, name: str) -> str:
        if name not in ARCHS:
            raise ValueError(str(unknown_name("clock model", name, ARCHS)))
        return name
