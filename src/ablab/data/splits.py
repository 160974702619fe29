"""`load_dataset`: the report's splits (train 55,000 / valid 5,000 / test 10,000) from the verified cache.

Valid is the *last* `n_valid` images of the official train set, train the ones before (Géron's split, used by
the report). Arrays are read-only: studies load a dataset once per process and share it across trials, so
nobody may modify it in place. Loads are memoized per (name, cache dir) and revalidated when a cached file
changes on disk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ablab.data.fetch import dataset_dir, fetch_spec, read_cache
from ablab.data.registry import DatasetSpec, get_spec
from ablab.data.sources import Log

SPLITS = ("train", "valid", "test")


@dataclass(frozen=True, eq=False)
class Splits:
    """A dataset split as in the report. Images uint8 (N, 28, 28); labels int64 (N,); all read-only."""

    name: str
    source: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int = 10

    def split(self, which: str) -> tuple[np.ndarray, np.ndarray]:
        """(images, labels) of "train", "valid" or "test"."""
        if which not in SPLITS:
            raise ValueError(f"unknown split {which!r}; known: {', '.join(SPLITS)}")
        return getattr(self, f"x_{which}"), getattr(self, f"y_{which}")

    def sizes(self) -> dict[str, int]:
        """split -> number of examples."""
        return {which: len(self.split(which)[1]) for which in SPLITS}

    def class_counts(self) -> dict[str, np.ndarray]:
        """split -> examples per class (int64 array of length n_classes)."""
        return {which: np.bincount(self.split(which)[1], minlength=self.n_classes) for which in SPLITS}


def make_splits(spec: DatasetSpec, arrays: dict[str, np.ndarray], *, source: str) -> Splits:
    """Cut the official train set into train + the last `spec.n_valid` as valid; labels become int64."""
    x_full, y_full = arrays["train_images"], _labels(arrays["train_labels"])
    n_train = len(y_full) - spec.n_valid
    return Splits(
        name=spec.name,
        source=source,
        x_train=_read_only(x_full[:n_train]),
        y_train=y_full[:n_train],
        x_valid=_read_only(x_full[n_train:]),
        y_valid=y_full[n_train:],
        x_test=_read_only(arrays["test_images"]),
        y_test=_labels(arrays["test_labels"]),
        n_classes=spec.n_classes,
    )


def _labels(array: np.ndarray) -> np.ndarray:
    return _read_only(array.astype(np.int64))


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


# (name, resolved dataset dir) -> (stat signature of the cached files, Splits)
_MEMO: dict[tuple[str, str], tuple[tuple, Splits]] = {}


def clear_memo() -> None:
    """Forget memoized loads (tests; or after deliberately replacing cached files)."""
    _MEMO.clear()


def _signature(spec: DatasetSpec, directory: Path) -> tuple:
    """(size, mtime) of the manifest and every file: a cheap test that the cache is unchanged since loading."""
    names = ["manifest.json", *(f.name for f in spec.files)]
    stats = []
    for name in names:
        try:
            st = os.stat(directory / name)
            stats.append((name, st.st_size, st.st_mtime_ns, st.st_ino))
        except OSError:
            stats.append((name, None, None, None))
    return tuple(stats)


def load_spec(
    spec: DatasetSpec, *, cache_dir: Path | None = None, log: Log | None = None, keras_dir: Path | None = None
) -> Splits:
    """Load `spec` from the cache, fetching first when nothing is cached. Corrupted files raise AblabError."""
    directory = dataset_dir(spec, cache_dir)
    key = (spec.name, str(directory.resolve()))
    signature = _signature(spec, directory)
    memo = _MEMO.get(key)
    if memo is not None and memo[0] == signature:
        return memo[1]
    manifest, arrays = read_cache(spec, directory)
    if manifest is None:
        fetch_spec(spec, cache_dir=cache_dir, log=log, keras_dir=keras_dir)
        manifest, arrays = read_cache(spec, directory)
        signature = _signature(spec, directory)
    splits = make_splits(spec, arrays, source=manifest.source)
    _MEMO[key] = (signature, splits)
    return splits


def load_dataset(
    name: str, *, cache_dir: Path | None = None, log: Log | None = None, keras_dir: Path | None = None
) -> Splits:
    """The report's splits of dataset `name` (see DATASETS), from `cache_dir` (default ~/.cache/ablab/datasets).

    Fetches the dataset first when the cache is empty (each source tried is reported through `log`).
    """
    return load_spec(get_spec(name), cache_dir=cache_dir, log=log, keras_dir=keras_dir)
