"""MNIST and Fashion-MNIST: read the four standard IDX files from a folder, or fetch them.

A folder holds ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz`` (also accepted
without ``.gz``, and with ``.idx`` for ``-idx`` as some mirrors name them).
Images become 784 float32 features with the raw values 0–255; scaling them is
preprocessing (``scale = "divide:255"``).

>>> ds = load_mnist("/work/shared/data/mnist", "test")  # doctest: +SKIP
>>> ds.X.shape, ds.y[:5].tolist()  # doctest: +SKIP
((10000, 784), [7, 2, 1, 0, 4])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassnet.data.dataset import Dataset
from glassnet.data.download import RemoteFile, download, verify
from glassnet.data.idx import read_idx
from glassnet.errors import GlassnetError

SPLITS = ("train", "test")
FILES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}


@dataclass(frozen=True)
class ImageSet:
    """A data set published as the four MNIST-style files, with their md5 sums."""

    name: str
    mirror: str
    files: tuple[RemoteFile, ...]
    class_names: tuple[str, ...]


# md5 of each .gz file as published; the content md5 is that of the gunzipped file
# (for MNIST's train-images as published, for the others computed from files whose
# .gz md5 matches the published one).
SETS = {
    "mnist": ImageSet(
        name="mnist",
        mirror="https://ossci-datasets.s3.amazonaws.com/mnist",
        files=(
            RemoteFile("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                       "6bbc9ace898e44ae57da46a324031adb"),
            RemoteFile("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432",
                       "a25bea736e30d166cdddb491f175f624"),
            RemoteFile("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3",
                       "2646ac647ad5339dbf082846283269ea"),
            RemoteFile("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c",
                       "27ae3e4e09519cfbb04c329615203637"),
        ),
        class_names=tuple(str(d) for d in range(10)),
    ),
    "fashion-mnist": ImageSet(
        name="fashion-mnist",
        mirror="http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",
        files=(
            RemoteFile("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                       "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
            RemoteFile("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe",
                       "9018921c3c673c538a1fc5bad174d6f9"),
            RemoteFile("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79",
                       "8181f5470baa50b63fa0f6fddb340f0a"),
            RemoteFile("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310",
                       "15d484375f8d13e6eb1aabb0c3f46965"),
        ),
        class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                     "Sneaker", "Bag", "Ankle boot"),
    ),
}  # fmt: skip


def load_mnist(directory: str | Path, split: str = "train", *, name: str | None = None) -> Dataset:
    """One split (``"train"`` or ``"test"``) of an MNIST-style folder.

    ``X`` has shape ``(n_images, rows * cols)`` (784 for 28×28 images), float32
    with the raw pixel values; ``y`` holds the labels 0–9 and ``classes`` is
    ``[0, 1, …, 9]``.
    """
    folder = Path(directory)
    if split not in SPLITS:
        raise GlassnetError(f"expected one of {', '.join(SPLITS)}, got {split!r}", field="split")
    if not folder.is_dir():
        raise GlassnetError("no such folder", source=str(folder))
    images = read_idx(find_file(folder, FILES[split, "images"]))
    labels = read_idx(find_file(folder, FILES[split, "labels"]))
    return images_dataset(images, labels, name=name or f"{folder.name}/{split}",
                          source=str(folder), classes=list(range(10)))  # fmt: skip


def images_dataset(
    images: NDArray[Any],
    labels: NDArray[Any],
    *,
    name: str,
    source: str,
    classes: list[int] | None = None,
) -> Dataset:
    """A data set of images (n, rows, cols) flattened to (n, rows·cols) float32, and labels.

    Labels must be integers; with ``classes`` each must be one of them (else
    the classes are the distinct labels, sorted).
    """
    if images.ndim < 2:
        raise GlassnetError(f"images must be (n_images, ...), got shape {images.shape}",
                            source=source)  # fmt: skip
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise GlassnetError(f"labels must be one integer per image, got {labels.dtype} "
                            f"{labels.shape}", source=source)  # fmt: skip
    if len(labels) != len(images):
        raise GlassnetError(f"{len(images)} images but {len(labels)} labels", source=source)
    if classes is None:
        classes = sorted(int(v) for v in np.unique(labels))
    known = np.isin(labels, classes)
    if not known.all():
        bad = int(np.flatnonzero(~known)[0])
        raise GlassnetError(f"image {bad}: label {labels[bad]} is not one of {classes}",
                            source=source)  # fmt: skip
    index = np.searchsorted(np.array(classes), labels).astype(np.int64)
    X = images.reshape(len(images), -1).astype(np.float32)
    return Dataset(X, index, classes=list(classes), name=name)


def find_file(folder: Path, filename: str) -> Path:
    """``filename`` in ``folder``, or its uncompressed or ``.idx``-spelled variant."""
    stem = filename.removesuffix(".gz")
    dotted = stem.replace("-idx", ".idx")
    for candidate in (filename, stem, dotted + ".gz", dotted):
        if (folder / candidate).is_file():
            return folder / candidate
    raise GlassnetError(
        f"no {filename} (or {stem}) here; get the files with "
        f"`glassnet data fetch mnist --to {folder}` (or fashion-mnist)",
        source=str(folder),
    )


def fetch(
    name: str,
    to: str | Path,
    *,
    mirror: str | None = None,
    report: Callable[[str], None] | None = None,
) -> list[Path]:
    """Download the four files of ``name`` (``"mnist"``, ``"fashion-mnist"``) into ``to``.

    Files already there with a matching checksum are kept. ``mirror`` is the
    base URL the file names are appended to. ``report`` receives a line before and
    after each download.
    """
    if name not in SETS:
        raise GlassnetError(f"expected one of {', '.join(SETS)}, got {name!r}", field="name")
    image_set = SETS[name]
    base = (mirror or image_set.mirror).rstrip("/")
    folder = Path(to)
    say = report or (lambda line: None)
    paths = []
    for remote in image_set.files:
        destination = folder / remote.name
        url = f"{base}/{remote.name}"
        if destination.is_file() and verify(destination, remote) is not None:
            say(f"{destination}: already there, checksum ok")
        else:
            say(f"{destination}: downloading {url}")
            matched = download(url, destination, remote)
            say(f"{destination}: {matched} ok")
        paths.append(destination)
    return paths
