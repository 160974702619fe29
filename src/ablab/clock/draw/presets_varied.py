"""The `varied` preset's design sampler: domain randomization over faces, ticks, numerals, marks, hands, walls;
and the light, blur, noise and JPEG of a photograph (sample_photo).

Rules that keep every sample readable by a person:
- the minute hand is at least 1.3× and 0.18 radii longer than the hour hand, and no wider;
- a dial without numerals always has ticks and a 12 o'clock mark (else a rotated clock has no "up"), one with
  only a 12 has ticks;
- ink contrasts with the face by at least 110 gray levels, the face with the wall by 35 (or a border separates them);
  only on FAINT_HANDS_SHARE of light faces are the hands fainter (35–100 levels darker than the face), and then a
  lamp's shadow (15–45 levels darker, 0.01–0.03 radii off) draws them again (faint_hands);
- dials reach 0.6–0.94 of the picture's side across, SMALL_DIAL_SHARE of them 0.3–0.6 (shrunk_face);
- numerals sit inside the tick ring with a margin for their width;
- mirror images only where numerals at 3/9 (or all round) show the mirror (style.has_mirror_cue).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import replace

from ablab.clock.draw import fonts
from ablab.clock.draw.camera import NOISE_MARGIN_PX
from ablab.clock.draw.geometry import MAX_TILT_DEG
from ablab.clock.draw.style import (
    Camera,
    ClockStyle,
    Clutter,
    FaceDesign,
    HandDesign,
    MarkerDesign,
    NumeralDesign,
    Photo,
    TickDesign,
    has_mirror_cue,
)

FONT_NAMES = fonts.TRAINING_FONTS  # never Computer Modern, which the `unseen-fonts` training family draws
MIN_NUMERAL_FRAC = 0.055  # smallest numeral height / image side (8 px at 150)
CHORD_30 = 2 * math.sin(math.radians(15))  # distance between neighbouring numerals / ring radius
# varied mirrors only dials with numerals at 3 and 9 (about 2 in 3), so more often, for a fifth overall
VARIED_MIRROR_PROBABILITY = 0.3
JPEG_FRACTION = 0.15
DIAL_MARGIN = 0.485  # the farthest a dial's outline may reach from the picture's centre (image sides)
FAINT_HANDS_SHARE = 0.2  # of light faces (3 in 4 of all): hands seen partly by their shadow (faint_hands)
# a share of dials as a clock in a photograph of a room: 0.3–0.6 of the picture's side across, anywhere in it (the
# rest are 0.6–0.94): the point reader learns to find them, the polar reader to read them at few pixels
SMALL_DIAL_SHARE = 0.2
SMALL_DIAL_DIAMETER_FRAC = (0.3, 0.6)
BRANDS = ("QUARTZ", "ablab", "Tempus", "KYOTO", "Junghans", "Regal", "Bern", "HORA", "Swiss", "Lumen")


def choose(rng: random.Random, options, weights=None):
    """One element of `options` (weights need not sum to 1)."""
    if weights is None:
        return options[rng.randrange(len(options))]
    target = rng.random() * sum(weights)
    for option, weight in zip(options, weights):
        target -= weight
        if target < 0:
            return option
    return options[-1]


def gray_level(value: float) -> int:
    """A gray level, rounded and clipped to 0..255."""
    return min(255, max(0, round(float(value))))


def sample_tones(rng: random.Random) -> tuple[int, int, int]:
    """(face, ink, wall) grays: dark ink on a light face (3 in 4) or light on dark, and a wall that stands apart."""
    light_face = rng.random() < 0.75
    face = rng.uniform(165, 255) if light_face else rng.uniform(0, 75)
    ink = rng.uniform(0, 60) if light_face else rng.uniform(185, 255)
    wall = rng.uniform(0, 255)
    if abs(wall - face) < 50:  # push the wall away from the face, toward the side with room
        wall = face - 70 if face > 128 else face + 70
    return gray_level(face), gray_level(ink), gray_level(wall)


def outline_reach(exponent: float, aspect_x: float) -> float:
    """How far a dial outline reaches under any rotation, in radii: its reach at 45° (2^(½ − 1/exponent); 1 for a
    circle), times its wider axis."""
    return 2.0 ** (0.5 - 1.0 / exponent) * max(1.0, aspect_x)


def sample_face(rng: random.Random, face_gray: int, ink: int, wall: int) -> FaceDesign:
    """Outline (circle, ellipse, rounded square), size and offset that keep the dial inside the picture."""
    shape = choose(rng, ("circle", "ellipse", "rounded_square"), (0.6, 0.2, 0.2))
    aspect = 1.0 if shape == "circle" else rng.uniform(0.86, 1.14)
    exponent = rng.uniform(3.5, 8.0) if shape == "rounded_square" else 2.0
    reach = outline_reach(exponent, aspect)
    radius = rng.uniform(0.3, min(0.47, DIAL_MARGIN / reach))
    room = max(0.0, DIAL_MARGIN - radius * reach)  # how far the centre may move without cutting the dial
    offset, direction = room * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    bordered = rng.random() < 0.75
    border_gray = gray_level(ink + rng.uniform(-30, 30)) if rng.random() < 0.6 else gray_level(rng.uniform(0, 255))
    return FaceDesign(
        radius_frac=radius,
        aspect_x=aspect,
        exponent=exponent,
        center_dx_frac=offset * math.cos(direction),
        center_dy_frac=offset * math.sin(direction),
        face_gray=face_gray,
        background_gray=wall,
        border_width_frac_r=rng.uniform(0.02, 0.1) if bordered else 0.0,
        border_gray=border_gray,
        inner_ring=bool(bordered and rng.random() < 0.25),
    )


def sample_ticks(rng: random.Random, ink: int, required: bool) -> TickDesign:
    """Tick kind and sizes; `required` (no numerals) rules out a tickless dial."""
    kinds, weights = ("none", "hours", "hours_minutes"), (0.0 if required else 0.2, 0.35, 0.45)
    hour_length = rng.uniform(0.06, 0.2)
    return TickDesign(
        kind=choose(rng, kinds, weights),
        shape="dot" if rng.random() < 0.15 else "bar",
        inset_frac_r=rng.uniform(0.02, 0.08),
        hour_length_frac_r=hour_length,
        hour_width_frac_r=rng.uniform(0.025, 0.065),
        minute_length_frac_r=rng.uniform(0.025, 0.8 * hour_length),
        minute_width_frac_r=rng.uniform(0.009, 0.02),
        quarter_scale=1.0 if rng.random() < 0.5 else rng.uniform(1.2, 1.6),
        gray=gray_level(ink + rng.uniform(-20, 20)),
    )


def sample_numerals(
    rng: random.Random, kind: str, subset: str, ink: int, ticks: TickDesign, face: FaceDesign, font: str = ""
) -> NumeralDesign:
    """Font (drawn from FONT_NAMES unless given) and orientation of `kind` numerals, sized and placed by
    fit_numerals."""
    if kind == "none":
        return NumeralDesign(kind="none")
    roman = kind == "roman"
    font = font or choose(rng, FONT_NAMES)
    radial = rng.random() < (0.5 if roman else 0.15)
    wanted = rng.uniform(0.11, 0.16) if roman else rng.uniform(0.14, 0.24)
    rim = 1.0 - face.border_width_frac_r  # numeral radii are fractions of the rim (inside the border)
    tick_depth = 0.0 if ticks.kind == "none" else ticks.inset_frac_r + ticks.hour_length_frac_r * ticks.quarter_scale
    ring_outer = rim - max(tick_depth, 0.04) - rng.uniform(0.02, 0.05)  # numerals stay inside this
    texts = fonts.ROMAN if roman else fonts.ARABIC
    subset, height, radius = fit_numerals(
        subset, wanted, MIN_NUMERAL_FRAC / face.radius_frac, fonts.widest_ratio(font, texts), radial, ring_outer
    )
    return NumeralDesign(
        kind=kind,
        subset=subset,
        font=font,
        height_frac_r=height,
        radius_frac_r=radius / rim,
        radial=radial,
        four_as_iiii=rng.random() < 0.5,
        gray=gray_level(ink + rng.uniform(-15, 15)),
    )


def fit_numerals(
    subset: str, wanted: float, smallest: float, width_ratio: float, radial: bool, ring_outer: float
) -> tuple[str, float, float]:
    """(subset, height, ring radius) in radii, so numerals neither overlap each other nor reach the ticks.

    A numeral of height h needs k·h of radial room (half its height if radial, else half its widest width, which
    lies along the radius at 3 and 9) and, all round, width_ratio·h + gap of the 30° chord 0.518·radius.
    Numerals that would fall below `smallest` (too small to survive blur) are kept for the quarters only.
    """
    k = 0.5 if radial else 0.5 * width_ratio
    height = max(wanted, smallest)
    if subset == "all":
        crowded_max = (CHORD_30 * ring_outer - 0.03) / (width_ratio + CHORD_30 * k)
        if crowded_max < smallest:
            subset = "quarters"
        else:
            height = min(height, crowded_max)
    height = min(height, (ring_outer - 0.35) / k)  # the ring stays at least 0.35 radii from the centre
    return subset, height, ring_outer - k * height


def marker_room(face: FaceDesign, ticks: TickDesign, numerals: NumeralDesign) -> float:
    """Radial room (radii) for a 12 o'clock mark between the tick ring's outer end and the numeral 12."""
    rim = 1.0 - face.border_width_frac_r
    if numerals.kind == "none":
        return 1.0
    return rim - ticks.inset_frac_r - (numerals.radius_frac_r * rim + 0.6 * numerals.height_frac_r)


def sample_marker(rng: random.Random, ink: int, numerals: NumeralDesign, room: float) -> MarkerDesign:
    """A 12 o'clock mark (always when there are no numerals; else only where it fits) and some brand names."""
    needs_mark = numerals.kind == "none"
    marks = ("triangle", "dot", "double_bar")
    size = min(rng.uniform(0.14, 0.2), room / 1.4)
    wanted = needs_mark or (rng.random() < 0.25 and size >= 0.07)
    return MarkerDesign(
        twelve=choose(rng, marks) if wanted else "none",
        size_frac_r=size,
        brand=choose(rng, BRANDS) if rng.random() < 0.3 else "",
        brand_font=choose(rng, FONT_NAMES),
        gray=ink,
    )


