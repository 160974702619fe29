"""Style families held out of training: designs nothing in the training mix draws, scored apart.

The training mix (`varied`: its own designs, the training families of ablab.clock.draw.families, the faces of
presets_faces and `photo-floor`) has seen thousands of designs, but only those it can draw; how a reader reads these
families, whole kinds of design it never saw, is what predicts how it reads a user's clock. Each family changes one
thing and keeps the rest a training design:

- `polygon-dial`: the dial is a regular hexagon or octagon (training dials are round, oval or rounded squares),
  numerals and ticks following its straight sides;
- `station`: a railway clock: white face, bar ticks, black baton hands and a second hand with a disc near its tip
  (a "lollipop"; training second hands are plain lines), hung upright;
- `sunburst-face`: rays from the centre to the rim all round the face, under Roman or Arabic numerals (training
  grounds are flat or a soft gradient: no lines under the hands);
- `gear-face`: a skeleton dial with toothed wheels seen through it, behind the marks and hands (training puts
  clutter only outside the dial).

`held-out` draws any of them, in equal shares.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import replace

from ablab.clock.draw.presets_faces import UPRIGHT_TURN_DEG
from ablab.clock.draw.presets_varied import (
    choose,
    gray_level,
    sample_numerals,
    unwidened_design,
)
from ablab.clock.draw.style import ClockStyle, FaceDesign, HandDesign, MarkerDesign, NumeralDesign, TickDesign


def sample_polygon_dial(rng: random.Random) -> ClockStyle:
    """A round `varied` dial made a regular hexagon or octagon (a flat side at 12), shrunk so its corners fit
    where the circle's edge was."""
    style = unwidened_design(rng, lambda s: s.face.exponent == 2.0)
    sides = choose(rng, (6, 8))
    fit = math.cos(math.pi / sides)  # apothem / corner radius
    face = replace(style.face, sides=sides, aspect_x=1.0, radius_frac=style.face.radius_frac * fit,
                   center_dx_frac=style.face.center_dx_frac * fit, center_dy_frac=style.face.center_dy_frac * fit)
    return replace(style, face=face)


def sample_station(rng: random.Random) -> ClockStyle:
    """White face, thick bar hour ticks and minute ticks, no numerals, black baton hands, a lollipop second hand in
    a mid gray, hung upright (nothing on the dial says where 12 is)."""
    style = unwidened_design(rng)
    face_gray, ink = gray_level(rng.uniform(225, 255)), gray_level(rng.uniform(0, 30))
    face = replace(style.face, face_gray=face_gray, aspect_x=1.0, exponent=2.0, border_gray=ink,
                   background_gray=gray_level(rng.uniform(40, 170)), border_width_frac_r=rng.uniform(0.03, 0.09))
    ticks = TickDesign(kind="hours_minutes", inset_frac_r=rng.uniform(0.03, 0.06), hour_length_frac_r=0.2,
                       hour_width_frac_r=rng.uniform(0.05, 0.07), minute_length_frac_r=0.06,
                       minute_width_frac_r=rng.uniform(0.015, 0.022), gray=ink)
    minute_length = rng.uniform(0.8, 0.9)
    hands = HandDesign(shape="line", hour_length_frac_r=rng.uniform(0.5, 0.58), hour_width_frac_r=0.1,
                       minute_length_frac_r=minute_length, minute_width_frac_r=0.075, tail_frac_r=0.15,
                       hub_radius_frac_r=0.05, gray=ink, second=True, second_angle_deg=rng.uniform(0.0, 360.0),
                       second_length_frac_r=minute_length * 0.85, second_width_frac_r=0.018,
                       second_gray=gray_level(rng.uniform(90, 140)), second_shape="lollipop")
    camera = replace(style.camera, rotation_deg=rng.uniform(-UPRIGHT_TURN_DEG, UPRIGHT_TURN_DEG) % 360.0,
                     mirrored=False)
    return replace(style, face=face, ticks=ticks, numerals=NumeralDesign(kind="none"),
                   marker=MarkerDesign(gray=ink), hands=hands, camera=camera)


def sample_sunburst_face(rng: random.Random) -> ClockStyle:
    """A light `varied` dial with numerals all round (Roman on half), on a ground of rays 30–55 gray levels off
    the face."""
    style = unwidened_design(rng, lambda s: s.face.face_gray >= 165)
    kind = choose(rng, ("roman", "arabic"))
    numerals = sample_numerals(rng, kind, "all", style.numerals.gray if style.numerals.kind != "none"
                               else style.hands.gray, style.ticks, style.face)
    face = _patterned(style.face, "sunburst", rng.uniform(30, 55))
    return replace(style, face=face, numerals=numerals)


def sample_gear_face(rng: random.Random) -> ClockStyle:
    """A light `varied` dial seen through to its works: five toothed wheels 45–80 gray levels off the face behind
    the marks and hands."""
    style = unwidened_design(rng, lambda s: s.face.face_gray >= 165)
    return replace(style, face=_patterned(style.face, "gears", rng.uniform(45, 80)))


def _patterned(face: FaceDesign, pattern: str, contrast: float) -> FaceDesign:
    """face with a ground pattern `contrast` gray levels darker than it."""
    return replace(face, pattern=pattern, pattern_gray=gray_level(face.face_gray - contrast))


HELD_OUT_FAMILIES: dict[str, Callable[[random.Random], ClockStyle]] = {
    "polygon-dial": sample_polygon_dial,
    "station": sample_station,
    "sunburst-face": sample_sunburst_face,
    "gear-face": sample_gear_face,
}


def sample_held_out(rng: random.Random) -> ClockStyle:
    """A clock of any held-out family, each as likely."""
    return HELD_OUT_FAMILIES[choose(rng, tuple(HELD_OUT_FAMILIES))](rng)
