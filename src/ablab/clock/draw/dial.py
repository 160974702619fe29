"""Draw everything of a clock that does not depend on the time: background clutter, face, ticks, numerals, marks.

The dial is drawn upright and unmirrored on the supersampled canvas; the camera (rotation, mirror, tilt) is applied
to the whole picture later, so numerals and writing are mirrored and rotated with the clock.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from ablab.clock.draw import face_art, fonts
from ablab.clock.draw.geometry import SUPERSAMPLE, Dial, canvas_side_px
from ablab.clock.draw.style import ClockStyle, Clutter, FaceDesign, MarkerDesign, NumeralDesign, TickDesign

HOUR_PHI = np.arange(12) * (math.pi / 6)  # clock angle of each hour, 12 first
QUARTERS = (0, 3, 6, 9)


def draw_dial(style: ClockStyle, size_px: int) -> Image.Image:
    """A fresh canvas with the time-independent picture of `style`; the caller may draw on it.

    A dial asked for a second time is kept (a few at most) and copied from then on, so the `single` preset draws
    its dial once per process while `varied` (a new dial every time) pays neither a copy nor cache memory.
    """
    key = (style.face, style.ticks, style.numerals, style.marker, style.clutter, size_px)
    if key in _KEPT_DIALS:
        return _KEPT_DIALS[key].copy()
    canvas = _draw_dial(*key)
    if key in _SEEN_ONCE:
        if len(_KEPT_DIALS) >= MAX_KEPT_DIALS:
            _KEPT_DIALS.pop(next(iter(_KEPT_DIALS)))
        _KEPT_DIALS[key] = canvas.copy()
    else:
        if len(_SEEN_ONCE) >= 256:
            _SEEN_ONCE.clear()
        _SEEN_ONCE.add(key)
    return canvas


MAX_KEPT_DIALS = 4
_KEPT_DIALS: dict[tuple, Image.Image] = {}
_SEEN_ONCE: set[tuple] = set()


def _draw_dial(
    face: FaceDesign, ticks: TickDesign, numerals: NumeralDesign, marker: MarkerDesign, clutter: Clutter, size_px: int
) -> Image.Image:
    """Draw a dial on a new canvas: wall and clutter, face and border, ticks, numerals, 12 mark and brand."""
    side = canvas_side_px(size_px)
    canvas = Image.new("L", (side, side), face.background_gray)
    draw = ImageDraw.Draw(canvas)
    draw_clutter(draw, clutter, side, size_px)
    dial = Dial.place(face, size_px)
    draw_face(draw, dial, face)
    face_art.paint_ground(canvas, draw, dial, face)
    rim = 1.0 - face.border_width_frac_r  # inner edge of the border, in edge radii
    draw_ticks(draw, dial, ticks, rim, skip_twelve=marker.twelve != "none")
    draw_numerals(draw, dial, numerals, rim)
    draw_marker(draw, dial, marker, rim - ticks.inset_frac_r)
    return canvas


def draw_clutter(draw: ImageDraw.ImageDraw, clutter: Clutter, side_px: int, size_px: int) -> None:
    """Shapes on the wall behind the clock; boxes are fractions of the output side around the canvas centre."""
    scale, centre = SUPERSAMPLE * size_px, side_px / 2
    for kind, x0, y0, x1, y1, gray, width_frac in clutter.shapes:
        box = [centre + x0 * scale, centre + y0 * scale, centre + x1 * scale, centre + y1 * scale]
        width = max(1, round(width_frac * scale))
        if kind == "line":
            draw.line(box, fill=gray, width=width)
        elif kind == "halfplane":  # a table edge or shadow: everything beyond the line (x0,y0)-(x1,y1)
            draw.polygon(_halfplane(box, side_px), fill=gray)
        else:
            box = [min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3])]
            shape = draw.ellipse if kind == "ellipse" else draw.rectangle
            shape(box, fill=None if width_frac else gray, outline=gray, width=width)


def _halfplane(line: list[float], side_px: int) -> list[float]:
    """Polygon covering the canvas on the left of the directed line, long enough to leave the canvas."""
    x0, y0, x1, y1 = line
    dx, dy = x1 - x0, y1 - y0
    norm = math.hypot(dx, dy) or 1.0
    far = 2.0 * side_px
    ux, uy = dx / norm * far, dy / norm * far
    px, py = uy, -ux  # left normal
    return [x0 - ux, y0 - uy, x0 + ux, y0 + uy, x0 + ux + px, y0 + uy + py, x0 - ux + px, y0 - uy + py]


def draw_face(draw: ImageDraw.ImageDraw, dial: Dial, face: FaceDesign) -> None:
    """The face, its border and an optional inner ring."""
    if face.border_width_frac_r > 0:
        _fill_outline(draw, dial, 1.0, face.border_gray)
    _fill_outline(draw, dial, 1.0 - face.border_width_frac_r, face.face_gray)
    if face.rim_shade_frac_r > 0:
        _shade_rim(draw, dial, face)
    if face.inner_ring:
        ring_width = max(1, round(0.012 * dial.radius_px))
        _fill_outline(draw, dial, 1.0 - face.border_width_frac_r - 0.035, None, outline=face.border_gray,
                      width=ring_width)


def _shade_rim(draw: ImageDraw.ImageDraw, dial: Dial, face: FaceDesign, steps: int = 6) -> None:
    """A deep rim's shadow on the face: rings from the border inward, fading from 70 gray levels darker than the
    face to the face over rim_shade_frac_r."""
    rim = 1.0 - face.border_width_frac_r
    step = face.rim_shade_frac_r / steps
    ring_px = max(1, math.ceil(step * dial.radius_px))
    for i in range(steps):
        gray = round(face.face_gray - 70 * (1 - i / steps) ** 2)
        _fill_outline(draw, dial, rim - i * step, None, outline=max(0, gray), width=ring_px)


def _fill_outline(draw: ImageDraw.ImageDraw, dial: Dial, scale: float, fill, outline=None, width: int = 1) -> None:
    """The dial outline shrunk by `scale`: Pillow's ellipse for circles and ellipses (4× faster than a polygon),
    a polygon for rounded squares."""
    if dial.exponent == 2.0 and not dial.sides:
        half_x, half_y = scale * dial.radius_px * dial.aspect_x, scale * dial.radius_px
        box = [dial.cx - half_x, dial.cy - half_y, dial.cx + half_x, dial.cy + half_y]
        draw.ellipse(box, fill=fill, outline=outline, width=width)
    else:
        draw.polygon(dial.outline(scale), fill=fill, outline=outline, width=width)


def tick_bars(dial: Dial, phi: np.ndarray, outer_rho: np.ndarray, length: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Corner points, shape (n, 4, 2), of bars along rays at angles phi, from outer_rho inward by `length`.

    Lengths and widths are in radii.
    """
    inner = outer_rho - length
    half = width[:, None] * dial.radius_px / 2
    ends = dial.points(np.stack([phi, phi], 1), np.stack([outer_rho, inner], 1))  # (n, 2, 2)
    normal = np.stack([np.cos(phi), np.sin(phi)], axis=-1)[:, None, :] * half[:, :, None]  # (n, 1, 2)
    return np.concatenate([ends + normal, (ends - normal)[:, ::-1]], axis=1)


