"""Training families: six kinds of design the `varied` preset's own rules never draw, each changing one thing of
it, mixed into `varied` (ablab.clock.draw.presets.TRAINING_MIX) and drawn alone by name. They were held out of
training once, and what the shipped reader's card says of "held-out families" was measured on them; the families
held out now are in ablab.clock.draw.held_out.

- `unseen-fonts`: numerals in Computer Modern (roman, bold, sans, typewriter), a type family `varied` never uses;
- `unseen-hands`: leaf-shaped hands, or "skeleton" hands drawn as an outline only;
- `unseen-ticks`: hour marks as wedges pointing inward, or as hollow rings;
- `upright-ticks`: ticks only, no numeral and no 12 mark, hanging upright (within ±UPRIGHT_DEG): nothing on the
  dial says where 12 is, and on a wall nothing has to (`varied` always gives such a dial a 12 mark, and turns it);
- `light-hands`: hands nearly the face's own light gray, seen mostly by their shadows (`varied` makes the hands of
  some light faces faint and shadowed, never this faint, nor the shadow this dark or far: presets_varied.faint_hands);
- `photo`: the report's kind of clock (thick dark rim with depth, white face, Arabic 1–12, minute ticks, two
  thick dark hands) photographed flat on wooden boards, carpet or tiles, glare on the glass, up to 25° of tilt, JPEG
  (`photo-floor`, ablab.clock.draw.photo_floor, is the closer likeness of the report's photographs).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import replace

from ablab.clock.draw import fonts
from ablab.clock.draw.geometry import MAX_SHIFT, MAX_TILT_DEG, MIN_ZOOM
from ablab.clock.draw.presets_varied import (
    choose,
    gray_level,
    marker_room,
    sample_clutter,
    sample_face,
    sample_hands,
    sample_marker,
    sample_numerals,
    sample_photo,
    sample_ticks,
    sample_tones,
    unwidened_design,
)
from ablab.clock.draw.style import (
    Backdrop,
    Camera,
    ClockStyle,
    FaceDesign,
    HandDesign,
    MarkerDesign,
    NumeralDesign,
    TickDesign,
)

UPRIGHT_DEG = 8.0  # a hanging clock's turn: a wall clock is hung level, give or take a few degrees
PHOTO_MIRROR_PROBABILITY = 0.2  # the report's "sometimes reflections"


def sample_unseen_fonts(rng: random.Random) -> ClockStyle:
    """A `varied` clock with numerals, set in a held-out font (fitted to the dial as `varied` fits its own)."""
    style = unwidened_design(rng, lambda s: s.numerals.kind != "none")
    ink = style.numerals.gray
    numerals = sample_numerals(rng, style.numerals.kind, style.numerals.subset, ink, style.ticks, style.face,
                               font=choose(rng, fonts.HELD_OUT_FONTS))
    marker = sample_marker(rng, ink, numerals, marker_room(style.face, style.ticks, numerals))
    return replace(style, numerals=numerals, marker=replace(marker, brand_font=style.marker.brand_font))


def sample_unseen_hands(rng: random.Random) -> ClockStyle:
    """A `varied` clock whose hands are leaves or skeletons (outlines around the face's gray)."""
    style = unwidened_design(rng)
    hands = replace(style.hands, shape=choose(rng, ("leaf", "skeleton")), inside_gray=style.face.face_gray)
    return replace(style, hands=hands)


def sample_unseen_ticks(rng: random.Random) -> ClockStyle:
    """A `varied` clock with hour marks, drawn as inward wedges or hollow rings."""
    style = unwidened_design(rng, lambda s: s.ticks.kind != "none")
    return replace(style, ticks=replace(style.ticks, shape=choose(rng, ("wedge", "ring"))))


def sample_upright_ticks(rng: random.Random) -> ClockStyle:
    """Ticks only (no numeral, no 12 mark, no writing), hung upright: turned within ±UPRIGHT_DEG, never mirrored
    (a mirror image of such a dial is a real dial showing another time), tilted as `varied`."""
    face_gray, ink, wall = sample_tones(rng)
    face = sample_face(rng, face_gray, ink, wall)
    design = ClockStyle(
        face=face,
        ticks=sample_ticks(rng, ink, required=True),
        numerals=NumeralDesign(kind="none"),
        marker=MarkerDesign(twelve="none", gray=ink),
        hands=sample_hands(rng, ink, face_gray),
        clutter=sample_clutter(rng),
    )
    camera = Camera(rotation_deg=rng.uniform(-UPRIGHT_DEG, UPRIGHT_DEG) % 360.0,
                    tilt_deg=rng.uniform(0.0, MAX_TILT_DEG), tilt_axis_deg=rng.uniform(0.0, 180.0))
    return replace(design, camera=camera, photo=sample_photo(rng, harsh=True))


def sample_light_hands(rng: random.Random) -> ClockStyle:
    """A light-faced `varied` clock whose hands are within 25 gray levels of the face, casting a shadow 50–90
    levels darker, 0.03–0.07 radii off in any direction."""
    style = unwidened_design(rng, lambda s: s.face.face_gray >= 165)
    face_gray = style.face.face_gray
    direction, reach = rng.uniform(0.0, 2 * math.pi), rng.uniform(0.03, 0.07)
    hands = replace(style.hands, gray=gray_level(face_gray + rng.uniform(-25.0, 10.0)),
                    shadow_gray=gray_level(face_gray - rng.uniform(50.0, 90.0)),
                    shadow_dx_frac_r=reach * math.cos(direction), shadow_dy_frac_r=reach * math.sin(direction))
    return replace(style, hands=hands)


def sample_photo_clock(rng: random.Random) -> ClockStyle:
    """The report's kind of clock, photographed on a floor: see the module's docstring."""
    face_gray, ink = gray_level(rng.uniform(215, 250)), gray_level(rng.uniform(10, 50))
    face = FaceDesign(radius_frac=rng.uniform(0.36, 0.45), face_gray=face_gray, background_gray=128,
                      border_width_frac_r=rng.uniform(0.08, 0.15), border_gray=gray_level(rng.uniform(15, 60)),
                      rim_shade_frac_r=rng.uniform(0.03, 0.1))
    ticks = TickDesign(kind="hours_minutes", hour_length_frac_r=rng.uniform(0.08, 0.13),
                       hour_width_frac_r=rng.uniform(0.035, 0.05), minute_length_frac_r=rng.uniform(0.04, 0.06),
                       minute_width_frac_r=rng.uniform(0.012, 0.018), inset_frac_r=rng.uniform(0.02, 0.05), gray=ink)
    font = choose(rng, ("liberation-sans", "liberation-sans-bold", "dejavu-sans-bold"))
    numerals = sample_numerals(rng, "arabic", "all", ink, ticks, face, font=font)
    hour_length = rng.uniform(0.45, 0.55)
    hands = HandDesign(shape=choose(rng, ("tapered", "line")), hour_length_frac_r=hour_length,
                       hour_width_frac_r=rng.uniform(0.08, 0.12), minute_length_frac_r=rng.uniform(0.75, 0.86),
                       minute_width_frac_r=rng.uniform(0.05, 0.07), tail_frac_r=rng.uniform(0.0, 0.15), gray=ink)
    if rng.random() < 0.5:  # a lamp above the floor: the hands' shadow on the face
        hands = replace(hands, shadow_gray=gray_level(face_gray - rng.uniform(30, 60)),
                        shadow_dx_frac_r=rng.uniform(-0.03, 0.03), shadow_dy_frac_r=rng.uniform(-0.03, 0.03))
    style = ClockStyle(face=face, ticks=ticks, numerals=numerals, marker=MarkerDesign(), hands=hands)
    return replace(style, camera=_photo_camera(rng), photo=_photo_light(rng), backdrop=sample_floor(rng))


def _photo_camera(rng: random.Random) -> Camera:
    """Any turn, a fifth mirrored, up to MAX_TILT_DEG of tilt (the face an oval), a little zoom and shift."""
    return Camera(rotation_deg=rng.uniform(0.0, 360.0), mirrored=rng.random() < PHOTO_MIRROR_PROBABILITY,
                  tilt_deg=rng.uniform(0.0, MAX_TILT_DEG), tilt_axis_deg=rng.uniform(0.0, 180.0),
                  zoom=rng.uniform(MIN_ZOOM, 1.06), shift_x_frac=rng.uniform(-MAX_SHIFT, MAX_SHIFT),
                  shift_y_frac=rng.uniform(-MAX_SHIFT, MAX_SHIFT))


def _photo_light(rng: random.Random):
    """`single`'s light and noise, glare on the glass (0–2 soft spots on the dial) and JPEG on half of them."""
    spots = tuple((rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2), rng.uniform(0.02, 0.1), rng.uniform(0.02, 0.06),
                   rng.uniform(0.0, 180.0), rng.uniform(40.0, 110.0)) for _ in range(rng.choice((0, 1, 1, 2))))
    light = sample_photo(rng)
    return replace(light, glare=spots, jpeg_quality=rng.randrange(40, 85) if rng.random() < 0.5 else 0)


def sample_floor(rng: random.Random) -> Backdrop:
    """Wooden boards, carpet or tiles: a random one of each, at a random scale, turn, tone and contrast."""
    kind = choose(rng, ("wood", "carpet", "tiles"), (0.5, 0.3, 0.2))
    scale = {"wood": (0.1, 0.3), "carpet": (0.08, 0.3), "tiles": (0.15, 0.35)}[kind]
    return Backdrop(kind=kind, seed=rng.randrange(2**31), scale_frac=rng.uniform(*scale),
                    angle_deg=rng.uniform(0.0, 180.0), gray=gray_level(rng.uniform(60, 190)),
                    contrast=rng.uniform(12.0, 40.0))


TRAINING_FAMILIES: dict[str, Callable[[random.Random], ClockStyle]] = {
    "unseen-fonts": sample_unseen_fonts,
    "unseen-hands": sample_unseen_hands,
    "unseen-ticks": sample_unseen_ticks,
    "upright-ticks": sample_upright_ticks,
    "light-hands": sample_light_hands,
    "photo": sample_photo_clock,
}

