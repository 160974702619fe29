"""What the reader saw: the dial it found, where it put the 12, both hands and the reading, drawn over the picture.

`DialSeen` is what one read measured, returned by the one read path (ablab.clock.read.reader.Reader.read_seen) beside
the readings it printed, so a picture of it (`ablab clock read --explain DIR`) shows that read and no other. The dial
is stored as an ellipse (centre, semi-axes, the first axis's angle): the polar reader measures a circle (equal axes),
and a geometry that measures a dial seen at a slant (ablab.clock.read.ellipse) fills the same fields.

Coordinates are the reader's normalized units of the picture's square (ablab.clock.data.images.square_gray: x right,
y down, each in [−1, 1], 1 = half the square's side); directions are clockwise from image-up, in radians, as the
polar reader reads them (ablab.clock.read.polar).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ablab.clock.data.images import square_gray
from ablab.errors import AblabError

HANDS = ("minute", "hour", "twelve")  # the columns of DialSeen.angles_rad (polar.ANGLES)
# Where each line ends, as a share of the way from the centre to the dial's edge in its direction. The reader
# measures the hands' directions, not their lengths: the minute hand is drawn long and the hour hand short, as a
# clock draws them, and the 12 reaches the dial's edge.
LINE_REACH = {"minute": 0.85, "hour": 0.55, "twelve": 1.0}
COLOURS = {"dial": (0, 200, 255), "twelve": (255, 0, 255), "minute": (0, 220, 0), "hour": (255, 140, 0)}
LINE_PX = 3  # line width in the drawing
DISPLAY_PX = 450  # the drawing's longer side: a 150-px picture is drawn 3× so the lines do not hide it
TEXT_BAND_PX = 28  # a black band under the picture holds the reading
ELLIPSE_POINTS = 180


@dataclass(frozen=True)
class DialSeen:
    """What a read measured on N pictures (normalized units of each picture's square; module docstring)."""

    centre: np.ndarray  # (N, 2) the dial's centre
    axes: np.ndarray  # (N, 2) semi-axes along the ellipse's own first and second axis (equal: a circle)
    axis_rad: np.ndarray  # (N,) the first axis's angle from image-x, clockwise (y down)
    angles_rad: np.ndarray  # (N, 3) image directions of the minute hand, the hour hand and the 12 (HANDS)
    mirrored: np.ndarray  # (N,) bool: read as a mirror image

    @classmethod
    def circle(cls, centre, radius, angles_rad, mirrored) -> DialSeen:
        """A dial measured as a circle of `radius` (N,) around `centre` (N, 2)."""
        radius = np.asarray(radius, np.float64)
        return cls(np.asarray(centre, np.float64), np.stack([radius, radius], axis=-1), np.zeros(len(radius)),
                   np.asarray(angles_rad, np.float64), np.asarray(mirrored, bool))

    def __len__(self) -> int:
        return len(self.centre)

    def take(self, index) -> DialSeen:
        """The rows `index` (an index array or boolean mask)."""
        return DialSeen(self.centre[index], self.axes[index], self.axis_rad[index], self.angles_rad[index],
                        self.mirrored[index])

    def put(self, index, other: DialSeen) -> DialSeen:
        """A copy with rows `index` replaced by other's rows (in order)."""
        fields = [a.copy() for a in (self.centre, self.axes, self.axis_rad, self.angles_rad, self.mirrored)]
        for mine, theirs in zip(fields, (other.centre, other.axes, other.axis_rad, other.angles_rad, other.mirrored)):
            mine[index] = theirs
        return DialSeen(*fields)

    def uncropped(self, crop_centre: np.ndarray, crop_half: np.ndarray) -> DialSeen:
        """Measured on crops (axis-aligned squares around crop_centre (N, 2) reaching crop_half (N,), in the
        picture's normalized units: crop_frame) → the same dials in the picture's units. Directions do not change."""
        half = np.asarray(crop_half, np.float64)
        return DialSeen(np.asarray(crop_centre) + self.centre * half[:, None], self.axes * half[:, None],
                        self.axis_rad, self.angles_rad, self.mirrored)


def crop_frame(centre, half, side_px) -> tuple[np.ndarray, np.ndarray]:
    """Where ablab.clock.data.images.crop_gray(picture, centre, half, ·) really cuts N crops (centre (N, 2), half
    (N,), the pictures' squares side_px (N,) across): (centre (N, 2), half (N,)) in normalized units. crop_gray moves
    the square to stay inside the picture and keeps it at least 8 px wide; a dial read in a crop maps back through
    these (DialSeen.uncropped)."""
    side = np.asarray(side_px, np.float64).reshape(-1)
    half_px = np.minimum(side / 2, np.maximum(4.0, np.asarray(half, np.float64).reshape(-1) * side / 2))
    pixel = (np.asarray(centre, np.float64).reshape(-1, 2) + 1) / 2 * side[:, None]
    pixel = np.clip(pixel, half_px[:, None], (side - half_px)[:, None])
    return pixel / (side[:, None] / 2) - 1, half_px / (side / 2)


def ellipse_point(seen: DialSeen, i: int, direction_rad) -> np.ndarray:
    """The point(s) of dial i's ellipse in image direction(s) direction_rad (clockwise from image-up) from its
    centre: (..., 2) normalized units. On a circle: centre + radius · (sin φ, −cos φ)."""
    phi = np.asarray(direction_rad, np.float64)
    ray = np.stack([np.sin(phi), -np.cos(phi)], axis=-1)  # unit vectors, y down
    cos_t, sin_t = math.cos(seen.axis_rad[i]), math.sin(seen.axis_rad[i])
    along = ray @ np.array([[cos_t, -sin_t], [sin_t, cos_t]])  # in the ellipse's own axes
    scale = 1.0 / np.sqrt((along[..., 0] / seen.axes[i, 0]) ** 2 + (along[..., 1] / seen.axes[i, 1]) ** 2)
    return seen.centre[i] + ray * scale[..., None]


def explain_lines(seen: DialSeen, i: int, side_px: float) -> dict[str, np.ndarray]:
    """Dial i as pixel lines on its picture's square drawn side_px across: {"dial": (ELLIPSE_POINTS, 2) the
    ellipse's outline, and for each of HANDS a (2, 2) segment from the centre toward the dial's edge in its
    direction (LINE_REACH of the way)}. Pixel (x, y) with pixel centres at integers, as the polar strips sample."""
    def to_px(p: np.ndarray) -> np.ndarray:
        return (np.asarray(p) + 1) / 2 * side_px - 0.5

    outline = ellipse_point(seen, i, np.linspace(0, 2 * math.pi, ELLIPSE_POINTS, endpoint=False))
    lines = {"dial": to_px(outline)}
    centre = seen.centre[i]
    for k, name in enumerate(HANDS):
        edge = ellipse_point(seen, i, seen.angles_rad[i, k])
        lines[name] = to_px(np.stack([centre, centre + LINE_REACH[name] * (edge - centre)]))
    return lines


def reading_text(hhmm: str, confidence: float | None, uncertain: bool = False, mirrored: bool | None = None) -> str:
    """The line printed under the picture: the reading, its confidence, and the mirror side read."""
    parts = [hhmm]
    if confidence is not None:
        parts.append(f"confidence {confidence:.2f}")
    if uncertain:
        parts.append("uncertain")
    if mirrored:
        parts.append("mirrored")
    return "  ".join(parts)


def explain_png(picture: np.ndarray, seen: DialSeen | None, i: int, text: str) -> bytes:
    """One picture (H, W) gray, as read, with dial i of `seen` drawn over it (none: only the text) → PNG bytes.

    The picture is centred on its square (as the reader saw it), drawn DISPLAY_PX across, with the dial's ellipse,
    the 12 and both hands (COLOURS) and `text` in a band underneath."""
    from PIL import Image, ImageDraw

    square = square_gray(picture)
    canvas = Image.fromarray(square).convert("RGB").resize((DISPLAY_PX, DISPLAY_PX), Image.Resampling.LANCZOS)
    page = Image.new("RGB", (DISPLAY_PX, DISPLAY_PX + TEXT_BAND_PX), (0, 0, 0))
    page.paste(canvas, (0, 0))
    draw = ImageDraw.Draw(page)
    if seen is not None:
        lines = explain_lines(seen, i, DISPLAY_PX)
        draw.polygon([tuple(p) for p in lines["dial"]], outline=COLOURS["dial"], width=LINE_PX)
        for name in ("twelve", "hour", "minute"):  # the minute hand on top: the reading's minutes
            draw.line([tuple(p) for p in lines[name]], fill=COLOURS[name], width=LINE_PX)
        _dot(draw, lines["twelve"][1], COLOURS["twelve"])
    draw.text((6, DISPLAY_PX + 8), text, fill=(255, 255, 255))
    out = io.BytesIO()
    page.save(out, format="PNG")
    return out.getvalue()


def _dot(draw, centre_px: np.ndarray, colour: tuple[int, int, int], radius_px: float = 2.5 * LINE_PX) -> None:
    """A filled disc: where the reader put the 12."""
    x, y = centre_px
    draw.ellipse([x - radius_px, y - radius_px, x + radius_px, y + radius_px], fill=colour)


def write_explained(out_dir: Path, pictures: list[np.ndarray], readings: list) -> list[Path]:
    """One PNG per reading in out_dir (made if missing), named after its source file (a second of one name gets
    "-2", ...): the picture it read with what it read by (explain_png). readings are reader.Reading's, in the
    order of pictures. AblabError naming out_dir if it cannot be a folder."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise AblabError(f"--explain {out_dir}: a file of that name exists; give a folder for the pictures")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for picture, reading in zip(pictures, readings):
        seen = reading.seen
        text = reading_text(reading.hhmm, reading.confidence, reading.uncertain,
                            None if seen is None else bool(seen.mirrored[0]))
        path = _free_name(out_dir, Path(reading.source).stem, written)
        path.write_bytes(explain_png(picture, seen, 0, text))
        written.append(path)
    return written


def _free_name(out_dir: Path, stem: str, taken: list[Path]) -> Path:
    """out_dir/stem.png, or stem-2.png, stem-3.png, ... if this run already wrote that name."""
    path, k = out_dir / f"{stem}.png", 1
    while path in taken:
        k += 1
        path = out_dir / f"{stem}-{k}.png"
    return path
