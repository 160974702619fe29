"""Labelled contact sheets: a grid of clock images with "HH:MM" (and "M" for mirror images) under each, so a person
can check at a glance that every clock is readable and every label right."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from ablab.clock.draw import fonts

LABEL_FONT = "liberation-sans"
GAP_PX = 4


def label_text(hour: int, minute: int, mirrored: bool) -> str:
    """ "HH:MM", the label as stored (hour 0-11), plus " M" for a mirror image."""
    return f"{int(hour):02d}:{int(minute):02d}" + (" M" if mirrored else "")


def contact_sheet(
    images: np.ndarray, labels: np.ndarray, mirrored: np.ndarray | None = None, *, columns: int = 6
) -> Image.Image:
    """A white sheet with images (N, H, W) uint8 in a grid of `columns`, each labelled underneath."""
    count, height, width = images.shape
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns)
    label_px = max(12, height // 10)
    font = fonts.load_font(LABEL_FONT, label_px)
    cell_w, cell_h = width + GAP_PX, height + label_px + 2 * GAP_PX
    sheet = Image.new("L", (columns * cell_w + GAP_PX, rows * cell_h + GAP_PX), 255)
    draw = ImageDraw.Draw(sheet)
    for i in range(count):
        x, y = GAP_PX + (i % columns) * cell_w, GAP_PX + (i // columns) * cell_h
        sheet.paste(Image.fromarray(images[i]), (x, y))
        flag = bool(mirrored[i]) if mirrored is not None else False
        draw.text((x, y + height + 1), label_text(labels[i][0], labels[i][1], flag), font=font, fill=0)
    return sheet
