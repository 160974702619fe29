"""Presets: how a ClockStyle is sampled. `single` is one clock photographed many times (the report's dataset);
`varied` randomizes the design too (domain randomization), so a reader trained on it reads clocks it never saw;
`small` puts a `varied` clock in a bigger picture (dial 0.3–0.5 of the side, off centre, on clutter).

Every draw derives from the caller's `np.random.Generator`; a style is a pure function of the generator's state.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from ablab.clock.draw.camera import NOISE_MARGIN_PX
from ablab.clock.draw.geometry import MAX_SHIFT, MIN_ZOOM
from ablab.clock.draw.presets_varied import sample_varied
from ablab.clock.draw.style import (
    Camera,
    ClockStyle,
    FaceDesign,
    HandDesign,
    MarkerDesign,
    NumeralDesign,
    Photo,
    TickDesign,
)
from ablab.errors import unknown_name

MIRROR_PROBABILITY = 0.2  # "sometimes reflections": about a fifth of the samples
# varied mirrors only dials with numerals at 3 and 9 (about 2 in 3), so more often, for a fifth overall
VARIED_MIRROR_PROBABILITY = 0.3
JPEG_FRACTION = 0.15

# The one clock of the `single` preset: a plain wall clock, Arabic numerals, minute ticks, tapered dark hands.
SINGLE_DESIGN = ClockStyle(
    face=FaceDesign(radius_frac=0.42, face_gray=232, background_gray=128, border_width_frac_r=0.06, border_gray=40),
    ticks=TickDesign(kind="hours_minutes", hour_length_frac_r=0.11, hour_width_frac_r=0.035, quarter_scale=1.3),
    numerals=NumeralDesign(kind="arabic", font="liberation-sans-bold", height_frac_r=0.17, radius_frac_r=0.7),
    marker=MarkerDesign(),
    hands=HandDesign(shape="tapered", hour_length_frac_r=0.5, hour_width_frac_r=0.1, minute_length_frac_r=0.8),
)


def clean_style() -> ClockStyle:
    """The `single` clock upright, unmirrored, without lighting or noise: for geometry tests and figures."""
    return SINGLE_DESIGN.clean()


def sample_camera_single(rng: random.Random) -> Camera:
    """Hand-held photographs of the same clock: any rotation, a fifth mirrored, slight zoom, shift and tilt."""
    return Camera(
        rotation_deg=rng.uniform(0.0, 360.0),
        mirrored=rng.random() < MIRROR_PROBABILITY,
        tilt_deg=rng.uniform(0.0, 15.0),
        tilt_axis_deg=rng.uniform(0.0, 180.0),
        zoom=rng.uniform(MIN_ZOOM, 1.06),
        shift_x_frac=rng.uniform(-MAX_SHIFT, MAX_SHIFT),
        shift_y_frac=rng.uniform(-MAX_SHIFT, MAX_SHIFT),
    )


def sample_photo(rng: random.Random, *, harsh: bool = False) -> Photo:
    """Lighting, blur, sensor noise; `harsh` (varied) widens every range and adds JPEG artefacts to some (a JPEG
    round trip costs about as much as drawing the whole clock, so only JPEG_FRACTION of them).

    Low contrast, blur, noise and JPEG share one budget, so they never all hit at full strength: a dim picture
    that is also very blurred and noisy loses its numerals, and a person can no longer tell where 12 is.
    """
    spread = 1.5 if harsh else 1.0
    lowest_contrast = 1.0 - 0.25 * spread
    contrast = rng.uniform(lowest_contrast, 1.1)
    dimness = max(0.0, (1.0 - contrast) / (1.0 - lowest_contrast))  # 0 (full contrast) .. 1 (dimmest)
    jpeg = harsh and rng.random() < JPEG_FRACTION
    max_blur = (0.8 + 0.2 * harsh) * (1.0 - 0.4 * dimness)
    blur = rng.uniform(0.3, max_blur) if rng.random() < 0.6 else 0.0
    budget = max(0.1, 1.0 - 0.3 * dimness - 0.5 * blur / max_blur - 0.25 * jpeg)  # of the noise range
    return Photo(
        blur_sigma_px=blur,
        contrast=contrast,
        brightness=rng.uniform(-30.0, 25.0) * spread,
        gradient_x=rng.uniform(-40.0, 40.0) * spread,
        gradient_y=rng.uniform(-40.0, 40.0) * spread,
        noise_sigma=rng.uniform(1.0, 1.0 + (7.0 + 5.0 * harsh) * budget),
        noise_dx=rng.randrange(NOISE_MARGIN_PX),
        noise_dy=rng.randrange(NOISE_MARGIN_PX),
        noise_transposed=rng.random() < 0.5,
        jpeg_quality=rng.randrange(25, 70) if jpeg else 0,
    )


def sample_single(rng: random.Random) -> ClockStyle:
    """The `single` clock under a random camera and random light."""
    camera = sample_camera_single(rng)
    return ClockStyle(
        face=SINGLE_DESIGN.face,
        ticks=SINGLE_DESIGN.ticks,
        numerals=SINGLE_DESIGN.numerals,
        marker=SINGLE_DESIGN.marker,
        hands=SINGLE_DESIGN.hands,
        camera=camera,
        photo=sample_photo(rng),
    )


def sample_varied_style(rng: random.Random) -> ClockStyle:
    """A random design (see presets_varied) under a random camera and harsher light, noise and JPEG."""
    design, camera = sample_varied(rng, VARIED_MIRROR_PROBABILITY)
    return ClockStyle(
        face=design.face,
        ticks=design.ticks,
        numerals=design.numerals,
        marker=design.marker,
        hands=design.hands,
        clutter=design.clutter,
        camera=camera,
        photo=sample_photo(rng, harsh=True),
    )


SMALL_DIAMETER_FRAC = (0.3, 0.5)  # the `small` preset's dial: this share of the image side, across


def sample_small_style(rng: random.Random) -> ClockStyle:
    """A `varied` clock whose dial fills only 0.3–0.5 of the picture's side, anywhere in it, on the wall's clutter:
    a clock in a photograph of a room rather than a photograph of a clock. Never trained on (a test of `read`)."""
    style = sample_varied_style(rng)
    face = style.face
    reach = 2.0 ** (0.5 - 1.0 / face.exponent) * max(1.0, face.aspect_x)  # outline reach under any rotation
    radius = rng.uniform(*SMALL_DIAMETER_FRAC) / 2 / reach
    room = 0.485 - radius * reach  # how far the centre may move without cutting the dial
    dx, dy = rng.uniform(-room, room), rng.uniform(-room, room)
    small = replace(face, radius_frac=radius, center_dx_frac=dx, center_dy_frac=dy)
    return replace(style, face=small)


PRESETS: dict[str, Callable[[random.Random], ClockStyle]] = {
    "single": sample_single, "varied": sample_varied_style, "small": sample_small_style,
}


def sample_style(preset: str, rng: np.random.Generator) -> ClockStyle:
    """Sample every random choice of one clock picture from `preset` ("single" or "varied").

    Takes one integer from `rng` and samples the ~100 choices with Python's random.Random seeded by it: ten times
    faster per draw than numpy's Generator, and as deterministic.
    """
    if preset not in PRESETS:
        raise unknown_name("clock preset", preset, PRESETS)
    return PRESETS[preset](random.Random(int(rng.integers(2**63))))
