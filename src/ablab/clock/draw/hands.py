"""Draw the hands of a clock at a time: the only part of a clock picture that depends on the label.

Angles (the report's convention, tested): minute hand minute·6°, hour hand (hour + minute/60)·30°, clockwise
from 12 o'clock, so at 3:30 the hour hand points halfway between 3 and 4.
"""

from __future__ import annotations

import math
from dataclasses import replace

from PIL import ImageDraw

from ablab.clock.draw.geometry import Dial, hand_polygon
from ablab.clock.draw.style import HandDesign

HAND_SHAPES = ("line", "tapered", "lance", "arrow", "leaf", "skeleton")  # the last two: the `unseen-hands` family


def hand_angles_deg(hour: int, minute: int) -> tuple[float, float]:
    """(hour hand, minute hand) angles in degrees clockwise from 12; hour 0-11 (12 o'clock is 0), minute 0-59."""
    return (hour % 12 + minute / 60.0) * 30.0, minute * 6.0


def hand_outline(shape: str, length: float, width: float, tail: float) -> tuple[list[float], list[float]]:
    """(along, across) polygon of a hand pointing along +along; all in dial units, tail behind the centre."""
    half = width / 2
    if shape == "line":
        along, across = [-tail, length, length, -tail], [-half, -half, half, half]
    elif shape == "tapered":
        tip = 0.2 * half
        along = [-tail, 0.0, length, length, 0.0, -tail]
        across = [-0.7 * half, -half, -tip, tip, half, 0.7 * half]
    elif shape == "lance":
        along = [-tail, 0.62 * length, length, 0.62 * length, -tail]
        across = [-0.45 * half, -half, 0.0, half, 0.45 * half]
    elif shape == "arrow":
        head = min(0.3 * length, 3.0 * width)
        shaft = 0.5 * half
        along = [-tail, length - head, length - head, length, length - head, length - head, -tail]
        across = [-shaft, -shaft, -1.5 * half, 0.0, 1.5 * half, shaft, shaft]
    elif shape == "leaf":  # widest two thirds out, like a spade or a leaf
        along = [-tail, 0.0, 0.45 * length, 0.7 * length, 0.88 * length, length,
                 0.88 * length, 0.7 * length, 0.45 * length, 0.0]
        across = [0.0, -0.35 * half, -0.6 * half, -1.2 * half, -0.8 * half, 0.0,
                  0.8 * half, 1.2 * half, 0.6 * half, 0.35 * half]
    elif shape == "skeleton":  # a lance drawn as an outline only (draw_hands)
        return hand_outline("lance", length, width * 1.4, tail)
    else:
        raise ValueError(f"unknown hand shape {shape!r}; known: {', '.join(HAND_SHAPES)}")
    return along, across


def draw_hands(draw: ImageDraw.ImageDraw, dial: Dial, hands: HandDesign, hour: int, minute: int) -> None:
    """Their shadow if any, hour hand, minute hand, optional second hand, then the hub on top."""
    hour_deg, minute_deg = hand_angles_deg(hour, minute)
    tail = hands.tail_frac_r
    parts = [
        (hour_deg, hands.hour_length_frac_r, hands.hour_width_frac_r, tail * 0.8, hands.shape, hands.gray),
        (minute_deg, hands.minute_length_frac_r, hands.minute_width_frac_r, tail, hands.shape, hands.gray),
    ]
    if hands.second:
        second = (hands.second_angle_deg, hands.second_length_frac_r, hands.second_width_frac_r, tail * 1.6)
        parts.append((*second, "line", hands.second_gray))
    if hands.shadow_gray is not None:
        shifted = replace(dial, cx=dial.cx + hands.shadow_dx_frac_r * dial.unit_px,
                          cy=dial.cy + hands.shadow_dy_frac_r * dial.unit_px)
        shadows = [(*part[:5], hands.shadow_gray) for part in parts]
        _draw_parts(draw, shifted, hands, shadows, hands.shadow_gray, solid=True)
    _draw_parts(draw, dial, hands, parts, hands.gray)
    if hands.second and hands.second_shape == "lollipop":
        _lollipop(draw, dial, hands)


def _lollipop(draw: ImageDraw.ImageDraw, dial: Dial, hands: HandDesign) -> None:
    """The disc of a railway clock's second hand, at 0.72 of its length, 4.5 of its widths across."""
    angle = math.radians(hands.second_angle_deg)
    reach, r = 0.72 * hands.second_length_frac_r * dial.unit_px, 2.25 * hands.second_width_frac_r * dial.unit_px
    x, y = dial.cx + reach * math.sin(angle), dial.cy - reach * math.cos(angle)
    draw.ellipse([x - r, y - r, x + r, y + r], fill=hands.second_gray)


def _draw_parts(draw: ImageDraw.ImageDraw, dial: Dial, hands: HandDesign, parts: list[tuple], hub_gray: int,
                solid: bool = False) -> None:
    """Each (angle_deg, length, width, tail, shape, gray) hand, then the hub; "skeleton" hands, unless `solid`
    (a shadow), as an outline around hands.inside_gray, about a third of their width thick."""
    for angle_deg, length, width, tail_len, shape, gray in parts:
        along, across = hand_outline(shape, length, width, tail_len)
        polygon = hand_polygon(dial, math.radians(angle_deg), along, across)
        if shape == "skeleton" and not solid:
            line_px = max(2, round(0.35 * width * dial.unit_px))
            draw.polygon(polygon, fill=hands.inside_gray, outline=gray, width=line_px)
        else:
            draw.polygon(polygon, fill=gray)
    r = hands.hub_radius_frac_r * dial.unit_px
    draw.ellipse([dial.cx - r, dial.cy - r, dial.cx + r, dial.cy + r], fill=hub_gray)
