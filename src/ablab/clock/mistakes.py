"""What a clock trial keeps for the report beyond its metrics: each test image's error and its worst readings.

The report reads only the store, so a trial packs this at trial time into one small npz artifact: the common-sense
error of every test image as uint16 minutes (2 bytes an image: 300 bytes for the quick profile's 150 test images,
5 kB for the full one's 2,400), enough for an error histogram pooled over seeds, and the `worst_count` worst test
images as thumbnails of at most `thumb_px` pixels with their true and read times (~25 kB compressed at 64 px).
"""

from __future__ import annotations

import io

import numpy as np

from ablab.clock.metrics import cse_minutes

MISTAKES_ARTIFACT = "clock-errors"  # the artifact's name within a trial (the store prefixes the trial key)
WORST_COUNT = 12
THUMB_PX = 64


def worst_indices(errors_min: np.ndarray, count: int) -> np.ndarray:
    """Positions of the `count` largest errors, largest first (ties: the earlier image first)."""
    return np.argsort(-np.asarray(errors_min, np.float64), kind="stable")[:count]


def thumbnails(images: np.ndarray, thumb_px: int) -> np.ndarray:
    """uint8 (N, S, S) → (N, t, t) with t = min(S, thumb_px), downscaled with antialiasing when S > thumb_px."""
    from ablab.clock.pipeline import resize_gray

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
