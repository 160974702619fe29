"""Floors: the textured surroundings of a photographed clock.

Glare is part of developing the picture (ablab.clock.draw.camera.glare). The report's photographs show one wall
clock lying on wooden boards or carpet; `varied` clocks hang on a plain wall
with a few shapes on it. A Backdrop's texture (wood, carpet, tiles) replaces everything outside the dial: the dial's
outline is photographed through the same camera as the clock (a coverage mask), so the floor never shows through
the face and the dial's edge stays antialiased. Textures are numpy, seeded by the backdrop (a few ms at 150 px).
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from ablab.clock.draw.camera import photograph
from ablab.clock.draw.geometry import Dial, canvas_side_px
from ablab.clock.draw.style import Backdrop, ClockStyle
from ablab.errors import unknown_name

BACKDROPS = ("plain", "wood", "carpet", "tiles", "woven")


def smooth_noise(rng: np.random.Generator, size_px: int, cells: tuple[int, int]) -> np.ndarray:
    """(size, size) float32 noise, about unit spread, smooth over size/cells pixels (rows, columns): a small
    normal grid scaled up bicubically."""
    grid = rng.standard_normal(cells).astype(np.float32)
    return np.asarray(Image.fromarray(grid, mode="F").resize((size_px, size_px), Image.Resampling.BICUBIC))


def _wood(rng: np.random.Generator, side: int, board_px: float) -> np.ndarray:
    """Boards along x: grain streaks and growth rings along each board, a dark seam between boards, and each
    board a little lighter or darker than the next."""
    rows = np.arange(side, dtype=np.float32)[:, None]
    board = np.floor(rows / board_px).astype(int)
    boards = int(board.max()) + 1
    streaks = smooth_noise(rng, side, (max(8, round(side / 3)), 5))
    rings = np.sin(2 * math.pi * (rows / rng.uniform(6, 14) + 1.2 * smooth_noise(rng, side, (4, 6))))
    shade = rng.normal(0.0, 0.8, boards)[board]
    seam = np.exp(-(((rows % board_px) - 0.5) ** 2) / 1.5) * 3.0
    return 0.5 * streaks + 0.4 * rings + shade - seam


def _carpet(rng: np.random.Generator, side: int, scale_px: float) -> np.ndarray:
    """Pile: per-pixel noise softened over a pixel, with blotches the size of `scale_px` and a faint weave."""
    fine = smooth_noise(rng, side, (side // 2, side // 2))
    blotch = smooth_noise(rng, side, (max(2, round(side / scale_px)),) * 2)
    axis = np.arange(side, dtype=np.float32)
    weave = 0.3 * np.sin(axis[:, None] * 2.1) * np.sin(axis[None, :] * 2.1)
    return fine + 0.6 * blotch + weave


def _tiles(rng: np.random.Generator, side: int, tile_px: float) -> np.ndarray:
    """Square tiles of slightly different tones, each mottled, with grout lines between them."""
    axis = np.arange(side, dtype=np.float32)
    ty, tx = np.floor(axis[:, None] / tile_px).astype(int), np.floor(axis[None, :] / tile_px).astype(int)
    n = int(max(ty.max(), tx.max())) + 1
    tone = rng.normal(0.0, 0.5, (n, n))[ty, tx]
    grout = np.minimum(axis[:, None] % tile_px, axis[None, :] % tile_px) < max(1.0, tile_px / 25)
    return tone + 0.3 * smooth_noise(rng, side, (12, 12)) - 3.0 * grout


def _woven(rng: np.random.Generator, side: int, strip_px: float) -> np.ndarray:
    """A woven mat: fine ridges 2.5–4 px apart across the picture, their depth wavering along each ridge, in
    strips `strip_px` wide of slightly different tones with a dark seam between strips (the report's floors)."""
    rows = np.arange(side, dtype=np.float32)[:, None]
    cols = np.arange(side, dtype=np.float32)[None, :]
    ridges = np.sin(2 * math.pi * cols / rng.uniform(2.5, 4.0)) * (0.8 + 0.4 * smooth_noise(rng, side, (side // 4, 6)))
    strip = np.floor(rows / strip_px).astype(int)
    tone = rng.normal(0.0, 0.6, int(strip.max()) + 1)[strip]
    seam = np.exp(-(((rows % strip_px) - 0.5) ** 2) / 2.0) * 2.5
    return ridges + tone - seam + 0.3 * smooth_noise(rng, side, (side // 2, side // 2))


TEXTURES = {"wood": _wood, "carpet": _carpet, "tiles": _tiles, "woven": _woven}


def texture(backdrop: Backdrop, size_px: int) -> np.ndarray:
    """(size, size) float32 grays of the backdrop's texture: its pattern at its scale, turned by angle_deg,
    normalized to its gray ± contrast (one standard deviation)."""
    if backdrop.kind not in TEXTURES:
        raise unknown_name("clock backdrop", backdrop.kind, TEXTURES)
    side = math.ceil(size_px * 1.5)  # turned and cropped back to size_px: the corners stay covered
    raw = TEXTURES[backdrop.kind](np.random.default_rng(backdrop.seed), side, backdrop.scale_frac * size_px)
    raw = (raw - raw.mean()) / (raw.std() + 1e-6)
    turned = Image.fromarray(raw.astype(np.float32), mode="F").rotate(backdrop.angle_deg, Image.Resampling.BILINEAR)
    start = (side - size_px) // 2
    cut = np.asarray(turned)[start : start + size_px, start : start + size_px]
    return backdrop.gray + backdrop.contrast * cut


def dial_coverage(style: ClockStyle, size_px: int) -> np.ndarray:
    """(size, size) float32 in [0, 1]: how much of each output pixel the dial (face and border) covers, seen
    through the style's camera: its outline drawn on a canvas like the clock's and photographed the same way."""
    side = canvas_side_px(size_px)
    canvas = Image.new("L", (side, side), 0)
    dial = Dial.place(style.face, size_px)
    ImageDraw.Draw(canvas).polygon(dial.outline(1.0, n_points=128), fill=255)
    return np.asarray(photograph(canvas, style.camera, size_px, 0), np.float32) / 255.0


def lay_on_backdrop(picture: Image.Image, style: ClockStyle) -> Image.Image:
    """The photographed clock with everything outside its dial replaced by the backdrop's texture."""
    if style.backdrop.kind == "plain":
        return picture
    size_px = picture.width
    cover = dial_coverage(style, size_px)
    floor = texture(style.backdrop, size_px)
    mixed = cover * np.asarray(picture, np.float32) + (1.0 - cover) * floor
    return Image.fromarray(np.clip(mixed, 0, 255).astype(np.uint8))

