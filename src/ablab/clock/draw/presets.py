"""Presets: how a ClockStyle is sampled. `single` is one clock photographed many times (the report's dataset);
`varied` randomizes the design too (domain randomization), so a reader trained on it reads clocks it never saw,
and mixes in TRAINING_MIX: the report's photographs (`photo-floor`), the training families (families) and faces
other programs draw (presets_faces), each also a preset by its name; `small` puts a `varied` clock in a bigger
picture (dial 0.3–0.5 of the side, off centre, on clutter); the held-out families (held_out) draw designs nothing
in training draws, and `held-out` any of them.

Every draw derives from the caller's `np.random.Generator`; a style is a pure function of the generator's state.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from ablab.clock.draw.families import TRAINING_FAMILIES
from ablab.clock.draw.held_out import HELD_OUT_FAMILIES, sample_held_out
from ablab.clock.draw.geometry import MAX_SHIFT, MIN_ZOOM
from ablab.clock.draw.photo_floor import sample_photo_floor
from ablab.clock.draw.presets_faces import FACE_KINDS
from ablab.clock.draw.presets_varied import VARIED_MIRROR_PROBABILITY, sample_photo, sample_varied, shrunk_face
from ablab.clock.draw.style import (
    Camera,
    ClockStyle,
    FaceDesign,
    HandDesign,
    MarkerDesign,
    NumeralDesign,
    TickDesign,
    has_mirror_cue,
)
from ablab.errors import AblabError, unknown_name

MIRROR_PROBABILITY = 0.2  # "sometimes reflections": about a fifth of the samples

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


# What `varied` mixes into its own designs, as shares of all its clocks (0.45 in all): the report's photographs
# most, since they are the data the reader is for, then each training family and each kind of face other programs
# draw alike. The other 0.55 are presets_varied's own designs.
TRAINING_MIX: dict[str, float] = {"photo-floor": 0.15, **dict.fromkeys(TRAINING_FAMILIES, 0.025),
                                  **dict.fromkeys(FACE_KINDS, 0.025)}
MIXED_SAMPLERS: dict[str, Callable[[random.Random], ClockStyle]] = {
    "photo-floor": sample_photo_floor, **TRAINING_FAMILIES, **FACE_KINDS}


def sample_varied_style(rng: random.Random, widened: bool = True) -> ClockStyle:
    """A `varied` clock: with `widened`, TRAINING_MIX's share drawn from the mixed presets and the rest
    sample_varied_own's; without, a design as `varied` drew it before it was widened (no faint hands, no small
    dials, no mix: what the held-out families and `small` change one thing of)."""
    if widened:
        pick = rng.random()
        for name, share in TRAINING_MIX.items():
            pick -= share
            if pick < 0:
                return MIXED_SAMPLERS[name](rng)
    return _varied_design(rng, widened)


def sample_varied_own(rng: random.Random) -> ClockStyle:
    """`varied`'s own designs without the mix (the `varied-own` preset): the clocks the shipped reader trained on,
    byte for byte, for a seed."""
    return _varied_design(rng, widened=True)


def _varied_design(rng: random.Random, widened: bool) -> ClockStyle:
    """A random design (see presets_varied; `widened`: with its faint hands and small dials) under a random camera
    and harsher light, noise and JPEG."""
    design, camera = sample_varied(rng, VARIED_MIRROR_PROBABILITY, widened)
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
    a clock in a photograph of a room rather than a photograph of a clock (a test of `read`). `varied` as it was
    before it was widened (its own small dials are drawn apart, from other seeds): the same seed draws the same
    clocks as the figures measured before."""
    style = sample_varied_style(rng, widened=False)
    return replace(style, face=shrunk_face(rng, style.face, SMALL_DIAMETER_FRAC))


PRESETS: dict[str, Callable[[random.Random], ClockStyle]] = {
    "single": sample_single, "varied": sample_varied_style, "varied-own": sample_varied_own,
    "small": sample_small_style,
    **MIXED_SAMPLERS, **HELD_OUT_FAMILIES, "held-out": sample_held_out,
}


# Presets whose clocks for a seed changed since caches of them were first written: cached sets carry the revision
# in their folder's name (ablab.clock.data.sets), so a set made before the change is never read as the new one.
PRESET_REVISIONS: dict[str, int] = {"varied": 2, "held-out": 2}


def preset_revision(preset: str) -> int:
    """The revision of what `preset` (a name, or NAME@K) draws: 1 unless PRESET_REVISIONS says otherwise."""
    return PRESET_REVISIONS.get(preset.partition("@")[0], 1)


def sample_style(preset: str, rng: np.random.Generator) -> ClockStyle:
    """Sample every random choice of one clock picture from `preset`: a name in PRESETS, or "NAME@K" for one
    design of NAME (the one its design seed K draws) photographed as the report's clock (one_design).

    Takes one integer from `rng` and samples the ~100 choices with Python's random.Random seeded by it: ten times
    faster per draw than numpy's Generator, and as deterministic.
    """
    name, design_seed = parse_preset(preset)
    draw = random.Random(int(rng.integers(2**63)))
    if design_seed is None:
        return PRESETS[name](draw)
    return one_design(name, design_seed, draw)


def parse_preset(preset: str) -> tuple[str, int | None]:
    """"varied" → ("varied", None); "light-hands@3" → ("light-hands", 3); AblabError for unknown names."""
    name, at, seed_text = preset.partition("@")
    if name not in PRESETS:
        raise unknown_name("clock preset", name, PRESETS)
    if at and not seed_text.isdigit():
        raise AblabError(f"clock preset {preset!r}: after @ comes a design seed, a whole number (e.g. {name}@0)")
    return name, int(seed_text) if at else None


@functools.lru_cache(maxsize=16)
def _design(name: str, design_seed: int) -> ClockStyle:
    return PRESETS[name](random.Random(design_seed))


def one_design(name: str, design_seed: int, rng: random.Random) -> ClockStyle:
    """The design preset `name` draws with design_seed, as the report photographed its one clock: any rotation,
    a fifth mirrored (only if the dial shows a mirror image as one), slight zoom, shift and tilt, `single`'s light.
    Its floor, if it has one, is laid anew each time."""
    design = _design(name, design_seed)
    camera = sample_camera_single(rng)
    if not has_mirror_cue(design):
        camera = replace(camera, mirrored=False)
    backdrop = (design.backdrop if design.backdrop.kind == "plain"
                else replace(design.backdrop, seed=rng.randrange(2**31)))
    return replace(design, camera=camera, photo=sample_photo(rng), backdrop=backdrop)
