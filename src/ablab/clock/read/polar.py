"""Polar reading: unwrap the dial around its centre, and find the hands and the 12 as angles on the unwrapped strip.

Why: in a picture unwrapped around the clock's centre (rows = distance from the centre, columns = direction), a
rotation of the camera is a circular shift of the columns and nothing else: every numeral, mark and hand looks the
same at any rotation, only in another column. A network that is convolutional along the columns is therefore
rotation-equivariant by construction, and it no longer has to learn what a "12" looks like at every angle, which
is what the first-stage point reader failed at on the `varied` set (the wrong numeral taken for the 12 on ~9% of
dials, the mirror side wrong on ~12%). A mirror image is the strip read backwards. The hands become near-vertical
strokes in one column, so their directions come out to a fraction of a degree.

The strip (POLAR_ROWS, POLAR_COLS + 2·PAD_COLS): column a samples direction φ = 2π·(a − PAD_COLS + ½)/POLAR_COLS
(clockwise from image-up), so reversing the columns maps φ → −φ exactly; PAD_COLS columns repeat each end (the
circle's wrap), so the network's outputs in the middle POLAR_COLS are free of edge effects. Row b samples
distance (b + ½)/POLAR_ROWS · R from the centre, R the strip's reach (normalized image units).

The network outputs, for each of OUT_BINS directions (bin k centred on 2π(k + ½)/OUT_BINS), the logits of "the
minute hand / the hour hand / the 12 points here", one logit for "this dial is a mirror image", where the
true centre is from the one the strip was cut around (x right, y down, in OFFSET_UNITs of the strip's reach): a
centre that is off bends the strip's circles into sinusoids, which the network can measure; and how far the dial
reaches along the strip (`radius`: the dial's radius over the strip's reach, as rows from DIAL_ROWS), so that a
second cut can fit the strip to the dial and every dial is read at one scale. Targets
are wrapped Gaussians (σ = TARGET_SIGMA_BINS) under a cross-entropy loss; decoding takes the most likely bin and
the circular mean of the bins around it (sub-bin precision).
"""

from __future__ import annotations

import math

import numpy as np

from ablab.clock.data.landmarks import DIAL_RHO, LANDMARKS

POLAR_ROWS = 40
POLAR_COLS = 256
PAD_COLS = 32
STRIDE = 2  # the output's column stride
OUT_BINS = POLAR_COLS // STRIDE
TARGET_SIGMA_BINS = 1.0
DECODE_HALF_WINDOW = 3  # bins either side of the peak in the circular mean
AGREE_SIGMA_DEG = 24.0  # how far (dial degrees, 4 min) the minute hand may be from where the hour hand puts it
# separate_hands: hands decoded closer than SAME_STROKE_DEG may be one stroke read as both; the hour channel's second
# peak, SECOND_APART_DEG or more from its first and holding at least SECOND_MIN_MASS of window mass, is then the hour
# hand if it agrees with the minute hand. Chosen on validation draws (seed 1010): on light hands 33 of 86 wrong
# readings put both hands on one stroke; with the rule the six held-out families read 6.74 → 6.33 min mean
SAME_STROKE_DEG = 10.0
SECOND_APART_DEG = 20.0
SECOND_MIN_MASS = 0.2
ANGLES = ("minute", "hour", "twelve")  # the heatmap channels
POLAR_NET = "polar_reader"
OFFSET_UNIT = 1.0 / 75.0  # the offset head's unit, times the strip's reach: a pixel of a 150 px image at reach 1
DIAL_MARGIN = 1.1  # a strip fitted to its dial reaches this many dial radii (the rim and bezel included)
DIAL_ROWS = POLAR_ROWS / DIAL_MARGIN  # where a fitted strip's dial edge falls: the radius head's zero


def dial_radius(landmarks: np.ndarray) -> np.ndarray:
    """(N, 7, 2) landmarks (ablab.clock.data.landmarks.LANDMARKS) → (N,) the dial's radius in normalized image units:
    the mean distance of its four dial points from the centre over the fraction of the radius they sit at."""
    dial = landmarks[:, [LANDMARKS.index(k) for k in ("dial12", "dial3", "dial6", "dial9")]]
    centre = landmarks[:, LANDMARKS.index("centre")][:, None, :]
    return np.linalg.norm(dial - centre, axis=-1).mean(axis=1) / DIAL_RHO


