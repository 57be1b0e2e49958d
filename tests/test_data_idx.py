"""IDX files: hand-built bytes, round trips, and bad magic / truncated files."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

import shared
from glassnet.data import read_idx, write_idx
from glassnet.data.idx import parse_idx
from glassnet.errors import GlassnetError

MNIST = str(shared.MNIST)


def test_hand_built_files():
    # magic 0x00000801: unsigned bytes, 1 dimension; size 3; then the values.
    assert parse_idx(b"\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02\xff").tolist() == [1, 2, 255]
    # int16 big-endian: 0x0100 = 256, 0xfffe = -2; 2 dimensions of sizes 1 and 2.
    data = b"\x00\x00\x0b\x02\x00\x00\x00\x01\x00\x00\x00\x02\x01\x00\xff\xfe"
    array = parse_idx(data)
    assert array.shape == (1, 2) and array.tolist() == [[256, -2]]
    assert array.dtype == np.dtype("int16") and array.dtype.isnative
    # float32 1.5 is 0x3fc00000.
    assert parse_idx(b"\x00\x00\x0d\x01\x00\x00\x00\x01\x3f\xc0\x00\x00").tolist() == [1.5]


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("name", ["a-idx3", "a-idx3.gz"])
def test_round_trip(tmp_path, dtype, name):
    rng = np.random.default_rng(0)
    array = (rng.normal(size=(3, 4, 5)) * 50).astype(dtype)
    write_idx(tmp_path / name, array)
    back = read_idx(tmp_path / name)
    assert back.dtype == np.dtype(dtype) and back.flags.writeable
    np.testing.assert_array_equal(back, array)
    raw = (tmp_path / name).read_bytes()
    assert raw.startswith(b"\x1f\x8b") == name.endswith(".gz")


def test_gzip_is_detected_by_content_not_name(tmp_path):
    path = tmp_path / "labels-no-suffix"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x02\x07\x09"))
    assert read_idx(path).tolist() == [7, 9]


def test_real_mnist_header():
    raw = gzip.decompress(Path(MNIST, "t10k-labels-idx1-ubyte.gz").read_bytes())
    assert raw[:8] == b"\x00\x00\x08\x01\x00\x00\x27\x10"  # magic 2049, 10000 items
    labels = read_idx(f"{MNIST}/t10k-labels-idx1-ubyte.gz")
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert labels.tolist() == list(raw[8:])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x00\x08", "truncated: 3 bytes, too short for an IDX header"),
        (b"\x00\x01\x08\x01\x00\x00\x00\x01\x05", "bad magic number 0x00010801"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "bad magic number 0x00000701"),
        (b"\x00\x00\x08\x00", "bad magic number 0x00000800"),
        (b"PK\x03\x04rest", "bad magic number 0x504b0304"),
        (
            b"\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00",
            "truncated: the header needs 16 bytes, the file has 10",
        ),
        (
            b"\x00\x00\x08\x02\x00\x00\x00\x02\x00\x00\x00\x03\x01\x02\x03\x04\x05",
            "truncated: shape 2×3 needs 6 bytes of data, the file has 5",
        ),
        (
            b"\x00\x00\x0c\x01\x00\x00\x00\x01\x00\x00\x00",
            "truncated: shape 1 needs 4 bytes of data, the file has 3",
        ),
        (
            b"\x00\x00\x08\x01\x00\x00\x00\x01\x05\x06",
            "1 bytes after the data of shape 1; the file is not one IDX array",
        ),
    ],
)
def test_bad_files(tmp_path, data, message):
    path = tmp_path / "bad-idx"
    path.write_bytes(data)
    with pytest.raises(GlassnetError) as info:
        read_idx(path)
    assert str(info.value).startswith(f"{path}: {message}")


def test_truncated_and_corrupt_gzip(tmp_path):
    packed = gzip.compress(bytes(8) + bytes(range(256)) * 40)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(GlassnetError, match=r"cut.gz: truncated: the gzip stream ends early"):
        read_idx(cut)
    flipped = bytearray(packed)
    flipped[-6] ^= 0xFF  # inside the CRC-32 trailer
    bad = tmp_path / "crc.gz"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(GlassnetError, match=r"crc.gz: corrupt gzip data"):
        read_idx(bad)


def test_truncated_real_file(tmp_path):
    raw = gzip.decompress(Path(MNIST, "t10k-labels-idx1-ubyte.gz").read_bytes())
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(raw[:-1])
    with pytest.raises(GlassnetError, match=r"truncated: shape 10000 needs 10000 bytes of data, "
                       r"the file has 9999"):  # fmt: skip
        read_idx(path)


def test_missing_file_and_unwritable_array(tmp_path):
    with pytest.raises(GlassnetError, match=r"nothing-idx: no such file"):
        read_idx(tmp_path / "nothing-idx")
    with pytest.raises(GlassnetError, match=r"IDX cannot hold a 1-D int64 array"):
        write_idx(tmp_path / "x", np.arange(3, dtype=np.int64))
