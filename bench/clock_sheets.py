"""Contact sheets of the renderer for the docs: the report's photographs beside `photo-floor` renders of the same
times (docs/images/photo_contact_sheet.png), and a row of clocks per held-out family
(docs/images/held_out_families.png).

The reference photographs are only shown, never measured: the renders are drawn by the preset at the references'
labels, with fixed design seeds, so the sheet shows what the renderer draws, not a fit to those pixels.

    .venv/bin/python bench/clock_sheets.py [--reference ../shared/reference/report-photos] [--out docs/images]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
CELL_PX = 150
GAP_PX = 4
LABEL_PX = 120  # room on the left for a row's name


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=REPO.parent / "shared/reference/report-photos")
    parser.add_argument("--out", type=Path, default=REPO / "docs/images")
    parser.add_argument("--per-family", type=int, default=8)
    return parser.parse_args()


def render_at(preset: str, times: list[tuple[int, int]], seed: int) -> list[np.ndarray]:
    """One clock of `preset` per (hour, minute), the k-th with style seed (seed, k)."""
    from ablab.clock.draw.render import render_clock
    from ablab.clock.draw.presets import sample_style

    images = []
    for k, (hour, minute) in enumerate(times):
        style = sample_style(preset, np.random.default_rng([seed, k]))
        images.append(render_clock(hour, minute, style=style))
    return images


def grid(rows: list[tuple[str, list[np.ndarray]]]) -> Image.Image:
    """A white sheet: one named row of 150-px images each."""
    from ablab.clock.draw import fonts

    columns = max(len(images) for _, images in rows)
    step = CELL_PX + GAP_PX
    sheet = Image.new("L", (LABEL_PX + columns * step + GAP_PX, len(rows) * step + GAP_PX), 255)
    draw = ImageDraw.Draw(sheet)
    font = fonts.load_font("liberation-sans", 15)
    for r, (name, images) in enumerate(rows):
        y = GAP_PX + r * step
        draw.multiline_text((6, y + CELL_PX // 2 - 10), name.replace(" ", "\n", 1), font=font, fill=0)
        for c, image in enumerate(images):
            sheet.paste(Image.fromarray(image).convert("L").resize((CELL_PX, CELL_PX)), (LABEL_PX + c * step, y))
    return sheet


def photo_sheet(reference: Path) -> Image.Image:
    """The 8 reference photographs (first row) and photo-floor renders at their times (two rows, two seeds)."""
    labels = json.loads((reference / "labels.json").read_text())
    names = sorted(labels)
    photos = [np.asarray(Image.open(reference / name).convert("L")) for name in names]
    times = [tuple(labels[name]) for name in names]
    return grid([("report photos", photos), ("photo-floor seed 1", render_at("photo-floor", times, 1)),
                 ("photo-floor seed 2", render_at("photo-floor", times, 2))])


def family_sheet(per_family: int) -> Image.Image:
    """A row per held-out family, at times spread over the half day."""
    from ablab.clock.draw.held_out import HELD_OUT_FAMILIES

    times = [((5 * k + 1) % 12, (37 * k + 8) % 60) for k in range(per_family)]
    return grid([(name, render_at(name, times, 3)) for name in HELD_OUT_FAMILIES])


def main() -> None:
    args = parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    photo_sheet(args.reference).save(args.out / "photo_contact_sheet.png", optimize=True)
    family_sheet(args.per_family).save(args.out / "held_out_families.png", optimize=True)
    print(f"wrote {args.out / 'photo_contact_sheet.png'} and {args.out / 'held_out_families.png'}")


if __name__ == "__main__":
    main()
