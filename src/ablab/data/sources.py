"""Where dataset files come from: Keras's local cache and the official download URLs.

A source's `obtain(spec, log=...)` returns `{idx file name: raw IDX bytes}` for the four official files, or
raises `SourceFailed` saying why, so the fetcher can report it and try the next source. The registry packages
(Debian, PyPI) live in `ablab.data.packages`.
"""

from __future__ import annotations

import http.client
import io
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from ablab.data.checksums import sha256_bytes
from ablab.data.idx import decompress_if_gzip, encode_idx
from ablab.data.registry import DatasetSpec
from ablab.errors import AblabError

Log = Callable[[str], None]
CONNECT_TIMEOUT_S = 5.0  # no internet is the common case here: fail fast
MAX_DOWNLOAD_BYTES = 200_000_000  # far above any file we fetch; guards against a runaway response

# Keys of Keras's mnist.npz for each role.
NPZ_KEYS = {"train_images": "x_train", "train_labels": "y_train", "test_images": "x_test", "test_labels": "y_test"}


class SourceFailed(AblabError):
    """A source could not provide the files; the message says why (and, where there is one, the fix)."""


class Source(Protocol):
    """Anything that can produce a dataset's raw IDX files."""

    label: str

    def obtain(self, spec: DatasetSpec, *, log: Log) -> dict[str, bytes]: ...


def arrays_to_idx(spec: DatasetSpec, arrays: dict[str, np.ndarray]) -> dict[str, bytes]:
    """Encode role -> array (as Keras/pickles hold them) as the spec's IDX files. Labels become uint8."""
    files = {}
    for idx_file in spec.files:
        array = np.asarray(arrays[idx_file.role])
        if array.dtype != np.uint8:
            if array.size and (array.min() < 0 or array.max() > 255 or not np.all(array == np.round(array))):
                raise SourceFailed(f"{idx_file.role}: values are not integers in 0..255, cannot store as uint8")
            array = array.astype(np.uint8)
        files[idx_file.name] = encode_idx(array)
    return files


def download_bytes(url: str, *, expected_sha256: str, timeout_s: float = CONNECT_TIMEOUT_S) -> bytes:
    """GET `url` and return its body if its SHA-256 is `expected_sha256`.

    `timeout_s` bounds the connection and every read (a stalled transfer fails too, not only a dead host).
    """
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            data = response.read(MAX_DOWNLOAD_BYTES + 1)
    except urllib.error.HTTPError as err:
        raise SourceFailed(f"{url}: HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        raise SourceFailed(f"{url}: {err.reason}") from None
    except (OSError, http.client.HTTPException) as err:  # timeouts, resets, bad responses
        raise SourceFailed(f"{url}: {type(err).__name__}: {err}") from None
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise SourceFailed(f"{url}: response larger than {MAX_DOWNLOAD_BYTES} bytes")
    actual = sha256_bytes(data)
    if actual != expected_sha256:
        raise SourceFailed(f"{url}: SHA-256 mismatch (got {actual}, expected {expected_sha256})")
    return data


class MirrorSource:
    """The four official `<file>.gz` under one base URL, each checked against its recorded SHA-256."""

    def __init__(self, base_url: str, *, timeout_s: float = CONNECT_TIMEOUT_S):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout_s = timeout_s
        self.label = f"download {self.base_url}"

    def obtain(self, spec: DatasetSpec, *, log: Log) -> dict[str, bytes]:
        files = {}
        for idx_file in spec.files:
            expected = spec.gz_sha256.get(idx_file.name)
            if expected is None:
                raise SourceFailed(f"no SHA-256 recorded for {idx_file.name}.gz; refusing an unchecked download")
            url = f"{self.base_url}{idx_file.name}.gz"
            data = download_bytes(url, expected_sha256=expected, timeout_s=self.timeout_s)
            log(f"  got {url} ({len(data):,} bytes, SHA-256 ok)")
            files[idx_file.name] = decompress_if_gzip(data, source=url)
        return files


class NpzDownloadSource:
    """Keras's `mnist.npz` from its official URL, checked against its recorded SHA-256."""

    def __init__(self, url: str, sha256: str, *, timeout_s: float = CONNECT_TIMEOUT_S):
        self.url, self.sha256, self.timeout_s = url, sha256, timeout_s
        self.label = f"download {url}"

    def obtain(self, spec: DatasetSpec, *, log: Log) -> dict[str, bytes]:
        data = download_bytes(self.url, expected_sha256=self.sha256, timeout_s=self.timeout_s)
        log(f"  got {self.url} ({len(data):,} bytes, SHA-256 ok)")
        return arrays_to_idx(spec, read_npz(data, source=self.url))


def read_npz(data: bytes | Path, *, source: str) -> dict[str, np.ndarray]:
    """role -> array from a Keras-style npz (x_train, y_train, x_test, y_test), without pickles."""
    try:
        with np.load(io.BytesIO(data) if isinstance(data, bytes) else data, allow_pickle=False) as npz:
            return {role: npz[key] for role, key in NPZ_KEYS.items()}
    except (OSError, ValueError, KeyError) as err:
        raise SourceFailed(f"{source}: not a usable Keras npz ({err})") from None


class KerasCacheSource:
    """Files Keras already downloaded: `<keras_dir>/mnist.npz` or `<keras_dir>/fashion-mnist/<file>.gz`."""

    def __init__(self, keras_dir: Path):
        self.keras_dir = Path(keras_dir)
        self.label = f"Keras cache {self.keras_dir}"

    def obtain(self, spec: DatasetSpec, *, log: Log) -> dict[str, bytes]:
        if spec.keras_npz:
            path = self.keras_dir / spec.keras_npz
            if not path.is_file():
                raise SourceFailed(f"{path} not present")
            return arrays_to_idx(spec, read_npz(path, source=str(path)))
        if spec.keras_subdir:
            return self._read_gz_files(spec, self.keras_dir / spec.keras_subdir)
        raise SourceFailed(f"Keras has no copy of {spec.name}")

    def _read_gz_files(self, spec: DatasetSpec, folder: Path) -> dict[str, bytes]:
        paths = [folder / f"{f.name}.gz" for f in spec.files]
        missing = [p.name for p in paths if not p.is_file()]
        if missing:
            raise SourceFailed(f"{folder}: {', '.join(missing)} not present")
        return {f.name: decompress_if_gzip(p.read_bytes(), source=str(p)) for f, p in zip(spec.files, paths)}
