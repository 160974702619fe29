"""Load a clock data set directory: the report's format (images.npy uint8 (N, H, W), labels.npy int (N, 2) =
[hour 0-11, minute 0-59]), as `ablab clock generate` writes it or as the original data set comes (just those two
files). Everything is validated, with errors naming the file and the problem. A set in memory is a ClockData
(generate.generate renders one); load splits it 80/10/10 by seed into ClockArrays of ClockParts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ablab.clock.data.landmarks import normalized_ellipse
from ablab.clock.data.parts import ClockArrays, ClockPart, Frame
from ablab.errors import AblabError

IMAGES_FILE = "images.npy"
LABELS_FILE = "labels.npy"
ROTATION_FILE = "rotation_deg.npy"
MIRRORED_FILE = "mirrored.npy"
LANDMARKS_FILE = "landmarks.npy"  # float32 (N, 7, 2): ablab.clock.data.landmarks.LANDMARKS per image
MIRROR_CUE_FILE = "mirror_cue.npy"  # bool (N,): the dial shows a mirror image as one (numerals, writing)
ELLIPSE_FILE = "ellipse.npy"  # float32 (N, 5): the dial's ellipse in pixels (ablab.clock.data.landmarks.style_ellipse)
META_FILE = "meta.json"
SHEET_FILE = "contact_sheet.png"
MIN_SAMPLES_TO_SPLIT = 10


@dataclass
class ClockData:
    """A clock data set, loaded from a directory (read_clock_dir) or rendered (generate.generate): images uint8
    (N, H, W), labels int64 (N, 2) = [hour 0-11, minute 0-59]; the camera per image (rotation_deg float64 (N,),
    mirrored bool (N,)), its landmarks float32 (N, 7, 2), mirror_cue bool (N,) and dial ellipse float32 (N, 5,
    image pixels) where known (generated sets have
    them, the original data set does not); meta.json's content ({} without one) and where it came from."""

    images: np.ndarray
    labels: np.ndarray
    rotation_deg: np.ndarray | None = None
    mirrored: np.ndarray | None = None
    landmarks: np.ndarray | None = None
    mirror_cue: np.ndarray | None = None
    ellipse: np.ndarray | None = None
    meta: dict = field(default_factory=dict)
    source: str = ""

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, index) -> ClockPart:
        """The images at `index` with their labels, and their camera and landmarks where the set has a camera."""
        frame = None
        if self.rotation_deg is not None and self.mirrored is not None:
            pick = lambda values: None if values is None else values[index]  # noqa: E731
            ellipse = None if self.ellipse is None else normalized_ellipse(self.ellipse[index], self.images.shape[2])
            frame = Frame(self.rotation_deg[index], self.mirrored[index], pick(self.landmarks), pick(self.mirror_cue),
                          ellipse)
        return ClockPart(self.images[index], self.labels[index], frame)

    def split(self, seed: int) -> ClockArrays:
        """Train/valid/test 80/10/10 at split_indices(len(self), seed)."""
        return ClockArrays(*(self.take(index) for index in split_indices(len(self), seed)))


def _load_npy(path: Path) -> np.ndarray:
    """np.load without pickles; a missing or unreadable file becomes an AblabError naming it."""
    if not path.is_file():
        raise AblabError(f"{path}: missing file; a clock directory needs {IMAGES_FILE} and {LABELS_FILE}")
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise AblabError(f"{path}: not a readable .npy array ({err})") from None


def check_images(images: np.ndarray, path: Path) -> np.ndarray:
    """Images must be uint8 (N, H, W) (or (N, H, W, 1), squeezed) with N >= 1."""
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or images.shape[0] < 1:
        raise AblabError(f"{path}: wrong shape {images.shape}; expected (N, height, width) grayscale images")
    if images.dtype != np.uint8:
        raise AblabError(f"{path}: wrong dtype {images.dtype}; expected uint8 pixels 0-255")
    return images


