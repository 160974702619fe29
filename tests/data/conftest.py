"""Fixtures for ablab.data tests: a tiny IDX dataset made on the fly, its spec, and a local HTTP server."""

from __future__ import annotations

import functools
import gzip
import http.server
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest

from ablab.data import clear_memo
from ablab.data.checksums import sha256_bytes
from ablab.data.idx import encode_idx
from ablab.data.registry import DatasetSpec, IdxFile

N_TRAIN, N_VALID, N_TEST = 12, 2, 4
FILE_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
ROLES = ("train_images", "train_labels", "test_images", "test_labels")


@dataclass(frozen=True)
class TinyData:
    """A tiny (Fashion-)MNIST look-alike: arrays, their raw IDX bytes, gzipped bytes, and a spec naming them."""

    arrays: dict[str, np.ndarray]  # role -> array
    raw: dict[str, bytes]  # file name -> raw IDX bytes
    gz: dict[str, bytes]  # file name -> gzipped IDX bytes
    spec: DatasetSpec

    def write_gz(self, folder: Path) -> Path:
        """Write `<file>.gz` for each file into `folder` (what a mirror or Keras's cache holds)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.gz.items():
            (folder / f"{name}.gz").write_bytes(data)
        return folder


def make_tiny_data(seed: int = 0, name: str = "tiny") -> TinyData:
    rng = np.random.default_rng(seed)
    arrays = {
        "train_images": rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
        "train_labels": (np.arange(N_TRAIN) % 10).astype(np.uint8),
        "test_images": rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
        "test_labels": np.array([3, 1, 4, 1], dtype=np.uint8),
    }
    raw = {name_: encode_idx(arrays[role]) for name_, role in zip(FILE_NAMES, ROLES)}
    gz = {name_: gzip.compress(data, mtime=0) for name_, data in raw.items()}
    files = tuple(
        IdxFile(role, name_, arrays[role].shape, sha256_bytes(raw[name_])) for name_, role in zip(FILE_NAMES, ROLES)
    )
    spec = DatasetSpec(
        name=name,
        title="tiny test dataset",
        files=files,
        n_valid=N_VALID,
        gz_sha256={name_: sha256_bytes(data) for name_, data in gz.items()},
    )
    return TinyData(arrays, raw, gz, spec)


@pytest.fixture
def tiny() -> TinyData:
    return make_tiny_data()


@pytest.fixture
def tiny_npz_spec(tiny) -> DatasetSpec:
    """The tiny spec, found in Keras's dir as `mnist.npz` (like MNIST)."""
    return replace(tiny.spec, keras_npz="mnist.npz")


@pytest.fixture(autouse=True)
def _fresh_memo():
    """Memoized loads must not leak between tests (each uses its own tmp cache, but be explicit)."""
    clear_memo()
    yield
    clear_memo()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """urllib honours *_proxy variables; local test servers must be reached directly."""
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - keep test output clean
        pass


@pytest.fixture
def http_root(tmp_path) -> tuple[str, Path]:
    """A threaded HTTP server on 127.0.0.1 (free port) serving a fresh folder: (base URL, folder)."""
    folder = tmp_path / "www"
    folder.mkdir()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
