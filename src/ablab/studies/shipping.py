"""Datasets to Ray workers on other nodes, through Ray's object store instead of a download per node.

The driver packs a dataset's cache folder (`<cache>/<name>/`: the four checksummed IDX files and manifest.json,
~55 MB) once; `ray.put` stores it; each task gets the reference wrapped in a list (so Ray fetches nothing by
itself). A worker whose node already has `<cache>/<name>/manifest.json` does nothing; otherwise it fetches the
pack (Ray moves it to the node once, whichever task asks first) and writes the folder atomically (a temporary
folder renamed into place), so concurrent workers on one node never see half a dataset. load_dataset then checks
every file's SHA-256 as usual, so a shipped dataset is held to the same standard as a downloaded one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MANIFEST = "manifest.json"


def pack_dataset(cache_dir: Path, name: str) -> dict[str, bytes] | None:
    """{file name: bytes} of the dataset's cache folder, or None when this machine has not cached it."""
    folder = Path(cache_dir) / name
    if not (folder / MANIFEST).is_file():
        return None
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def has_dataset(cache_dir: Path, name: str) -> bool:
    return (Path(cache_dir) / name / MANIFEST).is_file()


def unpack_dataset(ref, cache_dir: Path, name: str) -> bool:
    """Write the shipped dataset into `cache_dir/name` unless it is there already. True if it wrote it.

    `ref` is an object-store reference (fetched here, only when needed) or the packed dict itself.
    """
    if has_dataset(cache_dir, name):
        return False
    packed = ref if isinstance(ref, dict) else _fetch(ref)
    target = Path(cache_dir) / name
    staging = Path(cache_dir) / f".{name}.shipping-{os.getpid()}"
    staging.mkdir(parents=True, exist_ok=True)
    for file_name, data in packed.items():
        (staging / file_name).write_bytes(data)
    try:
        staging.rename(target)  # atomic; fails if another worker on this node got there first
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        return False
    return True


def _fetch(ref) -> dict[str, bytes]:
    import ray

    return ray.get(ref)
