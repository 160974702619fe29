"""Faces other programs draw, for training: desktop-clock themes and shop clocks that `varied`'s rules leave out.

`varied` keeps every dial readable by its own rules (ticks or numerals, a 12 cue on a dial without numerals, ink
110 gray levels off the face, the minute hand 1.3× the hour hand). Clocks drawn by other programs break them, and a
reader that never saw them reads them badly (a face with 12 equal dots and light hands, a dark face with light
hands and only 12/3/6/9, a light minimal face, a face with no marks at all). Each kind here breaks one rule:

- `no-marks`: no tick, numeral or mark at all, hung upright (a desktop clock is never turned: up is image-up);
- `dots-only`: twelve equal dots and nothing else, hung upright;
- `quarters-only`: numerals 12/3/6/9 and no ticks, half of them a dark face with light hands;
- `light-on-light`: light hands 25–60 gray levels darker than a light face, half with a lamp's shadow;
- `similar-hands`: the hour hand 0.8–0.95 of the minute hand's length, told apart by its width;
- `text-logos`: a caption above 6, an emblem below 12 and a maker's name;

and a second hand on half of each, a shaded (gradient) ground on a fifth. Mirror images only where numerals show
them (style.has_mirror_cue).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import replace

from ablab.clock.draw.presets_varied import (
    BRANDS,
    VARIED_MIRROR_PROBABILITY,
    choose,
    gray_level,
    sample_photo,
    sample_varied,
)
from ablab.clock.draw.style import ClockStyle, MarkerDesign, NumeralDesign, TickDesign, has_mirror_cue

UPRIGHT_TURN_DEG = 8.0  # a desktop or wall clock hangs level, give or take a few degrees
CAPTIONS = ("QUARTZ", "MADE IN JAPAN", "Westminster", "RADIO CONTROLLED", "Since 1875", "Kitchen", "TEMPUS FUGIT")
LOGOS = ("circle", "diamond", "crest")


def _base(rng: random.Random) -> ClockStyle:
    """A `varied` design (unwidened) under its camera and harsh light, a second hand on half, a ground shaded
    25–60 gray levels across on a fifth."""
    design, camera = sample_varied(rng, VARIED_MIRROR_PROBABILITY, widened=False)
    hands, face = design.hands, design.face
    if rng.random() < 0.5:
        hands = replace(hands, second=True, second_gray=gray_level(rng.uniform(0, 255)))
    if rng.random() < 0.2:
        shade = rng.uniform(25, 60) * (1 if face.face_gray < 128 else -1)
        face = replace(face, pattern="gradient", pattern_gray=gray_level(face.face_gray + shade))
    return replace(design, face=face, hands=hands, camera=camera, photo=sample_photo(rng, harsh=True))


def _upright(rng: random.Random, style: ClockStyle) -> ClockStyle:
    """The style hung level (turned within ±UPRIGHT_TURN_DEG) and unmirrored: a dial with no cue to its 12 can only
    be read by the picture's own up."""
    turn = rng.uniform(-UPRIGHT_TURN_DEG, UPRIGHT_TURN_DEG) % 360.0
    return replace(style, camera=replace(style.camera, rotation_deg=turn, mirrored=False))


def _unmirror_without_cue(style: ClockStyle) -> ClockStyle:
    """Mirror only a dial that shows it (a symmetric mirrored dial is a real dial showing another time)."""
    if style.mirrored and not has_mirror_cue(style):
        return replace(style, camera=replace(style.camera, mirrored=False))
    return style


def sample_no_marks(rng: random.Random) -> ClockStyle:
    """Hands on a bare face: no tick, numeral, 12 mark or writing; upright."""
    style = _base(rng)
    bare = replace(style, ticks=TickDesign(kind="none"), numerals=NumeralDesign(kind="none"),
                   marker=MarkerDesign(gray=style.marker.gray))
    return _upright(rng, bare)