def sample_hands(rng: random.Random, ink: int, face_gray: int) -> HandDesign:
    """Hand shape, lengths and widths (minute clearly longer, never wider), tails, and a second hand on some."""
    hour_length = rng.uniform(0.36, 0.58)
    minute_length = rng.uniform(max(1.3 * hour_length, hour_length + 0.18), 0.95)
    hour_width = rng.uniform(0.05, 0.12)
    second = rng.random() < 0.4
    second_gray = gray_level(ink + (face_gray - ink) * rng.uniform(0.0, 0.45))  # toward the face: a lighter line
    return HandDesign(
        shape=choose(rng, ("line", "tapered", "lance", "arrow")),
        hour_length_frac_r=hour_length,
        hour_width_frac_r=hour_width,
        minute_length_frac_r=minute_length,
        minute_width_frac_r=rng.uniform(0.03, min(hour_width, 0.08)),
        tail_frac_r=rng.uniform(0.05, 0.25) if rng.random() < 0.6 else 0.0,
        hub_radius_frac_r=rng.uniform(0.03, 0.09),
        gray=gray_level(ink + rng.uniform(-15, 15)),
        second=second,
        second_angle_deg=rng.uniform(0.0, 360.0),
        second_length_frac_r=rng.uniform(minute_length, 1.0),
        second_width_frac_r=rng.uniform(0.01, 0.02),
        second_gray=second_gray,
    )


