"""NumPy files: ``.npz`` archives holding ``X`` and ``y``, or a pair of ``.npy`` files.

Files are always opened with ``allow_pickle=False``: an array file from a
stranger cannot run code. A ``.npy`` feature file can be memory-mapped
(``mmap=True``), so a data set larger than memory stays on disk and only the
batches in use are read; it must then be stored as float32, since converting
it would load it whole.

>>> import pathlib, tempfile
>>> import numpy as np
>>> path = pathlib.Path(tempfile.mkdtemp()) / "xor.npz"
>>> np.savez(path, X=np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), y=np.array([0, 1, 1, 0]))
>>> ds = load_npz(path)
>>> ds.X.dtype, ds.y.tolist(), ds.classes
(dtype('float32'), [0, 1, 1, 0], [0, 1])
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassnet.data.dataset import Dataset, Features, check_features, targets_from_array
from glassnet.errors import GlassnetError
from glassnet.npyfile import Header, one_line, read_data, read_header

NPY_MAGIC = b"\x93NUMPY"


def load_npz(
    path: str | Path,
    *,
    x: str = "X",
    y: str = "y",
    task: str = "auto",
    classes: Sequence[Any] | None = None,
    name: str | None = None,
) -> Dataset:
    """Read the arrays named ``x`` (n_samples, n_features) and ``y`` from an ``.npz`` file.

    ``y`` holds class labels (integers or strings: classification) or numbers
    (floats: regression, shape (n_samples,) or (n_samples, n_targets));
    ``task`` and ``classes`` as in ``load_csv``.
    """
    source = str(path)
    try:
        if not zipfile.is_zipfile(path):
            with open(path, "rb") as file:
                is_npy = file.read(len(NPY_MAGIC)) == NPY_MAGIC
            if is_npy:
                raise GlassnetError("expected an .npz archive, got a single array", source=source)
            raise GlassnetError("not a readable .npy/.npz file (not a zip archive)", source=source)
        with zipfile.ZipFile(path) as archive:
            arrays = {key: _member(archive, key, source) for key in (x, y)}
    except (FileNotFoundError, IsADirectoryError):
        raise GlassnetError("no such file", source=source) from None
    except MemoryError:
        raise GlassnetError("too large to read into memory", source=source) from None
    except (OSError, ValueError, EOFError, RuntimeError, zipfile.BadZipFile) as error:
        raise GlassnetError(
            f"not a readable .npy/.npz file ({one_line(error)})", source=source
        ) from None
    X = _features(arrays[x], f"{source}: {x}")
    return _dataset(X, arrays[y], task, classes, name or Path(path).stem, f"{source}: {y}")


def load_npy(
    features: str | Path,
    targets: str | Path,
    *,
    mmap: bool = False,
    task: str = "auto",
    classes: Sequence[Any] | None = None,
    check_finite: bool = True,
    name: str | None = None,
) -> Dataset:
    """Read features (n_samples, n_features) and targets from two ``.npy`` files.

    ``mmap=True`` maps the feature file read-only instead of reading it
    (``np.load(..., mmap_mode="r")``). ``check_finite`` reads every feature
    once, in chunks, to reject NaN and infinity.
    """
    X = _features(load_array(features, mmap=mmap), str(features), mmap=mmap,
                  check_finite=check_finite)  # fmt: skip
    y = load_array(targets)
    return _dataset(X, y, task, classes, name or Path(features).stem, str(targets))


def load_array(path: str | Path, *, mmap: bool = False) -> NDArray[Any]:
    """One array from a ``.npy`` file (never unpickling objects)."""
    source = str(path)
    try:
        if zipfile.is_zipfile(path):
            raise GlassnetError(
                "expected a single array (.npy), got an .npz archive", source=source
            )
        _check_npy(Path(path), source)
        array = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (FileNotFoundError, IsADirectoryError):
        raise GlassnetError("no such file", source=source) from None
    except MemoryError:
        raise GlassnetError("too large to read into memory", source=source) from None
    except (OSError, ValueError, EOFError) as error:
        raise GlassnetError(
            f"not a readable .npy file ({one_line(error)})", source=source
        ) from None
    if not isinstance(array, np.ndarray):
        raise GlassnetError("expected a single array (.npy), got an .npz archive", source=source)
    return array


def _check_npy(path: Path, source: str) -> Header:
    """The checked header of the ``.npy`` file at ``path`` (its data is the size it claims)."""
    with path.open("rb") as file:
        try:
            return read_header(file, os.fstat(file.fileno()).st_size, source=source)
        except GlassnetError as error:
            raise GlassnetError(
                f"not a readable .npy file ({error.detail})", source=source
            ) from None


def _member(archive: zipfile.ZipFile, key: str, source: str) -> NDArray[Any]:
    """The array ``key`` of an ``.npz`` archive, its header checked before its data is read."""
    names = [n.removesuffix(".npy") for n in archive.namelist() if n.endswith(".npy")]
    if key not in names:
        listed = " ".join(", ".join(names[:20]).split()) or "none"
        raise GlassnetError(f"no array {key!r} in the archive (it holds {listed})", source=source)
    info = archive.getinfo(f"{key}.npy")
    with archive.open(info) as member:
        try:
            header = read_header(member, info.file_size, source=f"{source}: {key}")
            return read_data(member, header, source=f"{source}: {key}")
        except GlassnetError as error:
            raise GlassnetError(
                f"not a readable .npy/.npz file ({key}: {error.detail})", source=source
            ) from None


def _features(
    array: NDArray[Any], source: str, *, mmap: bool = False, check_finite: bool = True
) -> Features:
    if array.ndim != 2:
        raise GlassnetError(f"features must be 2-D (n_samples, n_features), got shape "
                            f"{array.shape}", source=source)  # fmt: skip
    if array.dtype.kind not in "fiub":
        raise GlassnetError(f"features must be numbers, got {array.dtype}", source=source)
    if mmap and array.dtype != np.float32:
        raise GlassnetError(
            f"a memory-mapped feature file must hold float32, got {array.dtype}; save it with "
            "X.astype(np.float32) or load it without mmap",
            source=source,
        )
    X: Features = array if array.dtype == np.float32 else array.astype(np.float32)
    if check_finite:
        check_features(X, source=source)
    return X


def _dataset(
    X: Features,
    y: NDArray[Any],
    task: str,
    classes: Sequence[Any] | None,
    name: str,
    source: str,
) -> Dataset:
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise GlassnetError(
            f"expected {X.shape[0]} targets (one per sample of the features), got shape {y.shape}",
            source=source,
        )
    targets, labels = targets_from_array(np.asarray(y), task=task, classes=classes, source=source)
    return Dataset(X, targets, classes=labels, name=name)