def sample_dots_only(rng: random.Random) -> ClockStyle:
    """Twelve equal round dots, nothing else; upright."""
    style = _base(rng)
    dot = rng.uniform(0.05, 0.11)
    ticks = replace(style.ticks, kind="hours", shape="dot", hour_width_frac_r=dot, hour_length_frac_r=dot,
                    quarter_scale=1.0)
    bare = replace(style, ticks=ticks, numerals=NumeralDesign(kind="none"), marker=MarkerDesign(gray=style.ticks.gray))
    return _upright(rng, bare)


def sample_quarters_only(rng: random.Random) -> ClockStyle:
    """Numerals at 12, 3, 6 and 9 only and no ticks; half of them light ink and hands on a dark face."""
    style = _varied_with(rng, lambda s: s.numerals.kind != "none")
    style = replace(style, numerals=replace(style.numerals, subset="quarters"), ticks=TickDesign(kind="none"))
    if rng.random() < 0.5:  # a dark face, light hands and numerals
        face_gray, ink = gray_level(rng.uniform(0, 70)), gray_level(rng.uniform(170, 255))
        face = replace(style.face, face_gray=face_gray, background_gray=gray_level(face_gray + rng.uniform(40, 120)),
                       pattern="flat")
        style = replace(style, face=face, hands=replace(style.hands, gray=ink),
                        numerals=replace(style.numerals, gray=ink), marker=replace(style.marker, gray=ink))
    return _unmirror_without_cue(style)


def _varied_with(rng: random.Random, keep: Callable[[ClockStyle], bool]) -> ClockStyle:
    """A _base style for which keep(style) holds, drawn again until it does."""
    while True:
        style = _base(rng)
        if keep(style):
            return style


def sample_light_on_light(rng: random.Random) -> ClockStyle:
    """Light hands (25–60 levels darker than a light face), half with a lamp's shadow 10–40 levels darker than
    the face, 0.01–0.05 radii off."""
    style = _varied_with(rng, lambda s: s.face.face_gray >= 180)
    face_gray = style.face.face_gray
    hands = replace(style.hands, gray=gray_level(face_gray - rng.uniform(25, 60)), shadow_gray=None)
    if rng.random() < 0.5:
        direction, reach = rng.uniform(0.0, 2 * math.pi), rng.uniform(0.01, 0.05)
        hands = replace(hands, shadow_gray=gray_level(face_gray - rng.uniform(10, 40)),
                        shadow_dx_frac_r=reach * math.cos(direction), shadow_dy_frac_r=reach * math.sin(direction))
    return replace(style, hands=hands)


def sample_similar_hands(rng: random.Random) -> ClockStyle:
    """The hour hand 0.8–0.95 of the minute hand's length and 1.6–3× its width."""
    style = _base(rng)
    minute_length = rng.uniform(0.7, 0.92)
    minute_width = rng.uniform(0.025, 0.05)
    hands = replace(style.hands, minute_length_frac_r=minute_length, minute_width_frac_r=minute_width,
                    hour_length_frac_r=minute_length * rng.uniform(0.8, 0.95),
                    hour_width_frac_r=minute_width * rng.uniform(1.6, 3.0))
    return replace(style, hands=hands)


def sample_text_logos(rng: random.Random) -> ClockStyle:
    """A caption above 6, an emblem below 12 and, on half, a maker's name."""
    style = _base(rng)
    marker = replace(style.marker, caption=choose(rng, CAPTIONS), logo=choose(rng, LOGOS),
                     brand=choose(rng, BRANDS) if rng.random() < 0.5 else "")
    return replace(style, marker=marker)


FACE_KINDS: dict[str, Callable[[random.Random], ClockStyle]] = {
    "no-marks": sample_no_marks,
    "dots-only": sample_dots_only,
    "quarters-only": sample_quarters_only,
    "light-on-light": sample_light_on_light,
    "similar-hands": sample_similar_hands,
    "text-logos": sample_text_logos,
}