def faint_hands(rng: random.Random, hands: HandDesign, face_gray: int) -> HandDesign:
    """hands made faint on a light face (35–100 gray levels darker than it), with a lamp's shadow 15–45 levels
    darker than the face, 0.01–0.03 radii off in any direction; the second hand keeps its ink, so it may now be the
    darkest line on the dial.

    Milder than the `light-hands` family on each of its three measures (hands within 25 levels of the face, a
    shadow 50–90 darker, 0.03–0.07 radii off): that family was held out when this was written, and is now mixed
    into `varied` by presets.TRAINING_MIX instead; this teaches that a hand may be faint and may have a shadow."""
    direction, reach = rng.uniform(0.0, 2 * math.pi), rng.uniform(0.01, 0.03)
    return replace(hands, gray=gray_level(face_gray - rng.uniform(35.0, 100.0)),
                   shadow_gray=gray_level(face_gray - rng.uniform(15.0, 45.0)),
                   shadow_dx_frac_r=reach * math.cos(direction), shadow_dy_frac_r=reach * math.sin(direction))


def shrunk_face(rng: random.Random, face: FaceDesign, diameter_frac: tuple[float, float]) -> FaceDesign:
    """face shrunk to a dial diameter_frac (low, high) of the picture's side across (its outline's reach under any
    rotation), moved anywhere it still fits inside the picture."""
    reach = outline_reach(face.exponent, face.aspect_x)
    radius = rng.uniform(*diameter_frac) / 2 / reach
    room = DIAL_MARGIN - radius * reach  # how far the centre may move without cutting the dial
    dx, dy = rng.uniform(-room, room), rng.uniform(-room, room)
    return replace(face, radius_frac=radius, center_dx_frac=dx, center_dy_frac=dy)


