"""Common-sense error: how far apart two clock readings are, the short way around the 12-hour dial.

The report's example: [11, 55] vs [0, 5] is 10 minutes, not 11 h 50 min. Every encoding is scored on decoded
[hour, minute] pairs with these functions, so the numbers are comparable across encodings.
"""

from __future__ import annotations

import numpy as np

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
