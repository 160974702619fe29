"""Fetching into the cache: the downloader against a local HTTP server, Keras's cache, checksums, corruption."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from ablab.data import fetch_dataset, load_dataset
from ablab.data.fetch import fetch_spec, read_cache
from ablab.data.sources import KerasCacheSource, MirrorSource, download_bytes, SourceFailed
from ablab.data.splits import load_spec
from ablab.errors import AblabError


def _mirror(base_url: str) -> MirrorSource:
    return MirrorSource(base_url, timeout_s=5)


def test_download_from_local_server_then_load(tmp_path, tiny, http_root):
    base_url, folder = http_root
    tiny.write_gz(folder / "good")
    messages: list[str] = []
    sources = [_mirror(base_url + "missing/"), _mirror(base_url + "good/")]
    report = fetch_spec(tiny.spec, cache_dir=tmp_path / "cache", log=messages.append, sources=sources)

    assert [(a.source, a.ok) for a in report.attempts] == [
        ("cache", False),
        (f"download {base_url}missing/", False),
        (f"download {base_url}good/", True),
    ]
    assert "HTTP 404" in report.attempts[1].detail
    assert report.source == f"download {base_url}good/" and not report.from_cache
    assert any(m.startswith("trying download") for m in messages) and any("SHA-256 ok" in m for m in messages)
    manifest = json.loads((tmp_path / "cache" / "tiny" / "manifest.json").read_text())
    assert manifest["source"] == report.source and manifest["fetched_at"]
    assert {n: r["sha256"] for n, r in manifest["files"].items()} == {f.name: f.sha256 for f in tiny.spec.files}

    splits = load_spec(tiny.spec, cache_dir=tmp_path / "cache")
    np.testing.assert_array_equal(splits.x_train, tiny.arrays["train_images"][:10])
    np.testing.assert_array_equal(splits.x_valid, tiny.arrays["train_images"][10:])
    np.testing.assert_array_equal(splits.y_test, tiny.arrays["test_labels"])
    assert splits.source == report.source


def test_wrong_hash_is_rejected_and_nothing_cached(tmp_path, tiny, http_root):
    base_url, folder = http_root
    tiny.write_gz(folder)
    bad_spec = replace(tiny.spec, gz_sha256={**tiny.spec.gz_sha256, "t10k-images-idx3-ubyte": "0" * 64})
    with pytest.raises(AblabError) as err:
        fetch_spec(bad_spec, cache_dir=tmp_path / "cache", sources=[_mirror(base_url)])
    assert "t10k-images-idx3-ubyte.gz: SHA-256 mismatch" in str(err.value)
    assert "could not fetch tiny" in str(err.value)
    assert not (tmp_path / "cache" / "tiny" / "manifest.json").exists()


def test_download_bytes_unreachable_fails_fast():
    with pytest.raises(SourceFailed, match="127.0.0.1:9"):
        download_bytes("http://127.0.0.1:9/x.gz", expected_sha256="0" * 64, timeout_s=2)


def test_gz_hash_right_but_content_not_official_is_rejected(tmp_path, tiny, http_root):
    base_url, folder = http_root
    tiny.write_gz(folder)
    files = tuple(replace(f, sha256="f" * 64) if f.role == "test_labels" else f for f in tiny.spec.files)
    with pytest.raises(AblabError, match="t10k-labels-idx1-ubyte SHA-256 .* is not the official"):
        fetch_spec(replace(tiny.spec, files=files), cache_dir=tmp_path / "c", sources=[_mirror(base_url)])


def test_keras_npz_is_reused(tmp_path, tiny, tiny_npz_spec):
    keras_dir = tmp_path / "keras"
    keras_dir.mkdir()
    np.savez(
        keras_dir / "mnist.npz",
        x_train=tiny.arrays["train_images"],
        y_train=tiny.arrays["train_labels"],
        x_test=tiny.arrays["test_images"],
        y_test=tiny.arrays["test_labels"],
    )
    report = fetch_spec(tiny_npz_spec, cache_dir=tmp_path / "cache", sources=[KerasCacheSource(keras_dir)])
    assert report.source == f"Keras cache {keras_dir}"
    assert read_cache(tiny_npz_spec, report.directory)[0].source == report.source


def test_keras_gz_files_are_reused(tmp_path, tiny):
    spec = replace(tiny.spec, keras_subdir="fashion-mnist")
    tiny.write_gz(tmp_path / "keras" / "fashion-mnist")
    report = fetch_spec(spec, cache_dir=tmp_path / "cache", keras_dir=tmp_path / "keras", sources=None)
    assert report.attempts[1].ok and report.source == f"Keras cache {tmp_path / 'keras'}"


def test_second_fetch_uses_cache(tmp_path, tiny, http_root):
    base_url, folder = http_root
    tiny.write_gz(folder)
    fetch_spec(tiny.spec, cache_dir=tmp_path, sources=[_mirror(base_url)])
    again = fetch_spec(tiny.spec, cache_dir=tmp_path, sources=[])
    assert again.from_cache and again.source == f"download {base_url}"


@pytest.fixture
def cached_tiny(tmp_path, tiny, http_root):
    """The tiny dataset fetched into tmp_path/cache; returns its directory."""
    base_url, folder = http_root
    tiny.write_gz(folder)
    return fetch_spec(tiny.spec, cache_dir=tmp_path / "cache", sources=[_mirror(base_url)]).directory


def _flip_byte(path, offset: int = -1) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def test_corrupted_cached_file_names_file_and_fix(tmp_path, tiny, cached_tiny):
    path = cached_tiny / "train-images-idx3-ubyte"
    _flip_byte(path, offset=1000)
    with pytest.raises(AblabError) as err:
        load_spec(tiny.spec, cache_dir=tmp_path / "cache")
    message = str(err.value)
    assert str(path) in message and "corrupted" in message
    assert f"delete {path} and run `ablab data fetch tiny`" in message


def test_truncated_cached_file_names_file(tmp_path, tiny, cached_tiny):
    path = cached_tiny / "t10k-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(AblabError, match=f"{path}: truncated or damaged cached file"):
        load_spec(tiny.spec, cache_dir=tmp_path / "cache")


def test_missing_cached_file_names_file(tmp_path, tiny, cached_tiny):
    (cached_tiny / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(AblabError, match="train-labels-idx1-ubyte: cannot read cached file"):
        load_spec(tiny.spec, cache_dir=tmp_path / "cache")


def test_fetch_repairs_a_corrupted_cache(tmp_path, tiny, cached_tiny, http_root):
    _flip_byte(cached_tiny / "train-images-idx3-ubyte")
    report = fetch_spec(tiny.spec, cache_dir=tmp_path / "cache", sources=[_mirror(http_root[0])])
    assert "unusable, fetching again" in report.attempts[0].detail and report.attempts[-1].ok
    load_spec(tiny.spec, cache_dir=tmp_path / "cache")  # verifies again


def test_memoized_load_is_read_only_and_revalidated(tmp_path, tiny, cached_tiny):
    first = load_spec(tiny.spec, cache_dir=tmp_path / "cache")
    assert load_spec(tiny.spec, cache_dir=tmp_path / "cache") is first
    for array in (first.x_train, first.y_train, first.x_valid, first.y_valid, first.x_test, first.y_test):
        assert not array.flags.writeable
    with pytest.raises(ValueError):
        first.x_train[0, 0, 0] = 1
    # Replace the file by a corrupted copy (a new inode: mtime alone can be too coarse to differ within ms).
    path = cached_tiny / "t10k-images-idx3-ubyte"
    copy = path.with_name("copy")
    copy.write_bytes(path.read_bytes()[:-1] + b"\x01")
    copy.replace(path)
    with pytest.raises(AblabError, match="t10k-images-idx3-ubyte: corrupted"):
        load_spec(tiny.spec, cache_dir=tmp_path / "cache")


def test_splits_sizes_dtypes_and_class_counts(tmp_path, tiny, cached_tiny):
    splits = load_spec(tiny.spec, cache_dir=tmp_path / "cache")
    assert splits.sizes() == {"train": 10, "valid": 2, "test": 4}
    assert splits.x_train.dtype == np.uint8 and splits.x_train.shape == (10, 28, 28)
    assert splits.y_train.dtype == np.int64
    counts = splits.class_counts()
    assert counts["train"].tolist() == [1] * 10
    assert counts["valid"].tolist() == [1, 1] + [0] * 8  # the last 2 of the official train: labels 0, 1
    assert counts["test"].tolist() == [0, 2, 0, 1, 1, 0, 0, 0, 0, 0]


def test_unknown_dataset_lists_known(tmp_path):
    with pytest.raises(AblabError, match="unknown dataset 'digits'; known: fashion-mnist, mnist"):
        load_dataset("digits", cache_dir=tmp_path)
    with pytest.raises(AblabError, match="known: fashion-mnist, mnist"):
        fetch_dataset("digits", cache_dir=tmp_path)
