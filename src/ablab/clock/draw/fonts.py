"""Fonts for clock numerals: a small registry of real TrueType fonts, and a cache of rendered glyph masks.

Why a cache: drawing text is the slowest primitive in Pillow (~60 µs a string), and a dial has up to 12 numerals;
pasting a cached mask costs ~5 µs. Each worker process fills its own cache (fonts are loaded once per process).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ablab.errors import AblabError, unknown_name

VENDORED_DIR = Path(__file__).with_name("fonts")

# name -> (where, file). "vendored": src/ablab/clock/draw/fonts/ (Liberation, GPL-2 + font exception);
# "matplotlib": matplotlib's mpl-data/fonts/ttf/ (DejaVu, STIX), a pinned dependency of ablab.
FONT_FILES: dict[str, tuple[str, str]] = {
    "liberation-sans": ("vendored", "LiberationSans-Regular.ttf"),
    "liberation-sans-bold": ("vendored", "LiberationSans-Bold.ttf"),
    "liberation-sans-narrow-bold": ("vendored", "LiberationSansNarrow-Bold.ttf"),
    "liberation-serif": ("vendored", "LiberationSerif-Regular.ttf"),
    "liberation-serif-bold": ("vendored", "LiberationSerif-Bold.ttf"),
    "liberation-mono": ("vendored", "LiberationMono-Regular.ttf"),
    "dejavu-sans-bold": ("matplotlib", "DejaVuSans-Bold.ttf"),
    "dejavu-serif": ("matplotlib", "DejaVuSerif.ttf"),
    "dejavu-sans-mono": ("matplotlib", "DejaVuSansMono.ttf"),
    "stix-general": ("matplotlib", "STIXGeneral.ttf"),
    # Computer Modern: a family `varied`'s own designs never draw (HELD_OUT_FONTS), for the `unseen-fonts` family
    "cm-roman": ("matplotlib", "cmr10.ttf"),
    "cm-bold": ("matplotlib", "cmb10.ttf"),
    "cm-sans": ("matplotlib", "cmss10.ttf"),
    "cm-typewriter": ("matplotlib", "cmtt10.ttf"),
}
HELD_OUT_FONTS = ("cm-roman", "cm-bold", "cm-sans", "cm-typewriter")
TRAINING_FONTS = tuple(name for name in FONT_FILES if name not in HELD_OUT_FONTS)  # what `varied` draws from

ARABIC = ("12", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11")
ROMAN = ("XII", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI")


def matplotlib_font_dir() -> Path | None:
    """matplotlib's bundled TrueType folder, found without importing matplotlib (slow to import)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    return folder if folder.is_dir() else None


def font_path(name: str) -> Path:
    """The .ttf file of a registered font; AblabError for unknown names or a missing file."""
    if name not in FONT_FILES:
        raise unknown_name("clock font", name, FONT_FILES)
    where, file = FONT_FILES[name]
    folder = VENDORED_DIR if where == "vendored" else matplotlib_font_dir()
    if folder is None or not (folder / file).is_file():
        raise AblabError(f"clock font {name!r}: file {file} not found (reinstall ablab and matplotlib)")
    return folder / file


@functools.lru_cache(maxsize=1024)
def load_font(name: str, size_px: int) -> ImageFont.FreeTypeFont:
    """A FreeType font at a pixel size, loaded once per process."""
    return ImageFont.truetype(str(font_path(name)), size_px)


@functools.lru_cache(maxsize=20_000)
def glyph_mask(font: str, size_px: int, text: str, angle_deg: float = 0.0) -> Image.Image:
    """Antialiased coverage mask ("L", 255 = ink) of `text`, cropped to its ink, rotated by angle_deg clockwise.

    Cropping to the ink box lets callers centre numerals optically (digits differ in side bearings).
    """
    face = load_font(font, size_px)
    left, top, right, bottom = face.getbbox(text)
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, font=face, fill=255)
    if angle_deg:
        mask = mask.rotate(-angle_deg, Image.Resampling.BILINEAR, expand=True)  # drawn at 2×: bilinear suffices
    return mask


@functools.lru_cache(maxsize=64)
def _digit_height_per_px(font: str) -> float:
    """Ink height of "0" per pixel of font size, measured at 100 px (fonts differ: ~0.70 to ~0.75)."""
    left, top, right, bottom = load_font(font, 100).getbbox("0")
    return (bottom - top) / 100.0


def font_px_for_height(font: str, height_px: float) -> int:
    """Font size (px) whose digits are about height_px tall, on a coarse grid (steps of ~10%) so that glyph masks
    are reused: every new (font, size) costs a font load and a text render per numeral."""
    size_px = height_px / _digit_height_per_px(font)
    step = max(1, round(size_px / 10))
    return max(4, step * round(size_px / step))


@functools.lru_cache(maxsize=256)
def widest_ratio(font: str, texts: tuple[str, ...]) -> float:
    """Largest ink width among `texts`, in digit heights (e.g. "10" ≈ 1.2 in a sans, "VIII" ≈ 2.5): how much room
    numerals need around the dial."""
    face = load_font(font, 100)
    widest = max(face.getbbox(text)[2] - face.getbbox(text)[0] for text in texts)
    return widest / 100.0 / _digit_height_per_px(font)