def check_labels(labels: np.ndarray, n_images: int, path: Path) -> np.ndarray:
    """Labels must be integers, shape (N, 2) with N = number of images, hour in 0-11 and minute in 0-59."""
    if labels.ndim != 2 or labels.shape[1] != 2:
        raise AblabError(f"{path}: wrong shape {labels.shape}; expected (N, 2) rows of [hour, minute]")
    if labels.shape[0] != n_images:
        raise AblabError(f"{path}: {labels.shape[0]} labels but {n_images} images in {IMAGES_FILE}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise AblabError(f"{path}: wrong dtype {labels.dtype}; expected integers (save with .astype(np.int64))")
    for column, name, top in ((0, "hour", 11), (1, "minute", 59)):
        bad = np.flatnonzero((labels[:, column] < 0) | (labels[:, column] > top))
        if bad.size:
            i = int(bad[0])
            raise AblabError(
                f"{path}: {bad.size} labels out of range, e.g. row {i} = {labels[i].tolist()}; "
                f"{name} must be 0-{top}" + (" (12 o'clock is 0)" if column == 0 else "")
            )
    return labels.astype(np.int64, copy=False)


def _optional(path: Path, shape: tuple, dtype_kind: str, what: str) -> np.ndarray | None:
    """A per-sample side array of `shape` (N, ...) if the file exists; shape and dtype kind ('f' float, 'b' bool)
    checked."""
    if not path.exists():
        return None
    values = _load_npy(path)
    if values.shape != shape:
        raise AblabError(f"{path}: wrong shape {values.shape}; expected {shape}, one {what} per image")
    if values.dtype.kind != dtype_kind:
        raise AblabError(f"{path}: wrong dtype {values.dtype}; expected {what} values")
    return values


def _read_meta(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except (ValueError, OSError) as err:
        raise AblabError(f"{path}: not valid JSON ({err})") from None


def read_clock_dir(directory: str | Path) -> ClockData:
    """Read and validate a clock directory (no splitting)."""
    root = Path(directory)
    if not root.is_dir():
        raise AblabError(f"{root}: not a directory; make one with `ablab clock generate --out {root}`")
    images = check_images(_load_npy(root / IMAGES_FILE), root / IMAGES_FILE)
    labels = check_labels(_load_npy(root / LABELS_FILE), len(images), root / LABELS_FILE)
    n = len(images)
    return ClockData(
        images=images,
        labels=labels,
        rotation_deg=_optional(root / ROTATION_FILE, (n,), "f", "rotation in degrees (float)"),
        mirrored=_optional(root / MIRRORED_FILE, (n,), "b", "mirror flag (bool)"),
        meta=_read_meta(root / META_FILE),
        source=str(root),
        landmarks=_optional(root / LANDMARKS_FILE, (n, 7, 2), "f", "set of 7 landmark points (float)"),
        mirror_cue=_optional(root / MIRROR_CUE_FILE, (n,), "b", "mirror cue (bool)"),
        ellipse=_optional(root / ELLIPSE_FILE, (n, 5), "f", "dial ellipse of 5 numbers (float)"),
    )


def load_arrays(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels in the report's format from two .npy files anywhere (`ablab clock evaluate --images`),
    checked as a directory's are: uint8 (N, H, W) and int64 (N, 2)."""
    images = check_images(_load_npy(Path(images_path)), Path(images_path))
    return images, check_labels(_load_npy(Path(labels_path)), len(images), Path(labels_path))


def split_indices(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train, valid, test) positions: a seeded permutation cut 80/10/10 (valid and test get n // 10 each)."""
    order = np.random.default_rng(seed).permutation(n)
    n_valid = n_test = n // 10
    return order[n_valid + n_test :], order[:n_valid], order[n_valid : n_valid + n_test]


def load(directory: str | Path, *, seed: int = 0) -> ClockArrays:
    """Load a clock directory and split it 80/10/10, deterministically by `seed`."""
    data = read_clock_dir(directory)
    if len(data) < MIN_SAMPLES_TO_SPLIT:
        raise AblabError(f"{Path(directory) / LABELS_FILE}: {len(data)} samples; "
                         f"need at least {MIN_SAMPLES_TO_SPLIT} to split")
    return data.split(seed)
