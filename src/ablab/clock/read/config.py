"""ClockTrialConfig: every knob of one clock-reading trial (data, encoding, model, training, augmentation).

A trial config is one member of the trial-config union, told apart by `task`. Validating it imports no keras.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ablab.clock.read.encodings import ENCODINGS
from ablab.clock.read.networks import ARCHS
from ablab.errors import unknown_name


class ClockAugment(BaseModel):
    """Label-preserving augmentation, applied to training batches only (inside the training graph).

    Rotating the whole image is label-preserving: the 12-o'clock cue turns with the hands. So are small shifts and
    zooms, contrast/brightness changes, polarity inversion and noise. Mirroring is label-preserving under the
    dataset's convention (the label is the time the unmirrored clock shows) where the dial shows it (numerals,
    writing); the generator's mirror cues (mirror_cue.npy) say which dials do, so only those are flipped.
    """

    model_config = ConfigDict(extra="forbid")

    rotation: bool = True  # any angle
    shift_frac: float = Field(0.04, ge=0, le=0.3)  # of the image side
    zoom_frac: float = Field(0.08, ge=0, le=0.5)
    contrast: float = Field(0.3, ge=0, le=0.9)
    brightness: float = Field(0.15, ge=0, le=0.9)  # of the 0–255 range
    invert_prob: float = Field(0.0, ge=0, le=1)
    noise_gray: float = Field(4.0, ge=0, le=64)  # std of added Gaussian noise, gray levels
    mirror_prob: float = Field(0.5, ge=0, le=1)  # left-right flip of dials that show mirroring (needs generated data)


NO_AUGMENT = ClockAugment(rotation=False, shift_frac=0, zoom_frac=0, contrast=0, brightness=0, noise_gray=0,
                          mirror_prob=0)


class ClockTrialConfig(BaseModel):
    """One clock trial. Data: `n_images` of `preset` made with `data_seed` (split 80/10/10), cached under data_dir."""

    model_config = ConfigDict(extra="forbid")

    task: Literal["clock"] = "clock"
    encoding: str = "landmarks"
    model: str = "clock-lm"
    image_size: int = Field(150, ge=16, le=512)
    preset: Literal["single", "varied"] = "varied"
    n_images: int = Field(24000, ge=20)  # 80% trains: 24,000 → 19,200 training images
    data_seed: int = 0
    epochs: int = Field(12, ge=1)
    batch_size: int = Field(64, ge=1)
    lr: float = Field(2e-3, gt=0)
    lr_schedule: Literal["cosine", "constant"] = "cosine"
    warmup_epochs: float = Field(1.0, ge=0)
    weight_decay: float = Field(1e-4, ge=0)
    augment: ClockAugment = Field(default_factory=ClockAugment)
    # mixed bf16 is ~1.5× faster on CPUs with AMX/AVX512-BF16 and ~2× slower without them (emulated): "auto"
    # picks it only where the CPU has them (ablab.precision.resolve_precision)
    precision: Literal["auto", "float32", "bfloat16"] = "auto"
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


# ---------------------------------------------------------------- study profiles (suggested for `clock-encodings`)

BEST_ENCODING = "landmarks"


def quick_config(encoding: str) -> ClockTrialConfig:
    """The quick profile: long enough on the report's kind of clock for an encoding that can learn to show it, in
    one CPU trial. 9,600 training images of the `single` clock at 150 px, clock-lm, 7 epochs (1,050 steps), mixed
    bf16 where the CPU computes it natively. Measured (AMD EPYC Zen 4, 2 cores, bf16): periodic at 5 epochs was
    at 139 min on validation and 141 min on test (learns: under 160) in 4.9 min; the two epochs more are its
    margin. The decision mode trains only what decides T3-1 (ablab.studies.task3), one encoding at a time."""
    return ClockTrialConfig(encoding=encoding, model="clock-lm", preset="single", image_size=150, n_images=12000,
                            epochs=7, batch_size=64, lr=2e-3, warmup_epochs=0.5, precision="auto")


def full_config(encoding: str = BEST_ENCODING) -> ClockTrialConfig:
    """The full profile: 19,200 training images of `varied` clocks (24,000 made, split 80/10/10), the clock-lm
    model, 12 epochs (≈ 30 min a trial on 2 shared cores), scored on the varied test split and a `single` set."""
    return ClockTrialConfig(encoding=encoding, model="clock-lm", preset="varied", n_images=24000, epochs=12,
                            batch_size=64, lr=2e-3, warmup_epochs=1.0, augment=ClockAugment(mirror_prob=0.5),
                            eval_presets=("single",))


def best_config() -> ClockTrialConfig:
    """The best reader (docs/clock_reader.md): the full profile's data and point reader for 3 epochs (it only has to
    find the centre), then the polar reader (`clock-lm-polar`: 9 epochs on strips cut around the centre). 44.5 min
    for the whole `ablab clock train` on the 2-core AMD EPYC (42.0 of them training), where 6 + 9 epochs took 116:
    the 45-minute budget, nearly all spent (4 + 7 epochs: 36.7 min, `varied` validation 6.01 min against 3.64)."""
    return full_config(BEST_ENCODING).model_copy(update={"model": "clock-lm-polar", "epochs": 3})