def radius_rows(radius: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """The radius head's target: dial radius over strip reach, in rows from DIAL_ROWS (0 on a fitted strip)."""
    return radius / reach * POLAR_ROWS - DIAL_ROWS


def fitted_reach(reach: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The reach of a strip fitted to the dial (DIAL_MARGIN radii), from a strip of `reach` whose radius head said
    `rows` (radius_rows inverted)."""
    return DIAL_MARGIN * reach * (rows + DIAL_ROWS) / POLAR_ROWS


def strip_angles_rad() -> np.ndarray:
    """(POLAR_COLS + 2·PAD_COLS,) the direction each strip column samples, clockwise from image-up."""
    return 2 * math.pi * (np.arange(POLAR_COLS + 2 * PAD_COLS) - PAD_COLS + 0.5) / POLAR_COLS


def bin_angles_rad() -> np.ndarray:
    """(OUT_BINS,) the direction of each output bin's centre."""
    return 2 * math.pi * (np.arange(OUT_BINS) + 0.5) / OUT_BINS


def polar_strips(images: np.ndarray, centre: np.ndarray, radius: np.ndarray, *, chunk: int = 256) -> np.ndarray:
    """uint8 (N, S, S), centres (N, 2) and reaches (N,) in normalized image units (x, y in [−1, 1]) →
    uint8 (N, POLAR_ROWS, POLAR_COLS + 2·PAD_COLS), bilinear; outside the image reads the nearest edge pixel."""
    images = np.asarray(images, np.uint8)
    out = np.empty((len(images), POLAR_ROWS, POLAR_COLS + 2 * PAD_COLS), np.uint8)
    for start in range(0, len(images), chunk):
        stop = start + chunk
        out[start:stop] = _sample(images[start:stop], np.asarray(centre[start:stop], np.float64),
                                  np.asarray(radius[start:stop], np.float64))
    return out


def _sample(images: np.ndarray, centre: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """polar_strips on one chunk: (n, S, S) → (n, rows, cols), float math in image pixels."""
    n, size = images.shape[0], images.shape[1]
    phi = strip_angles_rad()
    rho = (np.arange(POLAR_ROWS) + 0.5) / POLAR_ROWS
    r_px = radius[:, None, None] * rho[None, :, None] * (size / 2)  # (n, rows, 1) pixels
    # pixel coordinates: normalized x ↦ (x + 1)/2·S − ½ (pixel centres at integers)
    cx = (centre[:, 0] + 1) / 2 * size - 0.5
    cy = (centre[:, 1] + 1) / 2 * size - 0.5
    x = np.clip(cx[:, None, None] + r_px * np.sin(phi), 0, size - 1.001)
    y = np.clip(cy[:, None, None] - r_px * np.cos(phi), 0, size - 1.001)
    x0, y0 = x.astype(np.int64), y.astype(np.int64)
    fx, fy = x - x0, y - y0
    flat = images.reshape(-1).astype(np.float32)
    # (n, rows, cols) index into all n images laid end to end: one flat gather is ~40% faster than indexing
    # (image, pixel) pairs (0.39 against 0.64 ms a strip, measured), and reads the same pixels
    base = y0 * size + x0 + (np.arange(n) * size * size)[:, None, None]
    top = flat[base] * (1 - fx) + flat[base + 1] * fx
    bottom = flat[base + size] * (1 - fx) + flat[base + size + 1] * fx
    return np.clip(top * (1 - fy) + bottom * fy + 0.5, 0, 255).astype(np.uint8)


def point_angles_rad(points: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """(N, P, 2) normalized points, (N, 2) centre → (N, P) directions clockwise from image-up (y points down)."""
    v = points - centre[:, None, :]
    return np.mod(np.arctan2(v[..., 0], -v[..., 1]), 2 * math.pi)


def angle_targets(angles_rad: np.ndarray) -> np.ndarray:
    """(N, C) directions → (N, OUT_BINS, C) float32 wrapped Gaussians over the output bins, each summing to 1."""
    d = bin_angles_rad()[None, :, None] - angles_rad[:, None, :]
    d_bins = (np.mod(d + math.pi, 2 * math.pi) - math.pi) * OUT_BINS / (2 * math.pi)
    g = np.exp(-0.5 * (d_bins / TARGET_SIGMA_BINS) ** 2)
    return (g / g.sum(axis=1, keepdims=True)).astype(np.float32)


def upright_prior(share: float, sigma_deg: float) -> np.ndarray:
    """(OUT_BINS,) prior weights of the 12's image direction, mean 1: a share of clocks hang upright (a wrapped
    normal of σ sigma_deg around image-up) and the rest turn freely (uniform). Multiplying the 12's probabilities
    by it changes nothing where the dial shows its 12 (one sharp peak), and picks the upright one of the dial's
    look-alike positions where it does not (a ticks-only dial: a peak at every hour)."""
    turn = np.mod(bin_angles_rad() + math.pi, 2 * math.pi) - math.pi  # (OUT_BINS,) radians from image-up
    upright = np.exp(-0.5 * (turn / math.radians(sigma_deg)) ** 2)
    return share * upright / upright.mean() + (1.0 - share)


def twelve_agreement(minute_rad: np.ndarray, hour_rad: np.ndarray, *, sigma_deg: float = AGREE_SIGMA_DEG) -> np.ndarray:
    """(N,) image directions of the minute and hour hands → (N, OUT_BINS) how well a 12 in each bin agrees with
    them, in (0, 1].

    The hour hand's place within its hour gives the minute: 12·(φh − φ12) ≡ φm − φ12 (mod 2π), so
    11·φ12 ≡ 12·φh − φm, mirrored or not. Eleven directions of the 12 fit exactly (32.7° apart); a bin off them
    by δ puts the minute hand 11·δ (dial degrees) from where the hour hand says, weighted as a normal of
    σ sigma_deg, as agreeing_minute weighs it."""
    gap = 12.0 * np.asarray(hour_rad)[:, None] - np.asarray(minute_rad)[:, None] - 11.0 * bin_angles_rad()[None, :]
    gap_deg = np.degrees(np.mod(gap + math.pi, 2 * math.pi) - math.pi)
    return np.exp(-0.5 * (gap_deg / sigma_deg) ** 2)


def choose_twelve(twelve_probs: np.ndarray, prior: np.ndarray, minute_rad: np.ndarray, hour_rad: np.ndarray,
                  mass_prior: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(N, OUT_BINS) probabilities of the 12's direction, (OUT_BINS,) prior weights, the hands' (N,) directions →
    (direction (N,) rad, mass (N,)) of the 12: the bin where probabilities × prior × twelve_agreement peak,
    refined on probabilities × prior alone (renormalized; its mass theirs). The agreement only chooses the peak:
    as sharp as the hands are precise, it would pull the 12 off its numeral (0.33 → 0.40 min on `varied`).
    mass_prior, when given, weighs the mass instead of prior (the direction is still prior's): a confidence
    stated under another prior than the one that chose."""
    weighted = _normalized(twelve_probs * prior)
    peak = (weighted * twelve_agreement(minute_rad, hour_rad)).argmax(axis=1)
    angle, mass = _refine(weighted[:, :, None], peak[:, None])
    if mass_prior is not None:
        _, mass = _refine(_normalized(twelve_probs * mass_prior)[:, :, None], peak[:, None])
    return angle[:, 0], mass[:, 0]


def _normalized(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum(axis=1, keepdims=True)


def decode_angles(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, OUT_BINS, C) per-bin probabilities → (directions (N, C) rad, peak mass (N, C) in [0, 1]): the circular
    mean of the DECODE_HALF_WINDOW bins around the most likely one, and how much probability they hold."""
    return _refine(probs, probs.argmax(axis=1))


def _refine(probs: np.ndarray, peak: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """decode_angles around given peak bins (N, C)."""
    k = probs.shape[1]
    offsets = np.arange(-DECODE_HALF_WINDOW, DECODE_HALF_WINDOW + 1)
    idx = np.mod(peak[:, None, :] + offsets[None, :, None], k)  # (N, W, C)
    w = np.take_along_axis(probs, idx, axis=1)
    theta = bin_angles_rad()[idx]
    angle = np.arctan2((w * np.sin(theta)).sum(1), (w * np.cos(theta)).sum(1))
    return np.mod(angle, 2 * math.pi), w.sum(axis=1)


def turn_strips(strips: np.ndarray, columns: int) -> np.ndarray:
    """Strips (N, rows, cols) as if the picture were turned clockwise by `columns` strip columns (columns·2π /
    POLAR_COLS): the circle's columns shifted and the wrap padding made again. A net's outputs for a turn by a
    multiple of STRIDE are its outputs for the unturned strip, shifted by columns / STRIDE bins, up to its
    sampling grid: averaging a few such views averages out the grid."""
    if columns % POLAR_COLS == 0:
        return strips
    circle = np.roll(strips[:, :, PAD_COLS : PAD_COLS + POLAR_COLS], columns, axis=2)
    return np.concatenate([circle[:, :, -PAD_COLS:], circle, circle[:, :, :PAD_COLS]], axis=2)


def dial_deg(image_rad, twelve_rad, mirrored) -> np.ndarray:
    """Image directions (N,) or (N, K) → dial angles in degrees [0, 360), clockwise from the 12 as the clock's own
    face reads: s·(φ − φ12), s = −1 in a mirror image. twelve_rad and mirrored are (N,)."""
    image_rad = np.asarray(image_rad, np.float64)
    extra = (None,) * (image_rad.ndim - 1)  # broadcast (N,) against (N, K)
    sign = np.where(np.asarray(mirrored, bool), -1.0, 1.0)[(slice(None), *extra)]
    return np.mod(np.degrees(sign * (image_rad - np.asarray(twelve_rad)[(slice(None), *extra)])), 360.0)


def agreeing_minute(minute_probs: np.ndarray, hour_rad, twelve_rad, mirrored, *,
                    sigma_deg: float = AGREE_SIGMA_DEG) -> np.ndarray:
    """(N, OUT_BINS) minute-hand probabilities and the hour hand's and the 12's directions → (N,) the minute hand's
    direction (rad), taken at the peak that best agrees with the hour hand.

    Why: the hour hand's place within its hour says the minute too (½° a minute, so its 0.5° precision is ±1 min),
    but nothing about the 12 or the mirror. Where the minute heatmap has two peaks (another stroke taken for the
    minute hand), the window mass of each bin is weighted by a Gaussian (σ sigma_deg on the dial) around the
    minute hand's place that the hour hand implies; the peak is then refined as decode_angles does."""
    implied_deg = 12.0 * np.mod(dial_deg(hour_rad, twelve_rad, mirrored), 30.0)  # the minute hand's dial angle
    bin_dial_deg = dial_deg(np.broadcast_to(bin_angles_rad(), minute_probs.shape), twelve_rad, mirrored)
    gap_deg = _gap_deg(bin_dial_deg, implied_deg[:, None])
    window = _window_mass(minute_probs)
    peak = (window * np.exp(-0.5 * (gap_deg / sigma_deg) ** 2)).argmax(axis=1)
    return _refine(minute_probs[:, :, None], peak[:, None])[0][:, 0]


def separate_hands(hour_probs: np.ndarray, minute_rad, hour_rad, hour_mass, twelve_rad, mirrored) -> tuple:
    """(N, OUT_BINS) hour-hand probabilities, the decoded minute and hour directions (N,) rad, the hour peak's
    mass (N,), the 12's directions and mirror flags → (hour direction (N,) rad, its mass (N,)).

    Why: a faint or unfamiliar hand is often not seen at all, and the one stroke that is seen is taken for both
    hands (a reading such as 9:48 where the clock says 1:48). Where the two hands are decoded on one stroke
    (< SAME_STROKE_DEG apart) but the hour channel holds a second peak (≥ SECOND_MIN_MASS of window mass, at least
    SECOND_APART_DEG away) whose place within its hour agrees with the minute hand (within AGREE_SIGMA_DEG, as in
    agreeing_minute), that peak is the hour hand; its smaller mass then lowers the reading's confidence. Hands that
    truly overlap leave no such second peak. Measured on validation draws (seed 1010, as `read` reads): light hands
    31.2 → 30.2 min mean, the six held-out families 6.74 → 6.33, `varied` 2.65 → 2.59 (docs/clock_reader.md)."""
    bins_deg = np.degrees(bin_angles_rad())
    window = _window_mass(hour_probs)
    far = _gap_deg(bins_deg[None, :], np.degrees(hour_rad)[:, None]) >= SECOND_APART_DEG
    second = np.where(far, window, 0.0).argmax(axis=1)
    second_rad, second_mass = (v[:, 0] for v in _refine(hour_probs[:, :, None], second[:, None]))
    implied_deg = 12.0 * np.mod(dial_deg(second_rad, twelve_rad, mirrored), 30.0)
    agrees = _gap_deg(implied_deg, dial_deg(minute_rad, twelve_rad, mirrored)) <= AGREE_SIGMA_DEG
    move = (_gap_deg(np.degrees(minute_rad), np.degrees(hour_rad)) < SAME_STROKE_DEG) & agrees
    move &= second_mass >= SECOND_MIN_MASS
    return np.where(move, second_rad, hour_rad), np.where(move, second_mass, hour_mass)


def _window_mass(probs: np.ndarray) -> np.ndarray:
    """(N, OUT_BINS) probabilities → (N, OUT_BINS) the mass of the DECODE_HALF_WINDOW bins around each bin."""
    return sum(np.roll(probs, k, axis=1) for k in range(-DECODE_HALF_WINDOW, DECODE_HALF_WINDOW + 1))


def _gap_deg(a_deg, b_deg) -> np.ndarray:
    """The circular distance between angles in degrees, in [0, 180]."""
    return np.abs(np.mod(np.asarray(a_deg) - np.asarray(b_deg) + 180.0, 360.0) - 180.0)


def time_from_angles(minute_rad, hour_rad, twelve_rad, mirrored) -> np.ndarray:
    """Image directions of both hands and the 12, and mirror flags → int (N, 2) [hour 0–11, minute 0–59].

    The dial angle of a hand is s·(φ − φ12), s = −1 in a mirror image; the minute comes from the minute hand
    (rounded), the hour from where the hour hand is once the minute's share (½° a minute) is taken off."""
    minute = np.round(dial_deg(minute_rad, twelve_rad, mirrored) / 6.0).astype(np.int64) % 60
    hour = np.round((dial_deg(hour_rad, twelve_rad, mirrored) - minute * 0.5) / 30.0).astype(np.int64) % 12
    return np.stack([hour, minute], axis=-1)
