"""Common-sense error: how far apart two clock readings are, the short way around the 12-hour dial.

The report's example: [11, 55] vs [0, 5] is 10 minutes, not 11 h 50 min. Every encoding is scored on decoded
[hour, minute] pairs with these functions, so the numbers are comparable across encodings.

What a clock trial keeps for the report beyond its metrics (mistakes_npz): the common-sense error of every test
image as uint16 minutes (2 bytes an image: 300 bytes for the quick profile's 150 test images, 5 kB for the full
one's 2,400), enough for an error histogram pooled over seeds, and the `worst_count` worst test images as
thumbnails of at most `thumb_px` pixels with their true and read times (~25 kB compressed at 64 px). The report
reads only the store, so a trial packs this at trial time into one small npz artifact.
"""

from __future__ import annotations

import io

import numpy as np

from ablab.clock.data.images import resize_gray

DIAL_MIN = 720  # minutes around the 12-hour dial


def to_dial_minutes(labels) -> np.ndarray:
    """[..., 2] array of [hour 0–11 (12 allowed), minute] → minutes after 12:00 in [0, 720)."""
    labels = np.asarray(labels, dtype=np.float64)
    return np.mod(labels[..., 0] * 60.0 + labels[..., 1], DIAL_MIN)


def cse_minutes(true, pred) -> np.ndarray:
    """Shortest distance around the dial in minutes (0–360), elementwise over [..., 2] label arrays."""
    diff = np.abs(to_dial_minutes(true) - to_dial_minutes(pred))
    return np.minimum(diff, DIAL_MIN - diff)


def summarize(true, pred) -> dict:
    """The `evaluate --json` fields: n, mean/median common-sense error, share within ±1 and ±5 min, hour accuracy.

    Hour accuracy counts exact matches of the hour label (so 2:59 read as 3:00 is a wrong hour but a 1-minute error).
    """
    true = np.asarray(true)
    pred = np.asarray(pred)
    err = cse_minutes(true, pred)
    n = int(err.size)
    if n == 0:
        return {"n": 0, "mean_cse_min": None, "median_cse_min": None, "within_1min": None,
                "within_5min": None, "hour_accuracy": None}
    hour_ok = np.mod(np.asarray(true[..., 0], int), 12) == np.mod(np.asarray(pred[..., 0], int), 12)
    return {
        "n": n,
        "mean_cse_min": float(err.mean()),
        "median_cse_min": float(np.median(err)),
        "within_1min": float(np.mean(err <= 1.0)),
        "within_5min": float(np.mean(err <= 5.0)),
        "hour_accuracy": float(np.mean(hour_ok)),
    }

MISTAKES_ARTIFACT = "clock-errors"  # the artifact's name within a trial (the store prefixes the trial key)
WORST_COUNT = 12
THUMB_PX = 64


def worst_indices(errors_min: np.ndarray, count: int) -> np.ndarray:
    """Positions of the `count` largest errors, largest first (ties: the earlier image first)."""
    return np.argsort(-np.asarray(errors_min, np.float64), kind="stable")[:count]


def thumbnails(images: np.ndarray, thumb_px: int) -> np.ndarray:
    """uint8 (N, S, S) → (N, t, t) with t = min(S, thumb_px), downscaled with antialiasing when S > thumb_px."""
    images = np.asarray(images, np.uint8)
    side = min(images.shape[1], thumb_px) if images.ndim == 3 else thumb_px
    if len(images) == 0:
        return np.zeros((0, side, side), np.uint8)
    if images.shape[1] == side:
        return images.copy()
    return np.stack([resize_gray(image, side) for image in images])


def mistakes_npz(true, pred, images, *, worst_count: int = WORST_COUNT, thumb_px: int = THUMB_PX) -> bytes:
    """Labels true/pred (N, 2) and the images (N, S, S) they belong to → npz bytes (no pickles) holding
    errors_min uint16 (N,), worst_index (k,), worst_true / worst_pred int16 (k, 2), worst_images uint8 (k, t, t)."""
    true, pred = np.asarray(true), np.asarray(pred)
    errors_min = cse_minutes(true, pred)
    worst = worst_indices(errors_min, worst_count)
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        errors_min=np.rint(errors_min).astype(np.uint16),
        worst_index=worst.astype(np.int32),
        worst_true=true[worst].astype(np.int16),
        worst_pred=pred[worst].astype(np.int16),
        worst_images=thumbnails(np.asarray(images)[worst], thumb_px),
    )
    return buffer.getvalue()


def uncertain_threshold(confidence: np.ndarray, errors_min: np.ndarray, *, right_within_min: float = 1.0,
                        flag_right: float = 0.01) -> float:
    """The confidence below which a reading is called uncertain, chosen on validation readings: the `flag_right`
    quantile of the confidence of the readings within `right_within_min` of the truth, so that about 1% of right
    readings are flagged, whatever share of wrong ones that catches (a stable rule: a reader that is rarely wrong
    gives too few wrong readings to fit a threshold to them)."""
    right = np.asarray(confidence, np.float64)[np.asarray(errors_min) <= right_within_min]
    if right.size == 0:
        raise ValueError("no right reading in the validation set: the reader reads nothing, so no threshold")
    return float(np.quantile(right, flag_right))

