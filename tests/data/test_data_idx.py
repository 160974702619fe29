"""The IDX reader and writer, on fixture files made here."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from ablab.data.idx import encode_idx, read_idx, write_idx
from ablab.errors import AblabError


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize(
    "array",
    [
        np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4),
        np.array([7, 2, 1, 0], dtype=np.uint8),
        np.array([[-5, 70000], [1, -2]], dtype=np.int32),
        np.array([0.5, -1.25], dtype=np.float32),
        np.array([[1e300]], dtype=np.float64),
        np.array([-3, 3], dtype=np.int16),
    ],
    ids=["u8-3d", "u8-1d", "i32", "f32", "f64", "i16"],
)
def test_round_trip(tmp_path, array, gz):
    path = write_idx(tmp_path / "a.idx", array, gz=gz)
    back = read_idx(path)
    assert back.dtype == array.dtype.newbyteorder("=") and back.shape == array.shape
    np.testing.assert_array_equal(back, array)
    assert path.read_bytes()[:2] == (b"\x1f\x8b" if gz else b"\x00\x00")


def test_header_is_big_endian_with_dtype_code_and_dims():
    data = encode_idx(np.zeros((60000, 28, 28), dtype=np.uint8)[:2])
    assert data[:16] == bytes.fromhex("00000803" "00000002" "0000001c" "0000001c")
    assert encode_idx(np.array([1], dtype=np.int32))[:8] == bytes.fromhex("00000c01" "00000001")
    assert encode_idx(np.array([258], dtype=np.int32))[8:] == b"\x00\x00\x01\x02"


def test_uint8_read_is_read_only_view(tmp_path):
    array = read_idx(write_idx(tmp_path / "a", np.ones((2, 2), dtype=np.uint8)))
    assert not array.flags.writeable


def test_bad_magic_names_file(tmp_path):
    path = tmp_path / "bad-magic-idx"
    path.write_bytes(b"\x01\x00\x08\x01" + (3).to_bytes(4, "big") + b"abc")
    with pytest.raises(AblabError, match=r"bad-magic-idx.*bad magic"):
        read_idx(path)


def test_unknown_dtype_code(tmp_path):
    path = tmp_path / "code"
    path.write_bytes(b"\x00\x00\x07\x01" + (1).to_bytes(4, "big") + b"a")
    with pytest.raises(AblabError, match="unknown IDX dtype code 0x07"):
        read_idx(path)


@pytest.mark.parametrize("cut_bytes", [1, 100, 20])
def test_truncated_data_names_file(tmp_path, cut_bytes):
    data = encode_idx(np.zeros((3, 28, 28), dtype=np.uint8))
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(data[:-cut_bytes])
    with pytest.raises(AblabError, match=r"train-images-idx3-ubyte: truncated IDX file"):
        read_idx(path)


def test_truncated_header(tmp_path):
    path = tmp_path / "h"
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00")
    with pytest.raises(AblabError, match="truncated IDX header"):
        read_idx(path)
    path.write_bytes(b"\x00\x00")
    with pytest.raises(AblabError, match="truncated IDX file"):
        read_idx(path)


def test_trailing_bytes_rejected(tmp_path):
    path = tmp_path / "t"
    path.write_bytes(encode_idx(np.zeros(4, dtype=np.uint8)) + b"\x00")
    with pytest.raises(AblabError, match="1 unexpected trailing bytes"):
        read_idx(path)


def test_truncated_gzip_names_file(tmp_path):
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(encode_idx(np.arange(1000, dtype=np.uint8) % 10))[:-30])
    with pytest.raises(AblabError, match=r"labels\.gz: damaged gzip"):
        read_idx(path)


def test_missing_file_names_it(tmp_path):
    with pytest.raises(AblabError, match="nope"):
        read_idx(tmp_path / "nope")


def test_writer_refuses_int64():
    with pytest.raises(ValueError, match="IDX cannot store dtype int64"):
        encode_idx(np.array([1, 2], dtype=np.int64))