def draw_ticks(draw: ImageDraw.ImageDraw, dial: Dial, ticks: TickDesign, rim: float, skip_twelve: bool) -> None:
    """Hour ticks (bars or dots; longer at the quarters when quarter_scale > 1) and optional minute ticks.

    skip_twelve leaves 12 o'clock free for a 12 mark, which then differs from every tick (else a dot or bar at 12
    blurs into a tick like the others and the dial has no "up").
    """
    if ticks.kind == "none":
        return
    n = 60 if ticks.kind == "hours_minutes" else 12
    phi = np.arange(int(skip_twelve), n) * (2 * math.pi / n)
    index = np.arange(int(skip_twelve), n)
    is_hour = index % (n // 12) == 0
    is_quarter = index % (n // 4) == 0
    grow = np.where(is_quarter, ticks.quarter_scale, 1.0)
    length = np.where(is_hour, ticks.hour_length_frac_r * grow, ticks.minute_length_frac_r)
    width = np.where(is_hour, ticks.hour_width_frac_r * grow, ticks.minute_width_frac_r)
    outer = rim * dial.edge_rho(phi) - ticks.inset_frac_r
    if ticks.shape in ("dot", "ring"):
        ring_px = max(2, round(0.25 * ticks.hour_width_frac_r * dial.radius_px)) if ticks.shape == "ring" else 0
        _draw_dots(draw, dial, phi[is_hour], outer[is_hour] - length[is_hour] / 2, width[is_hour], ticks.gray,
                   ring_px)
    elif ticks.shape == "wedge":
        fill_polygons(draw, tick_wedges(dial, phi[is_hour], outer[is_hour], length[is_hour], width[is_hour]),
                      ticks.gray)
    if ticks.shape != "bar":
        keep = ~is_hour
        phi, outer, length, width = phi[keep], outer[keep], length[keep], width[keep]
    fill_polygons(draw, tick_bars(dial, phi, outer, length, width).reshape(len(phi), 8).tolist(), ticks.gray)


def tick_wedges(dial: Dial, phi: np.ndarray, outer_rho: np.ndarray, length: np.ndarray,
                width: np.ndarray) -> list[list[float]]:
    """Triangles pointing at the centre: base 1.6 widths across at outer_rho, tip `length` inward (radii)."""
    bars = tick_bars(dial, phi, outer_rho, length, 1.6 * width)  # (n, 4, 2): outer+, inner+, inner−, outer−
    tips = (bars[:, 1] + bars[:, 2]) / 2
    return np.stack([bars[:, 0], tips, bars[:, 3]], axis=1).reshape(len(phi), 6).tolist()


def fill_polygons(draw: ImageDraw.ImageDraw, polygons: list[list[float]], gray: int) -> None:
    """Fill many small polygons in one gray. Calls Pillow's drawing core directly: ImageDraw.polygon re-resolves
    the colour on every call, which costs more than drawing a tick (60 ticks a dial, 18,000 dials a set)."""
    core = draw.draw
    ink = core.draw_ink(gray)
    for polygon in polygons:
        core.draw_polygon(polygon, ink, 1)


def _draw_dots(draw: ImageDraw.ImageDraw, dial: Dial, phi, rho, diameter, gray: int, ring_px: int = 0) -> None:
    """Round hour marks of the given diameters (radii) centred at (phi, rho): filled, or rings ring_px thick, of
    1.5× the diameter (an empty ring of a dot's size would be a smudge)."""
    centres = dial.points(phi, rho)
    grow = 1.5 if ring_px else 1.0
    for (x, y), d in zip(centres.tolist(), (grow * diameter * dial.radius_px / 2).tolist()):
        if ring_px:
            draw.ellipse([x - d, y - d, x + d, y + d], outline=gray, width=ring_px)
        else:
            draw.ellipse([x - d, y - d, x + d, y + d], fill=gray)


def numeral_hours(numerals: NumeralDesign) -> tuple[int, ...]:
    """Which hour positions (0 = 12 o'clock) carry a numeral."""
    return {"all": tuple(range(12)), "quarters": QUARTERS, "twelve": (0,)}[numerals.subset]


def numeral_texts(numerals: NumeralDesign) -> tuple[str, ...]:
    """The 12 numeral strings, 12 o'clock first."""
    if numerals.kind == "roman":
        return tuple("IIII" if (t == "IV" and numerals.four_as_iiii) else t for t in fonts.ROMAN)
    return fonts.ARABIC


def draw_numerals(draw: ImageDraw.ImageDraw, dial: Dial, numerals: NumeralDesign, rim: float) -> None:
    """Stamp cached glyph masks centred on their hour positions."""
    if numerals.kind == "none":
        return
    hours = numeral_hours(numerals)
    texts = numeral_texts(numerals)
    phi = HOUR_PHI[list(hours)]
    centres = dial.points(phi, numerals.radius_frac_r * rim * dial.edge_rho(phi))
    font_px = fonts.font_px_for_height(numerals.font, numerals.height_frac_r * dial.unit_px)
    for hour, (x, y) in zip(hours, centres.tolist()):
        angle_deg = 30.0 * hour if numerals.radial else 0.0
        mask = fonts.glyph_mask(numerals.font, font_px, texts[hour], angle_deg)
        draw.bitmap((round(x - mask.width / 2), round(y - mask.height / 2)), mask, fill=numerals.gray)


def draw_marker(draw: ImageDraw.ImageDraw, dial: Dial, marker: MarkerDesign, outer_rho: float) -> None:
    """The 12 o'clock mark (its outer end at outer_rho radii), the brand text below 12, a caption and a logo."""
    size = marker.size_frac_r
    if marker.twelve == "triangle":  # pointing at the centre
        tip = dial.points(np.array([0.0]), np.array([outer_rho - size * 1.3]))[0]
        base_y = dial.cy - outer_rho * dial.radius_px
        half = size * dial.radius_px * 0.6
        draw.polygon([tip[0], tip[1], dial.cx - half, base_y, dial.cx + half, base_y], fill=marker.gray)
    elif marker.twelve == "dot":
        x, y = dial.points(np.array([0.0]), np.array([outer_rho - size * 0.6]))[0]
        r = size * dial.radius_px * 0.5
        draw.ellipse([x - r, y - r, x + r, y + r], fill=marker.gray)
    elif marker.twelve == "double_bar":
        offset = size * 0.35
        for dx in (-offset, offset):
            draw.rectangle(_bar_box(dial, dx, outer_rho, size), fill=marker.gray)
    if marker.brand:
        _draw_brand(draw, dial, marker)
    face_art.draw_writing(draw, dial, marker)


def _bar_box(dial: Dial, dx_r: float, outer_rho: float, size_r: float) -> list[float]:
    """Box of one of the two vertical bars of a double-bar 12 mark, dx_r radii right of the 12-6 axis."""
    r = dial.radius_px
    x = dial.cx + dx_r * r
    half_w = 0.11 * size_r * r + 1
    return [x - half_w, dial.cy - outer_rho * r, x + half_w, dial.cy - (outer_rho - 1.4 * size_r) * r]


def _draw_brand(draw: ImageDraw.ImageDraw, dial: Dial, marker: MarkerDesign) -> None:
    """Small writing halfway between the centre and 12: a mirror image shows as reversed letters."""
    font_px = fonts.font_px_for_height(marker.brand_font, 0.1 * dial.unit_px)
    mask = fonts.glyph_mask(marker.brand_font, font_px, marker.brand)
    y = dial.cy - 0.36 * dial.unit_px
    draw.bitmap((round(dial.cx - mask.width / 2), round(y - mask.height / 2)), mask, fill=marker.gray)
