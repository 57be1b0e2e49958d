"""MNIST and Fashion-MNIST from ../shared/data: shapes, labels, checksums, folder layouts."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

import shared
from glassnet.data import SETS, load_mnist, write_idx
from glassnet.errors import GlassnetError

SHARED = shared.DATA
MNIST, FASHION = SHARED / "mnist", SHARED / "fashion-mnist"
# Published class counts of MNIST (LeCun et al.): training and test sets.
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist():
    return {split: load_mnist(MNIST, split) for split in ("train", "test")}


@pytest.fixture(scope="module")
def fashion():
    return {split: load_mnist(FASHION, split) for split in ("train", "test")}


def raw_idx(path: Path, header: int) -> np.ndarray:
    """An independent reading: gunzip and skip the header, nothing else."""
    return np.frombuffer(gzip.decompress(path.read_bytes())[header:], dtype=np.uint8)


def test_mnist_shapes_labels_and_counts(mnist):
    train, test = mnist["train"], mnist["test"]
    assert train.X.shape == (60000, 784) and test.X.shape == (10000, 784)
    assert train.X.dtype == np.float32 and train.y.dtype == np.int64
    assert train.classes == list(range(10)) and train.task == "classification"
    assert train.y[:5].tolist() == [5, 0, 4, 1, 9]  # the well-known first training digits
    assert test.y[:5].tolist() == [7, 2, 1, 0, 4]
    assert train.class_counts().tolist() == MNIST_TRAIN_COUNTS
    assert test.class_counts().tolist() == MNIST_TEST_COUNTS
    assert train.X.min() == 0 and train.X.max() == 255
    # The normalisation constants of PyTorch's MNIST example: mean 0.1307, std 0.3081.
    assert round(float(train.X.mean(dtype=np.float64)) / 255, 4) == 0.1307
    assert round(float(train.X.std(dtype=np.float64)) / 255, 4) == 0.3081
    assert train.name == "mnist/train"


def test_mnist_matches_an_independent_reading(mnist):
    labels = raw_idx(MNIST / "train-labels-idx1-ubyte.gz", 8)
    np.testing.assert_array_equal(mnist["train"].y, labels)
    assert (
        mnist["train"].y[-1] == labels[-1]
        and mnist["test"].y[-1] == raw_idx(MNIST / "t10k-labels-idx1-ubyte.gz", 8)[-1]
    )
    pixels = raw_idx(MNIST / "t10k-images-idx3-ubyte.gz", 16).reshape(10000, 784)
    np.testing.assert_array_equal(mnist["test"].X, pixels.astype(np.float32))


def test_fashion_mnist(fashion):
    train, test = fashion["train"], fashion["test"]
    assert train.X.shape == (60000, 784) and test.X.shape == (10000, 784)
    assert train.y[:5].tolist() == [9, 0, 0, 3, 0]  # ankle boot, T-shirt, T-shirt, dress, T-shirt
    assert train.class_counts().tolist() == [6000] * 10  # balanced, as published
    assert test.class_counts().tolist() == [1000] * 10
    assert round(float(train.X.mean(dtype=np.float64)) / 255, 3) == 0.286
    assert round(float(train.X.std(dtype=np.float64)) / 255, 3) == 0.353
    assert len(SETS["fashion-mnist"].class_names) == 10


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


@pytest.mark.parametrize("folder", [MNIST, FASHION])
def test_checksums_table_agrees_with_published_sums(folder):
    published = dict(
        reversed(line.split()) for line in (folder / "MD5SUMS").read_text().splitlines()
    )
    for remote in SETS[folder.name].files:
        data = (folder / remote.name).read_bytes()
        assert md5(data) == published[remote.name]
        if folder == MNIST and remote.name == "train-images-idx3-ubyte.gz":
            # Recompressed here (README): the canonical .gz md5 differs, the content's does not.
            assert remote.md5 == "f68b3c2dcbeaaa9fbdd348bbdeb94873" != md5(data)
            assert remote.content_md5 == "6bbc9ace898e44ae57da46a324031adb"
        else:
            assert remote.md5 == md5(data)
        assert remote.content_md5 == md5(gzip.decompress(data))


def test_uncompressed_and_dotted_file_names(tmp_path):
    for name, new in [("t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte"),
                      ("t10k-labels-idx1-ubyte.gz", "t10k-labels.idx1-ubyte.gz")]:  # fmt: skip
        if new.endswith(".gz"):
            shutil.copy(MNIST / name, tmp_path / new)
        else:
            (tmp_path / new).write_bytes(gzip.decompress((MNIST / name).read_bytes()))
    ds = load_mnist(tmp_path, "test")
    assert ds.X.shape == (10000, 784) and ds.y[:5].tolist() == [7, 2, 1, 0, 4]


def test_folder_errors(tmp_path):
    with pytest.raises(GlassnetError, match=r"no such folder"):
        load_mnist(tmp_path / "absent")
    with pytest.raises(GlassnetError, match=r"split: expected one of train, test, got 'val'"):
        load_mnist(MNIST, "val")
    with pytest.raises(GlassnetError) as info:
        load_mnist(tmp_path, "train")
    assert str(info.value) == (
        f"{tmp_path}: no train-images-idx3-ubyte.gz (or train-images-idx3-ubyte) here; get the "
        f"files with `glassnet data fetch mnist --to {tmp_path}` (or fashion-mnist)"
    )


def test_mismatched_and_out_of_range_labels(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((3, 2, 2), dtype=np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([1, 2], dtype=np.uint8))
    with pytest.raises(GlassnetError, match=r"3 images but 2 labels"):
        load_mnist(tmp_path, "test")
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([1, 12, 2], dtype=np.uint8))
    with pytest.raises(GlassnetError, match=r"image 1: label 12 is not one of \[0, 1, 2"):
        load_mnist(tmp_path, "test")
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([1, 9, 2], dtype=np.uint8))
    ds = load_mnist(tmp_path, "test")
    assert ds.X.shape == (3, 4) and ds.y.tolist() == [1, 9, 2]
