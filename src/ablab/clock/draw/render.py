"""Render one analog clock at a time of day, as a uint8 grayscale image: the public entry point of the renderer.

    image = render_clock(3, 30, style=style)                  # style: a ClockStyle, every random choice in it
    image, style = render_sample(3, 30, "varied", rng)        # sample a style from a preset, then render

Pipeline: the dial (cached per style) is copied, the hands are drawn on it at 2× (Pillow), one perspective resample
applies mirror, rotation and tilt and scales to the output size, a floor texture replaces what lies outside
the dial (backdrop) or, for a clock in a deep case, the case is built around the face on the floor (case), then
blur, lighting, glare, noise, contrast stretch and JPEG (numpy).
Conventions (tested): 12 o'clock up, hands clockwise; minute hand at minute·6°, hour hand at (hour + minute/60)·30°;
a mirrored image is the whole picture mirrored (numerals too), and its label stays the time the clock shows.
"""

from __future__ import annotations

import numpy as np
from PIL import ImageDraw

from ablab.clock.draw.backdrop import lay_on_backdrop
from ablab.clock.draw.camera import develop, photograph
from ablab.clock.draw.case import compose_case
from ablab.clock.draw.dial import draw_dial
from ablab.clock.draw.geometry import Dial
from ablab.clock.draw.hands import draw_hands, hand_angles_deg
from ablab.clock.draw.presets import PRESETS, clean_style, sample_style
from ablab.clock.draw.style import ClockStyle
from ablab.errors import AblabError

__all__ = ["ClockStyle", "PRESETS", "clean_style", "hand_angles_deg", "render_clock", "render_sample", "sample_style"]


def check_time(hour: int, minute: int) -> None:
    """Raise AblabError unless 0 <= hour <= 11 and 0 <= minute <= 59 (the dataset's label ranges)."""
    if not (0 <= int(hour) <= 11 and 0 <= int(minute) <= 59):
        raise AblabError(f"clock time {hour}:{minute} out of range: hour must be 0-11 (12 o'clock is 0), minute 0-59")


def render_clock(hour: int, minute: int, *, style: ClockStyle, size: int = 150) -> np.ndarray:
    """The clock of `style` showing hour:minute, as a (size, size) uint8 array. Deterministic in its arguments."""
    check_time(hour, minute)
    canvas = draw_dial(style, size)
    draw_hands(ImageDraw.Draw(canvas), Dial.place(style.face, size), style.hands, int(hour), int(minute))
    picture = photograph(canvas, style.camera, size, style.face.background_gray)
    scene = compose_case(picture, style) if style.case.depth_frac_r > 0 else lay_on_backdrop(picture, style)
    return develop(scene, style.photo)


def render_sample(
    hour: int, minute: int, preset: str, rng: np.random.Generator, size: int = 150
) -> tuple[np.ndarray, ClockStyle]:
    """Sample a style from `preset` with `rng`, render hour:minute with it; returns (image, style)."""
    style = sample_style(preset, rng)
    return render_clock(hour, minute, style=style, size=size), style
