"""IDX files, the format of MNIST: a magic number, the dimensions, then the values.

Layout (all integers big-endian)::

    bytes 0-1   0x00 0x00
    byte  2     type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64
    byte  3     number of dimensions d
    4·d bytes   each dimension's size, uint32
    the rest    prod(sizes) values, row-major

A file whose first two bytes are ``1f 8b`` is gzip-compressed and is
decompressed first, whatever its name.

>>> import pathlib, tempfile
>>> import numpy as np
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny-idx2-ubyte.gz"
>>> write_idx(path, np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8))
>>> read_idx(path)
array([[1, 2, 3],
       [4, 5, 6]], dtype=uint8)
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassnet.errors import GlassnetError

TYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | Path) -> NDArray[Any]:
    """The array in an IDX file (gzipped or not), in native byte order."""
    source = str(path)
    data = _read_bytes(Path(path))
    return parse_idx(data, source=source)


def parse_idx(data: bytes, *, source: str = "<bytes>") -> NDArray[Any]:
    """The array in the (decompressed) bytes of an IDX file."""
    if len(data) < 4:
        raise GlassnetError(f"truncated: {len(data)} bytes, too short for an IDX header",
                            source=source)  # fmt: skip
    zero, code, ndim = data[:2], data[2], data[3]
    if zero != b"\x00\x00" or code not in TYPES or ndim == 0:
        raise GlassnetError(
            f"bad magic number 0x{data[:4].hex()}; an IDX file starts with 0x0000 then a type "
            f"code ({', '.join(f'0x{c:02x}' for c in TYPES)}) and the number of dimensions",
            source=source,
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise GlassnetError(f"truncated: the header needs {header} bytes, the file has "
                            f"{len(data)}", source=source)  # fmt: skip
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = TYPES[code]
    expected = math.prod(shape) * dtype.itemsize
    got = len(data) - header
    if got < expected:
        raise GlassnetError(
            f"truncated: shape {'×'.join(map(str, shape))} needs {expected} bytes of data, "
            f"the file has {got}",
            source=source,
        )
    if got > expected:
        raise GlassnetError(
            f"{got - expected} bytes after the data of shape {'×'.join(map(str, shape))}; "
            "the file is not one IDX array",
            source=source,
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # a writable copy, not a view of ``data``


def write_idx(path: str | Path, array: NDArray[Any]) -> None:
    """Write ``array`` as an IDX file, gzipped when ``path`` ends in ``.gz``."""
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in TYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes or array.ndim == 0 or array.ndim > 255:
        raise GlassnetError(f"IDX cannot hold a {array.ndim}-D {array.dtype} array",
                            source=str(path))  # fmt: skip
    big_endian = array.astype(TYPES[codes[native]], copy=False)
    data = (
        bytes([0, 0, codes[native], array.ndim])
        + struct.pack(f">{array.ndim}I", *array.shape)
        + np.ascontiguousarray(big_endian).tobytes()
    )
    path = Path(path)
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


def _read_bytes(path: Path) -> bytes:
    source = str(path)
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise GlassnetError("no such file", source=source) from None
    except OSError as error:
        raise GlassnetError(f"cannot read: {error.strerror}", source=source) from None
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except EOFError:
        raise GlassnetError("truncated: the gzip stream ends early", source=source) from None
    except (OSError, zlib.error) as error:
        raise GlassnetError(f"corrupt gzip data ({error})", source=source) from None