def sample_clutter(rng: random.Random) -> Clutter:
    """0-4 shapes on the wall (lines, boxes, ellipses, a table edge); behind the clock, so they never cover it."""
    shapes = []
    for _ in range(rng.randrange(5)):
        kind = choose(rng, ("line", "rect", "ellipse", "halfplane"), (0.3, 0.3, 0.2, 0.2))
        x0, y0, x1, y1 = (rng.uniform(-0.75, 0.75) for _ in range(4))
        width = rng.uniform(0.005, 0.03) if (kind == "line" or rng.random() < 0.4) else 0.0
        shapes.append((kind, x0, y0, x1, y1, rng.randrange(256), width))
    return Clutter(shapes=tuple(shapes))


def sample_camera_varied(rng: random.Random, mirror_ok: bool, mirror_probability: float) -> Camera:
    """Any rotation, mild perspective, and a mirror image on dials that show it."""
    mirrored = rng.random() < mirror_probability and mirror_ok
    return Camera(
        rotation_deg=rng.uniform(0.0, 360.0),
        mirrored=mirrored,
        tilt_deg=rng.uniform(0.0, MAX_TILT_DEG),
        tilt_axis_deg=rng.uniform(0.0, 180.0),
    )


def sample_varied(rng: random.Random, mirror_probability: float, widened: bool = True) -> tuple[ClockStyle, Camera]:
    """A random clock design (camera and photo left default) and the camera that sees it.

    widened: FAINT_HANDS_SHARE of light faces get faint_hands and SMALL_DIAL_SHARE of dials are shrunk to
    SMALL_DIAL_DIAMETER_FRAC of the picture (shrunk_face). Without it no random number is drawn for either, so the
    held-out families and `small` draw the same clocks from a seed as before `varied` was widened."""
    face_gray, ink, wall = sample_tones(rng)
    face = sample_face(rng, face_gray, ink, wall)
    kind = choose(rng, ("arabic", "roman", "none"), (0.5, 0.25, 0.25))
    subset = choose(rng, ("all", "quarters", "twelve"), (0.7, 0.2, 0.1))
    ticks = sample_ticks(rng, ink, required=kind == "none" or subset == "twelve")  # a lone 12 needs ticks to read by
    numerals = sample_numerals(rng, kind, subset, ink, ticks, face)
    marker = sample_marker(rng, ink, numerals, marker_room(face, ticks, numerals))
    hands = sample_hands(rng, ink, face_gray)
    if widened and face_gray >= 165 and rng.random() < FAINT_HANDS_SHARE:
        hands = faint_hands(rng, hands, face_gray)
    if widened and rng.random() < SMALL_DIAL_SHARE:
        face = shrunk_face(rng, face, SMALL_DIAL_DIAMETER_FRAC)
    design = ClockStyle(face=face, ticks=ticks, numerals=numerals, marker=marker, hands=hands,
                        clutter=sample_clutter(rng))
    return design, sample_camera_varied(rng, has_mirror_cue(design), mirror_probability)


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


def unwidened_design(rng: random.Random, keep: Callable[[ClockStyle], bool] = lambda s: True) -> ClockStyle:
    """A `varied` clock (design, camera, harsh light) for which keep(style) holds: drawn again until it does.
    `varied` as it was before it was widened (faint hands, small dials): each style family changes one thing of the
    `varied` it was first measured against, so it still draws the same clocks from a seed and figures compare."""
    while True:
        design, camera = sample_varied(rng, VARIED_MIRROR_PROBABILITY, widened=False)
        style = replace(design, camera=camera, photo=sample_photo(rng, harsh=True))
        if keep(style):
            return style
