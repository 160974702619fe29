"""Datasets (MNIST, Fashion-MNIST): sources, IDX reader, checksums, and the report's train/valid/test splits.

Public API:
- `load_dataset(name, *, cache_dir=None, log=None) -> Splits`: uint8 images (N, 28, 28), int64 labels,
  train 55,000 / valid 5,000 (last of the official train) / test 10,000, read-only, memoized per process.
- `fetch_dataset(name, *, cache_dir=None, log=None) -> FetchReport`: make sure the cache holds verified files.
- `DATASETS`: name -> DatasetSpec. Unknown names raise `ablab.errors.unknown_name`.
"""

from ablab.data.fetch import FetchReport, default_cache_dir, default_keras_dir, fetch_dataset, read_cache
from ablab.data.idx import read_idx, write_idx
from ablab.data.registry import DATASETS, DatasetSpec, get_spec
from ablab.data.splits import Splits, clear_memo, load_dataset

__all__ = [
    "DATASETS",
    "DatasetSpec",
    "FetchReport",
    "Splits",
    "clear_memo",
    "default_cache_dir",
    "default_keras_dir",
    "fetch_dataset",
    "get_spec",
    "load_dataset",
    "read_cache",
    "read_idx",
    "write_idx",
]
