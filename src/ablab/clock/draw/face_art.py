"""What a face carries besides its marks: a ground that is not flat (a gradient; held out of training: a sunburst,
or gears seen through a skeleton dial), writing above 6 and a small emblem below 12.

Real clock faces, desktop themes among them, are rarely a flat gray with ticks: makers' names, logos, shaded
grounds are what a reader must learn to look past. The held-out grounds (sunburst, gears) put strong lines under
the hands that no training face has; the hands must still be told from them.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from ablab.clock.draw import fonts
from ablab.clock.draw.geometry import Dial
from ablab.clock.draw.style import FaceDesign, MarkerDesign
from ablab.errors import unknown_name

PATTERNS = ("flat", "gradient", "sunburst", "gears")
LOGOS = ("circle", "diamond", "crest")
SUNBURST_RAYS = 60


def paint_ground(canvas: Image.Image, draw: ImageDraw.ImageDraw, dial: Dial, face: FaceDesign) -> None:
    """Paint the face's ground inside its rim, over the flat face_gray and under every mark."""
    if face.pattern == "flat":
        return
    rim = 1.0 - face.border_width_frac_r
    if face.pattern == "gradient":
        _gradient(canvas, dial, face, rim)
    elif face.pattern == "sunburst":
        _sunburst(draw, dial, face, rim)
    elif face.pattern == "gears":
        _gears(draw, dial, face, rim)
    else:
        raise unknown_name("clock face pattern", face.pattern, PATTERNS)


def _gradient(canvas: Image.Image, dial: Dial, face: FaceDesign, rim: float) -> None:
    """A linear ramp from face_gray (top left) to pattern_gray (bottom right), cut to the face's outline."""
    reach = rim * dial.radius_px * max(1.0, dial.aspect_x) * (1.0 / math.cos(math.pi / dial.sides) if dial.sides
                                                            else 1.42)
    side = max(2, math.ceil(2 * reach))
    ramp = np.linspace(0.0, 1.0, side, dtype=np.float32)
    mix = (ramp[None, :] + ramp[:, None]) / 2
    tones = face.face_gray + (face.pattern_gray - face.face_gray) * mix
    box = (round(dial.cx - side / 2), round(dial.cy - side / 2))
    mask = Image.new("L", (side, side), 0)
    shifted = Dial(dial.cx - box[0], dial.cy - box[1], dial.radius_px, dial.aspect_x, dial.exponent, dial.sides)
    ImageDraw.Draw(mask).polygon(shifted.outline(rim, n_points=96), fill=255)
    canvas.paste(Image.fromarray(tones.astype(np.uint8)), box, mask)


def _sunburst(draw: ImageDraw.ImageDraw, dial: Dial, face: FaceDesign, rim: float) -> None:
    """Thin rays from the centre to the rim in pattern_gray, every 6°, as on a guilloché dress-watch dial."""
    phi = np.arange(SUNBURST_RAYS) * (2 * math.pi / SUNBURST_RAYS)
    half = 0.22 * (2 * math.pi / SUNBURST_RAYS)
    ends = rim * 0.98 * dial.edge_rho(phi)
    for p, rho in zip(phi.tolist(), ends.tolist()):
        tips = dial.points(np.array([p - half, p + half]), np.array([rho, rho]))
        draw.polygon([dial.cx, dial.cy, *tips.ravel().tolist()], fill=face.pattern_gray)


def _gears(draw: ImageDraw.ImageDraw, dial: Dial, face: FaceDesign, rim: float) -> None:
    """Five toothed wheels with spokes, outlined in pattern_gray, seen through a skeleton dial: placed by the
    face's own numbers so a design draws the same gears every time."""
    width = max(2, round(0.025 * dial.radius_px))
    for k in range(5):
        turn = 2 * math.pi * k / 5 + 0.7 * face.face_gray / 255
        reach = (0.3 + 0.25 * ((k * 37 + face.pattern_gray) % 10) / 10) * rim
        size = (0.24 + 0.06 * (k % 3)) * rim
        cx, cy = dial.points(np.array(turn), np.array(reach)).tolist()
        _gear(draw, cx, cy, size * dial.radius_px, 10 + 2 * k, face.pattern_gray, width)


def _gear(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius_px: float, teeth: int, gray: int,
          width: int) -> None:
    """One wheel: a toothed outline, a hub ring and four spokes."""
    angles = np.arange(4 * teeth) * (2 * math.pi / (4 * teeth))
    radii = radius_px * np.where((np.arange(4 * teeth) // 2) % 2 == 0, 1.0, 0.84)
    outline = np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], 1).ravel().tolist()
    draw.polygon(outline, outline=gray, width=width)
    hub = 0.2 * radius_px
    draw.ellipse([cx - hub, cy - hub, cx + hub, cy + hub], outline=gray, width=width)
    for a in (0.3, 0.3 + math.pi / 2, 0.3 + math.pi, 0.3 + 3 * math.pi / 2):
        draw.line([cx + hub * math.cos(a), cy + hub * math.sin(a), cx + 0.8 * radius_px * math.cos(a),
                   cy + 0.8 * radius_px * math.sin(a)], fill=gray, width=width)


def draw_writing(draw: ImageDraw.ImageDraw, dial: Dial, marker: MarkerDesign) -> None:
    """The caption above 6 o'clock and the emblem halfway between the centre and 12 (where the face has them)."""
    if marker.caption:
        font_px = fonts.font_px_for_height(marker.brand_font, 0.075 * dial.unit_px)
        mask = fonts.glyph_mask(marker.brand_font, font_px, marker.caption)
        y = dial.cy + 0.42 * dial.unit_px
        draw.bitmap((round(dial.cx - mask.width / 2), round(y - mask.height / 2)), mask, fill=marker.gray)
    if marker.logo:
        _logo(draw, dial.cx, dial.cy - 0.5 * dial.unit_px, 0.07 * dial.unit_px, marker.logo, marker.gray)


def _logo(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, kind: str, gray: int) -> None:
    """A small emblem of radius r: a ring with a dot, a diamond, or a shield-like crest."""
    line = max(1, round(0.25 * r))
    if kind == "circle":
        draw.ellipse([x - r, y - r, x + r, y + r], outline=gray, width=line)
        draw.ellipse([x - r / 3, y - r / 3, x + r / 3, y + r / 3], fill=gray)
    elif kind == "diamond":
        draw.polygon([x, y - r, x + 0.7 * r, y, x, y + r, x - 0.7 * r, y], fill=gray)
    elif kind == "crest":
        draw.polygon([x - r, y - r, x + r, y - r, x + r, y + 0.2 * r, x, y + r, x - r, y + 0.2 * r],
                     outline=gray, width=line)
    else:
        raise unknown_name("clock logo", kind, LOGOS)
