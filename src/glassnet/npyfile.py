"""Checking ``.npy`` headers before NumPy reads the data behind them.

A ``.npy`` file (alone, or as a member of an ``.npz`` zip) starts with a header
saying the array's dtype and shape; NumPy allocates that much memory before it
reads. A tampered header claiming 10⁶ × 10⁶ float32 over 16 bytes of data would
ask for 3.64 TiB. ``read_header`` parses the header and checks that the bytes
after it are exactly ``prod(shape) · itemsize``, so nothing larger than the file
is ever allocated. Every defect is one ``GlassnetError`` line.

>>> import io
>>> import numpy as np
>>> buffer = io.BytesIO()
>>> np.save(buffer, np.zeros((2, 3), dtype=np.float32))
>>> size = buffer.tell()
>>> _ = buffer.seek(0)
>>> header = read_header(buffer, size, source="a.npy")
>>> header.shape, header.dtype, header.n_bytes
((2, 3), dtype('float32'), 24)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
from numpy.lib import format as npy_format
from numpy.typing import NDArray

from glassnet.errors import GlassnetError

#: Header versions NumPy writes for plain arrays (3.0 only adds UTF-8 field names).
VERSIONS = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}


@dataclass(frozen=True)
class Header:
    """What a ``.npy`` header says, and where its data starts."""

    shape: tuple[int, ...]
    fortran_order: bool
    dtype: np.dtype[Any]
    offset: int

    @property
    def n_bytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def one_line(error: BaseException, limit: int = 200) -> str:
    """``error``'s message on one line, at most ``limit`` characters."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_header(fp: IO[bytes], size: int, *, source: str) -> Header:
    """Parse the header of the ``.npy`` data in ``fp`` (``size`` bytes from its current position).

    Refuses object arrays (they would need unpickling), negative sizes, and a
    header whose shape does not match the number of data bytes that follow.
    """
    start = fp.tell()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NumPy warns about headers written by Python 2
            version = npy_format.read_magic(fp)
            reader = VERSIONS.get(version)
            if reader is None:
                raise GlassnetError(
                    f"not a supported .npy file (format version {version[0]}.{version[1]})",
                    source=source,
                )
            shape, fortran_order, dtype = reader(fp)
    except GlassnetError:
        raise
    except Exception as error:  # a header is a Python literal: many things can go wrong
        raise GlassnetError(f"not a valid .npy header ({one_line(error)})", source=source) from None
    if dtype.hasobject:
        raise GlassnetError(
            "holds Python objects (a pickle), which glassnet never unpickles", source=source
        )
    if any(n < 0 for n in shape):
        raise GlassnetError(f"the header claims a negative size {shape}", source=source)
    header = Header(tuple(shape), bool(fortran_order), dtype, fp.tell() - start)
    data_bytes = size - header.offset
    if data_bytes != header.n_bytes:
        raise GlassnetError(
            f"the header claims {dtype} {header.shape} ({header.n_bytes:,} bytes of data), "
            f"the file holds {data_bytes:,} bytes after the header",
            source=source,
        )
    return header


def read_data(fp: IO[bytes], header: Header, *, source: str) -> NDArray[Any]:
    """The array whose ``header`` was just read from ``fp`` (a writable copy)."""
    data = fp.read(header.n_bytes)
    if len(data) != header.n_bytes:
        raise GlassnetError(
            f"truncated: {len(data):,} of {header.n_bytes:,} bytes of data", source=source
        )
    flat = np.frombuffer(data, dtype=header.dtype)
    shaped = flat.reshape(header.shape, order="F" if header.fortran_order else "C")
    return shaped.copy(order="K")
