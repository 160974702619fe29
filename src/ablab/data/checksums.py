"""SHA-256 checksums and the per-dataset cache manifest (`<cache_dir>/<name>/manifest.json`).

The manifest records where the cached files came from and the SHA-256 and size of every file, so each load can
prove the bytes are the ones fetched (a flipped bit or a truncated copy is caught, named, and the fix given).
Hashing the ~55 MB of one dataset takes ~0.05 s here, so we simply hash on every load.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ablab.errors import AblabError

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, streamed (does not hold the file in memory)."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


@dataclass(frozen=True)
class FileRecord:
    """One cached file: its SHA-256 and size in bytes."""

    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class Manifest:
    """What a dataset's cache directory holds and where it came from."""

    dataset: str
    source: str
    fetched_at: str
    files: dict[str, FileRecord] = field(default_factory=dict)
    format: str = "idx"
    version: int = MANIFEST_VERSION

    @staticmethod
    def now_utc() -> str:
        """ISO-8601 UTC timestamp for `fetched_at`."""
        return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def manifest_path(dataset_dir: Path) -> Path:
    return Path(dataset_dir) / MANIFEST_NAME


def write_manifest(dataset_dir: Path, manifest: Manifest) -> Path:
    """Write the manifest atomically (temp file + rename), so a reader never sees half of it."""
    path = manifest_path(dataset_dir)
    text = json.dumps(asdict(manifest), indent=2, sort_keys=True) + "\n"
    atomic_write_bytes(path, text.encode())
    return path


def read_manifest(dataset_dir: Path, *, fix: str) -> Manifest | None:
    """The manifest of `dataset_dir`, or None when there is none. A damaged manifest is an error naming `fix`."""
    path = manifest_path(dataset_dir)
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text())
        files = {name: FileRecord(**record) for name, record in raw.pop("files").items()}
        return Manifest(files=files, **raw)
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        raise AblabError(f"{path}: damaged manifest ({err}); {fix}") from None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temp file in the same directory and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.chmod(tmp_name, 0o644)  # mkstemp makes 0600; cached data is meant to be shared
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def verify_bytes(path: Path, data: bytes, record: FileRecord, *, fix: str) -> None:
    """Check `data` (the content of `path`) against its manifest record; raise naming the file and `fix`."""
    if len(data) != record.size_bytes:
        raise AblabError(
            f"{path}: truncated or damaged cached file ({len(data)} bytes, expected {record.size_bytes}); {fix}"
        )
    actual = sha256_bytes(data)
    if actual != record.sha256:
        raise AblabError(
            f"{path}: corrupted cached file (SHA-256 {actual[:16]}…, expected {record.sha256[:16]}…); {fix}"
        )
