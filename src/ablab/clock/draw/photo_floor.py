"""The `photo-floor` preset: photographs like the report's own, of one wall clock lying on a floor.

What those photographs show, and the older `photo` family (a flat clock, at most 25° of tilt) does not: a slant
of up to FLOOR_MAX_TILT_DEG (the dial an ellipse, its minor axis down to half its major), a thick dark rim with
depth (its walls shaded, ablab.clock.draw.case), a large soft glare on the glass that saturates to white and may
wash out part of a hand, floors (woven mats, boards, carpet, tiles), thin Arabic numerals, fine minute ticks and
thin dark hands, the clock filling the frame or cut by its edge, and blur, noise, a contrast stretch and JPEG. The ranges were set by eye beside the 8
reference photographs (docs/images/photo_contact_sheet.png), never fitted to their pixels.

Every hand tip and dial point stays inside the picture (the placement keeps the minute tip's reach inside it), so
landmarks stay learnable by a soft-argmax; the rim and the case may leave it.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

from ablab.clock.draw import fonts
from ablab.clock.draw.families import PHOTO_MIRROR_PROBABILITY, sample_floor
from ablab.clock.draw.geometry import FLOOR_MAX_TILT_DEG
from ablab.clock.draw.presets_varied import choose, gray_level, sample_photo
from ablab.clock.draw.style import (
    Backdrop,
    Camera,
    Case,
    ClockStyle,
    FaceDesign,
    HandDesign,
    MarkerDesign,
    NumeralDesign,
    TickDesign,
)

THIN_FONTS = ("liberation-sans", "liberation-sans", "cm-sans", "dejavu-sans-mono")  # thin strokes, as on that clock
TIP_REACH = 0.93  # the farthest hand tip from the centre, in dial radii (minute hands reach 0.9)
FRAME_HALF = 0.49  # tips stay this far from the picture's centre, in image sides


def sample_photo_floor(rng: random.Random) -> ClockStyle:
    """The report's clock in a deep case on a floor, photographed: see the module's docstring."""
    face_gray, ink = gray_level(rng.uniform(175, 235)), gray_level(rng.uniform(8, 45))
    face = FaceDesign(radius_frac=rng.uniform(0.36, 0.53), face_gray=face_gray, background_gray=128,
                      border_width_frac_r=rng.uniform(0.08, 0.16), border_gray=gray_level(rng.uniform(25, 110)),
                      rim_shade_frac_r=rng.uniform(0.0, 0.06))
    ticks = TickDesign(kind="hours_minutes", inset_frac_r=rng.uniform(0.015, 0.045),
                       hour_length_frac_r=rng.uniform(0.05, 0.1), hour_width_frac_r=rng.uniform(0.018, 0.032),
                       minute_length_frac_r=rng.uniform(0.02, 0.045), minute_width_frac_r=rng.uniform(0.008, 0.014),
                       quarter_scale=1.0, gray=ink)
    style = ClockStyle(face=face, ticks=ticks, numerals=thin_numerals(rng, face, ticks, ink), marker=MarkerDesign(),
                       hands=thin_hands(rng, ink, face_gray))
    camera = floor_camera(rng, face.radius_frac)
    return replace(style, camera=camera, case=deep_case(rng), photo=floor_light(rng), backdrop=floor(rng))


def floor(rng: random.Random) -> Backdrop:
    """A woven mat (4 in 10: most of the report's floors look like one) or, as the `photo` family draws them,
    boards, carpet or tiles."""
    if rng.random() < 0.4:
        return Backdrop(kind="woven", seed=rng.randrange(2**31), scale_frac=rng.uniform(0.15, 0.45),
                        angle_deg=rng.uniform(0.0, 180.0), gray=gray_level(rng.uniform(70, 170)),
                        contrast=rng.uniform(15.0, 40.0))
    return sample_floor(rng)


def thin_numerals(rng: random.Random, face: FaceDesign, ticks: TickDesign, ink: int) -> NumeralDesign:
    """Arabic 1–12, upright, small (0.09–0.13 radii) in a thin font, just inside the ring of ticks."""
    font = choose(rng, THIN_FONTS)
    height = rng.uniform(0.09, 0.13)
    rim = 1.0 - face.border_width_frac_r
    ring_outer = rim - ticks.inset_frac_r - ticks.hour_length_frac_r - rng.uniform(0.02, 0.05)
    radius = ring_outer - 0.5 * fonts.widest_ratio(font, fonts.ARABIC) * height
    return NumeralDesign(kind="arabic", subset="all", font=font, height_frac_r=height, radius_frac_r=radius / rim,
                         gray=gray_level(ink + rng.uniform(-10, 25)))


def thin_hands(rng: random.Random, ink: int, face_gray: int) -> HandDesign:
    """Thin dark hands (the minute hand 0.022–0.04 radii wide), some with a lamp's faint shadow on the face."""
    hands = HandDesign(shape=choose(rng, ("line", "tapered", "tapered")), hour_length_frac_r=rng.uniform(0.45, 0.6),
                       hour_width_frac_r=rng.uniform(0.035, 0.065), minute_length_frac_r=rng.uniform(0.74, 0.9),
                       minute_width_frac_r=rng.uniform(0.022, 0.04), tail_frac_r=rng.uniform(0.0, 0.2),
                       hub_radius_frac_r=rng.uniform(0.025, 0.05), gray=gray_level(ink + rng.uniform(-8, 8)))
    if rng.random() < 0.4:
        direction, reach = rng.uniform(0.0, 2 * math.pi), rng.uniform(0.01, 0.035)
        hands = replace(hands, shadow_gray=gray_level(face_gray - rng.uniform(25, 60)),
                        shadow_dx_frac_r=reach * math.cos(direction), shadow_dy_frac_r=reach * math.sin(direction))
    return hands


def floor_camera(rng: random.Random, radius_frac: float) -> Camera:
    """Any turn, a fifth mirrored, tilt up to FLOOR_MAX_TILT_DEG about any axis, moved anywhere that keeps the
    hand tips inside the picture (so a big dial is cut by the frame, a smaller one sits off centre)."""
    room = max(0.0, FRAME_HALF - TIP_REACH * radius_frac)
    return Camera(rotation_deg=rng.uniform(0.0, 360.0), mirrored=rng.random() < PHOTO_MIRROR_PROBABILITY,
                  tilt_deg=rng.uniform(0.0, FLOOR_MAX_TILT_DEG), tilt_axis_deg=rng.uniform(0.0, 180.0),
                  shift_x_frac=rng.uniform(-room, room), shift_y_frac=rng.uniform(-room, room))


def deep_case(rng: random.Random) -> Case:
    """A rim 0.05–0.14 radii deep in front of the face, a back 0.08–0.25 behind it, shaded walls, the clock's
    shadow on the floor, and 0–2 glare spots on the glass (most large and bright enough to saturate)."""
    direction, reach = rng.uniform(0.0, 2 * math.pi), rng.uniform(0.03, 0.2)
    spots = tuple(glare_spot(rng) for _ in range(choose(rng, (0, 1, 1, 1, 2))))
    return Case(depth_frac_r=rng.uniform(0.05, 0.14), back_frac_r=rng.uniform(0.08, 0.25),
                lift_sign=choose(rng, (-1.0, 1.0)), wall_gray=gray_level(rng.uniform(25, 85)),
                rim_light_deg=rng.uniform(0.0, 360.0), rim_shine=rng.uniform(5.0, 45.0),
                shadow_gray=rng.uniform(0.0, 45.0), shadow_dx_frac_r=reach * math.cos(direction),
                shadow_dy_frac_r=reach * math.sin(direction), glare=spots)


def glare_spot(rng: random.Random) -> tuple[float, float, float, float]:
    """(x, y, σ, peak): anywhere within 0.7 radii of the centre, σ 0.08–0.3 radii, 60–320 gray levels (above
    the face's headroom on most: a white blot that hides what lies under it)."""
    direction, reach = rng.uniform(0.0, 2 * math.pi), 0.7 * math.sqrt(rng.random())
    return (reach * math.cos(direction), reach * math.sin(direction), rng.uniform(0.08, 0.3), rng.uniform(60, 320))


def floor_light(rng: random.Random):
    """`single`'s light with less noise, a little blur, JPEG on half, and on most a contrast stretch (whites white,
    blacks black)."""
    light = sample_photo(rng)
    light = replace(light, noise_sigma=min(light.noise_sigma, rng.uniform(1.0, 5.0)))  # a camera's, not a scanner's
    blur = rng.uniform(0.25, 0.9) if rng.random() < 0.8 else 0.0
    return replace(light, blur_sigma_px=blur, stretch=rng.random() < 0.7,
                   jpeg_quality=rng.randrange(30, 85) if rng.random() < 0.5 else 0)
