"""The IDX file format of MNIST and Fashion-MNIST: a tiny reader and writer, gzip or raw.

Layout (all big-endian): two zero bytes, a dtype code, the number of dimensions `ndim`, then `ndim` uint32
sizes, then the values in C order. We validate every length so a truncated or padded file is an error that
names the file instead of a reshape failure far away.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from ablab.errors import AblabError

# IDX dtype code -> numpy dtype (big-endian as stored on disk).
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_BY_KIND = {(dt.kind, dt.itemsize): code for code, dt in IDX_DTYPES.items()}
GZIP_MAGIC = b"\x1f\x8b"


def parse_idx(data: bytes, *, source: str) -> np.ndarray:
    """Decode raw IDX bytes into an array (a zero-copy, read-only view for uint8 data).

    `source` names the file in error messages.
    """
    code, dims = _parse_header(data, source=source)
    dtype = IDX_DTYPES[code]
    header_bytes = 4 + 4 * len(dims)
    expected_bytes = header_bytes + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) < expected_bytes:
        raise AblabError(
            f"{source}: truncated IDX file: dims {tuple(dims)} need {expected_bytes} bytes, file has {len(data)}"
        )
    if len(data) > expected_bytes:
        raise AblabError(
            f"{source}: IDX file has {len(data) - expected_bytes} unexpected trailing bytes after {tuple(dims)} data"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_bytes).reshape(dims)
    return array if dtype.itemsize == 1 else array.astype(dtype.newbyteorder("="))


def _parse_header(data: bytes, *, source: str) -> tuple[int, list[int]]:
    """Return (dtype code, dims) from an IDX header, or raise naming `source`."""
    if len(data) < 4:
        raise AblabError(f"{source}: truncated IDX file: {len(data)} bytes, the header alone needs 4")
    zero0, zero1, code, ndim = data[0], data[1], data[2], data[3]
    if zero0 != 0 or zero1 != 0:
        raise AblabError(f"{source}: not an IDX file (bad magic number 0x{data[:4].hex()})")
    if code not in IDX_DTYPES:
        raise AblabError(f"{source}: unknown IDX dtype code 0x{code:02x}")
    if ndim == 0:
        raise AblabError(f"{source}: IDX file declares 0 dimensions")
    if len(data) < 4 + 4 * ndim:
        raise AblabError(f"{source}: truncated IDX header: {ndim} dimensions need {4 + 4 * ndim} bytes")
    dims = list(struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim]))
    return code, dims


def decompress_if_gzip(data: bytes, *, source: str) -> bytes:
    """Return `data` gunzipped when it starts with the gzip magic, else unchanged."""
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError) as err:  # gzip raises BadGzipFile (OSError) or EOFError on truncation
        raise AblabError(f"{source}: damaged gzip file ({err})") from None


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file, gzip-compressed or raw (detected from the content, not the name)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise AblabError(f"{path}: cannot read ({err.strerror})") from None
    return parse_idx(decompress_if_gzip(data, source=str(path)), source=str(path))


def encode_idx(array: np.ndarray) -> bytes:
    """Encode an array as IDX bytes (big-endian values, C order)."""
    array = np.asarray(array)
    code = _CODE_BY_KIND.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise ValueError(f"IDX cannot store dtype {array.dtype}")
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"IDX needs 1..255 dimensions, got {array.ndim}")
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()


def write_idx(path: Path, array: np.ndarray, *, gz: bool = False) -> Path:
    """Write `array` as an IDX file (gzip-compressed when `gz`); used for caches and test fixtures."""
    data = encode_idx(array)
    Path(path).write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return Path(path)
