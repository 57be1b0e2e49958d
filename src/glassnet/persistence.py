"""Saving and loading models and checkpoints: JSON you can read, arrays in ``.npz``.

A model file is JSON (format in ``docs/model-format.md``): the network's
structure, small arrays inline as nested lists, and a reference to a sibling
``.npz`` file for arrays of more than ``INLINE_MAX`` values, with that file's
SHA-256. Arrays are read with ``numpy.load(..., allow_pickle=False)``; nothing
is ever unpickled, so a model file from a stranger cannot run code.

Every write is atomic (``glassnet.atomic``: a temporary file in the same
directory, then ``os.replace``). The ``.npz`` carries its checksum in its name
and is written before the JSON that names it; the JSON's rename is the switch
from the old save to the new one, and only then is the old ``.npz`` removed. So
a process killed at any moment leaves a loadable pair, old or new; the
leftovers (temporary files, an unnamed ``.npz``) go at the next save
(``remove_litter``).

Reading trusts nothing: every field is checked, nesting is limited, and each
``.npy`` header in the ``.npz`` is checked against the JSON and the member's
size before its data is read (``glassnet.npyfile``), so any defect is one
``GlassnetError`` line.

A checkpoint is a model file with a ``training`` section (optimizer state,
generator state, history), so ``glassnet evaluate`` can read one too.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import re
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassnet.activations import ACTIVATIONS, get_activation
from glassnet.atomic import partial_pattern, remove_matching, write_bytes_atomic, write_text_atomic
from glassnet.errors import GlassnetError
from glassnet.jsonfile import dumps
from glassnet.losses import LOSSES
from glassnet.network import LayerSpec, Network, build_network
from glassnet.npyfile import Header, one_line, read_data, read_header
from glassnet.tomlfile import check_depth, too_deep

Array = NDArray[np.floating]

FORMAT = "glassnet-model"
CHECKPOINT_FORMAT = "glassnet-checkpoint"
VERSION = 1
#: Arrays with more values than this go to the ``.npz`` file.
INLINE_MAX = 256
DTYPES = ("float32", "float64")
#: The time stamp of every member of an arrays file (the earliest a zip can hold).
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class Model:
    """A loaded model: the network and what was saved with it.

    ``classes`` are the labels the outputs stand for (``classes[k]`` is output
    k's class); ``preprocessing`` the fitted preprocessing as a plain dict.
    """

    network: Network
    classes: list[Any] | None = None
    preprocessing: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None


# -- JSON layout ---------------------------------------------------------------


def to_json(value: Any, level: int = 0) -> str:
    """JSON with one row of numbers per line, so a weight matrix reads as a matrix.

    A table of plain values (one epoch of the history) also takes one line. A number
    that is not finite is written ``null`` (``glassnet.jsonfile``'s policy).
    """
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, dict):
        if level and all(not isinstance(v, dict | list) for v in value.values()):
            return dumps(value)
        items = [f"{inner}{json.dumps(str(k))}: {to_json(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return dumps(value)
        items = [inner + to_json(v, level + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return dumps(value)


# -- encoding ----------------------------------------------------------------


class _Arrays:
    """Collects the arrays too large to inline, under dotted names."""

    def __init__(self) -> None:
        self.arrays: dict[str, Array] = {}

    def encode(self, array: Array, name: str) -> Any:
        a = np.asarray(array)
        if a.size <= INLINE_MAX:
            return _shortest(a)
        self.arrays[name] = np.ascontiguousarray(a)
        return {"array": name, "shape": list(a.shape), "dtype": str(a.dtype)}

    def to_bytes(self) -> bytes:
        """An uncompressed ``.npz`` whose bytes depend on the arrays alone.

        ``np.savez`` stamps each member with the current time; a fixed stamp
        makes equal arrays give an equal file, hence an equal name.
        """
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, array in self.arrays.items():
                member = io.BytesIO()
                np.lib.format.write_array(member, array, allow_pickle=False)
                info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_TIME)
                archive.writestr(info, member.getvalue())
        return buffer.getvalue()


def _shortest(a: Array) -> Any:
    """Nested lists of the shortest decimals that read back to the same values.

    A float32 ``0.30006802`` is written so, not as its float64 expansion
    ``0.3000680208206177``; both read back to the same float32.
    """
    if a.dtype == np.float32:
        return np.vectorize(float, otypes=[object])(a.astype(str)).tolist()
    return a.tolist()


def network_to_dict(network: Network, arrays: _Arrays) -> dict[str, Any]:
    """The network as JSON-ready data; large arrays go to ``arrays``."""
    layers = []
    for index, layer in enumerate(network.layers):
        entry: dict[str, Any] = {
            "activation": layer.activation.name,
            "n_inputs": layer.n_inputs,
            "n_neurons": layer.n_neurons,
            "bias": layer.bias_mode,
            "train_bias": layer.train_bias,
        }
        entry.update(layer.activation.setting_values())  # leaky_relu's slope
        entry["weights"] = arrays.encode(layer.weights, f"layers.{index}.weights")
        if layer.bias is not None:
            entry["bias_values"] = arrays.encode(layer.bias, f"layers.{index}.bias")
        layers.append(entry)
    return {
        "dtype": str(network.dtype),
        "loss": network.loss.name,
        "batch_reduction": network.batch_reduction,
        "sizes": network.sizes,
        "layers": layers,
    }


def _encode_tree(value: Any, arrays: _Arrays, name: str) -> Any:
    """Plain data with any NumPy arrays or scalars made JSON-ready."""
    if isinstance(value, np.ndarray):
        return arrays.encode(value, name)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _encode_tree(v, arrays, f"{name}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode_tree(v, arrays, f"{name}.{i}") for i, v in enumerate(value)]
    return value


# -- writing -------------------------------------------------------------------


def save_model(
    path: str | Path,
    network: Network,
    *,
    classes: list[Any] | None = None,
    preprocessing: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Path:
    """Save ``network`` (and what belongs with it) to ``path`` (``.json``); returns the path.

    Arrays larger than ``INLINE_MAX`` values go to ``NAME.<hash>.npz`` beside it
    (``arrays_path`` finds it); see ``_write`` for the order of the writes.
    """
    path = Path(path)
    document = _model_document(FORMAT, network, classes, preprocessing, metadata)
    _write(path, document)
    return path


def save_checkpoint(
    path: str | Path,
    network: Network,
    state: dict[str, Any],
    *,
    classes: list[Any] | None = None,
    preprocessing: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Path:
    """Save a training checkpoint: a model plus ``state`` (see ``Trainer.state_dict``)."""
    path = Path(path)
    document = _model_document(CHECKPOINT_FORMAT, network, classes, preprocessing, metadata)
    training = {k: v for k, v in state.items() if k != "arrays"}
    document["_training_arrays"] = state.get("arrays", {})
    document["training"] = training
    _write(path, document)
    return path


def _model_document(
    fmt: str,
    network: Network,
    classes: list[Any] | None,
    preprocessing: dict[str, Any] | None,
    metadata: dict[str, Any] | None,
) -> dict[str, Any]:
    from glassnet import __version__

    return {
        "format": fmt,
        "version": VERSION,
        "glassnet": __version__,
        "network": network,
        "classes": None if classes is None else [_plain(c) for c in classes],
        "preprocessing": preprocessing,
        "metadata": _with_input_range(metadata or {}, network),
    }


def _with_input_range(metadata: dict[str, Any], network: Network) -> dict[str, Any]:
    """``metadata`` with the range of the inputs ``network`` was trained on, unless it has one.

    ``glassnet evaluate`` and ``predict`` warn about inputs far outside that range
    (a model saved without its preprocessing, fed raw pixels).
    """
    if "input_range" in metadata or not network.input_range:
        return metadata
    return {**metadata, "input_range": network.input_range}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _write(path: Path, document: dict[str, Any]) -> None:
    """Write the JSON ``document`` and its arrays, in an order a crash cannot break.

    1. leftovers of earlier interrupted saves are removed (``remove_litter``);
    2. the arrays go to ``NAME.<first 12 hex digits of their SHA-256>.npz``, a
       new name whenever the contents change, so the file the current JSON
       names is never overwritten with other contents;
    3. the JSON is renamed over the old one: the switch from old to new;
    4. arrays files no JSON names any more are removed.

    A kill before step 3 leaves the old pair; after it, the new one.
    """
    arrays = _Arrays()
    doc = dict(document)
    doc["network"] = network_to_dict(document["network"], arrays)
    if doc.get("preprocessing") is not None:
        doc["preprocessing"] = _encode_tree(doc["preprocessing"], arrays, "preprocessing")
    training_arrays = doc.pop("_training_arrays", None)
    if training_arrays is not None:
        doc["training"] = dict(doc["training"])
        doc["training"]["arrays"] = {
            name: [arrays.encode(a, f"training.{name}.{i}") for i, a in enumerate(values)]
            for name, values in training_arrays.items()
        }
    previous = _referenced_arrays(path)
    remove_litter(path)
    try:
        if arrays.arrays:
            data = arrays.to_bytes()
            digest = hashlib.sha256(data).hexdigest()
            arrays_name = f"{path.stem}.{digest[:ARRAYS_HASH]}.npz"
            write_bytes_atomic(path.parent / arrays_name, data)
            doc["arrays"] = {"file": arrays_name, "sha256": digest}
        else:
            doc["arrays"] = None
        write_text_atomic(path, to_json(doc) + "\n")
    except BaseException:
        # The old JSON is still in place: drop the new arrays file it does not name.
        with contextlib.suppress(OSError):
            remove_litter(path)
        raise
    # A model saved by glassnet before arrays were named by content used NAME.npz.
    if previous == f"{path.stem}.npz" and (doc["arrays"] or {}).get("file") != previous:
        (path.parent / previous).unlink(missing_ok=True)
    remove_litter(path)


#: Hex digits of the SHA-256 in an arrays file's name.
ARRAYS_HASH = 12


def arrays_path(path: str | Path) -> Path | None:
    """The arrays file the model or checkpoint JSON at ``path`` names, if any."""
    path = Path(path)
    name = _referenced_arrays(path)
    return None if name is None else path.parent / name


def remove_litter(path: str | Path) -> list[Path]:
    """Remove what interrupted saves of ``path`` left behind; returns the removed files.

    Only names glassnet gives its own files are touched: temporary files
    ``.NAME.json.XXXXXXXX.part`` and ``.NAME.<hash>.npz.XXXXXXXX.part``, and arrays
    files ``NAME.<hash>.npz`` that the JSON at ``path`` does not name. While the
    JSON exists but cannot be read, no arrays file is removed (it may be the one
    to recover).
    """
    path = Path(path)
    json_part = partial_pattern(path.name)
    stem = re.escape(path.stem)
    arrays_file = re.compile(rf"{stem}\.[0-9a-f]{{{ARRAYS_HASH}}}\.npz")
    arrays_part = re.compile(rf"\.{stem}\.[0-9a-f]{{{ARRAYS_HASH}}}\.npz\.[a-z0-9_]{{8}}\.part")
    keep: str | None = None
    keep_arrays = False
    if path.exists():
        keep = _referenced_arrays(path, strict=True)
        keep_arrays = keep == _UNREADABLE

    def litter(name: str) -> bool:
        if json_part.fullmatch(name) or arrays_part.fullmatch(name):
            return True
        return not keep_arrays and name != keep and arrays_file.fullmatch(name) is not None

    return remove_matching(path.parent, litter)


_UNREADABLE = "\0unreadable"


def _referenced_arrays(path: Path, *, strict: bool = False) -> str | None:
    """The arrays file the JSON at ``path`` names, or ``None``.

    With ``strict``, a JSON file that cannot be read or parsed gives ``_UNREADABLE``.
    """
    unreadable = _UNREADABLE if strict else None
    try:
        old = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError):
        return unreadable
    if not isinstance(old, dict) or old.get("format") not in (FORMAT, CHECKPOINT_FORMAT):
        return unreadable
    ref = old.get("arrays")
    if ref is None:
        return None
    name = ref.get("file") if isinstance(ref, dict) else None
    if isinstance(name, str) and Path(name).name == name:
        return name
    return unreadable


# -- reading -------------------------------------------------------------------


def load_model(path: str | Path) -> Model:
    """Read a model (or checkpoint) file; any defect is a one-line ``GlassnetError``."""
    path = Path(path)
    document, reader = _read(path, (CHECKPOINT_FORMAT, FORMAT))
    return _model(path, document, reader)


def load_checkpoint(
    path: str | Path, *, history_columns: Sequence[str] | None = None
) -> tuple[Network, dict[str, Any]]:
    """The network and the training state (arrays under ``"arrays"``) of a checkpoint.

    Every field of the state is checked here, so ``Trainer.load_state_dict``
    gets what it expects or the user gets one line naming the field.
    ``history_columns`` are the fields of a history record (the trainer's
    ``glassnet.training.COLUMNS``, passed in: this module sits below training);
    without them a record need only hold numbers.
    """
    path = Path(path)
    document, reader = _read(path, (CHECKPOINT_FORMAT,))
    model = _model(path, document, reader)
    training = document.get("training")
    if not isinstance(training, dict):
        raise reader.fail("training", "missing")
    state = dict(training)
    _check_training(training, reader, history_columns)
    raw = training.get("arrays") or {}
    if not isinstance(raw, dict) or not all(isinstance(v, list) for v in raw.values()):
        raise reader.fail("training.arrays", "expected a table of lists of arrays")
    state["arrays"] = {
        name: [reader.array(v, f"training.arrays.{name}[{i}]") for i, v in enumerate(values)]
        for name, values in raw.items()
    }
    return model.network, state


def _check_training(
    training: dict[str, Any], reader: _Reader, history_columns: Sequence[str] | None
) -> None:
    """Check the types of a checkpoint's ``training`` table (see ``Trainer.state_dict``)."""

    def fail(key: str, expected: str) -> GlassnetError:
        return reader.fail(
            f"training.{key}", f"expected {expected}, got {_short(training.get(key))}"
        )

    for key in ("epoch", "batch", "wait"):
        if not _is_count(training.get(key)):
            raise fail(key, "a whole number >= 0")
    sums = training.get("sums")
    if not (
        isinstance(sums, list)
        and len(sums) == 3
        and _is_number(sums[0])
        and _is_count(sums[1])
        and _is_count(sums[2])
    ):
        raise fail("sums", "[loss sum, correct, seen]")
    if not _is_number(training.get("epoch_seconds", 0.0)):
        raise fail("epoch_seconds", "a number")
    if training.get("best_loss") is not None and not _is_number(training.get("best_loss")):
        raise fail("best_loss", "a number or null")
    if not isinstance(training.get("finished"), bool):
        raise fail("finished", "true or false")
    optimizer = training.get("optimizer")
    if not (
        isinstance(optimizer, dict)
        and isinstance(optimizer.get("name"), str)
        and _is_count(optimizer.get("t"))
        and isinstance(optimizer.get("settings", {}), dict)
    ):
        raise fail("optimizer", "{name, t, settings}")
    _check_rng_state(training.get("epoch_rng"), reader)
    _check_history(training.get("history"), reader, history_columns)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


#: Bit generators whose state a checkpoint may hold.
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def _check_rng_state(state: Any, reader: _Reader) -> None:
    """A generator state NumPy accepts (tried on a fresh generator of its kind)."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if not isinstance(name, str) or name not in BIT_GENERATORS:
        raise reader.fail(
            "training.epoch_rng", f"expected a NumPy generator state, got {_short(state)}"
        )
    try:
        getattr(np.random, name)().state = state
    except (TypeError, ValueError, KeyError, OverflowError) as error:
        raise reader.fail(
            "training.epoch_rng", f"not a valid {name} state ({one_line(error)})"
        ) from None


def _check_history(history: Any, reader: _Reader, columns: Sequence[str] | None) -> None:
    """``{stopped, best_epoch, epochs: [{epoch, loss, ...}, ...]}`` as ``History.to_dict``."""
    if not (
        isinstance(history, dict)
        and isinstance(history.get("stopped"), str)
        and (history.get("best_epoch") is None or _is_count(history.get("best_epoch")))
        and isinstance(history.get("epochs"), list)
    ):
        raise reader.fail("training.history", "expected {stopped, best_epoch, epochs}")
    for index, record in enumerate(history["epochs"]):
        where = f"training.history.epochs[{index}]"
        if not isinstance(record, dict) or (columns is not None and set(record) != set(columns)):
            raise reader.fail(where, f"expected a table of {', '.join(columns or ['numbers'])}")
        for key, value in record.items():
            if isinstance(value, bool) or not (value is None or isinstance(value, int | float)):
                raise reader.fail(f"{where}.{key}", f"expected a number, got {_short(value)}")


def _read(path: Path, formats: tuple[str, ...]) -> tuple[dict[str, Any], _Reader]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise GlassnetError("no such file", source=str(path)) from None
    except IsADirectoryError:
        raise GlassnetError(
            "is a directory, expected a model .json file", source=str(path)
        ) from None
    except UnicodeDecodeError:
        raise GlassnetError(
            "not a valid model file (not UTF-8 JSON text)", source=str(path)
        ) from None
    except OSError as error:
        raise GlassnetError(f"cannot read: {error}", source=str(path)) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise GlassnetError(
            f"not a valid model file (corrupted or truncated JSON: {error.msg} at line "
            f"{error.lineno})",
            source=str(path),
        ) from None
    except RecursionError:
        raise too_deep(str(path)) from None
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        raise GlassnetError(
            f"not a valid model file ({one_line(error)})", source=str(path)
        ) from None
    check_depth(document, source=str(path))
    if not isinstance(document, dict) or document.get("format") not in formats:
        got = document.get("format") if isinstance(document, dict) else None
        raise GlassnetError(
            f"not a glassnet {formats[-1].removeprefix('glassnet-')} file (format is "
            f"{_short(got)})",
            source=str(path),
        )
    if document.get("version") != VERSION or isinstance(document.get("version"), bool):
        raise GlassnetError(
            f"format version {_short(document.get('version'))} is not supported "
            f"(expected {VERSION})",
            source=str(path),
        )
    return document, _Reader(path, document)


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters (a tampered field may be huge)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Reader:
    """Reads arrays of one document, inline or from its checked ``.npz``.

    The ``.npz``'s checksum is checked first; then every member's ``.npy``
    header is read and checked against the member's size (``npyfile``), and an
    array's data is read only once its header matches the JSON reference, so
    a tampered file can never make glassnet allocate more than its own size.
    """

    def __init__(self, path: Path, document: dict[str, Any]):
        self.path = path
        self.npz_name = ""
        self.members: dict[str, tuple[zipfile.ZipInfo, Header]] = {}
        self.archive: zipfile.ZipFile | None = None
        ref = document.get("arrays")
        if ref is not None:
            self._open_npz(ref)

    def fail(self, where: str, message: str) -> GlassnetError:
        return GlassnetError(message, source=str(self.path), field=where)

    def _open_npz(self, ref: Any) -> None:
        if not isinstance(ref, dict) or not isinstance(ref.get("file"), str):
            raise self.fail("arrays", "expected {file, sha256}")
        name = ref["file"]
        if not name or Path(name).name != name or "\x00" in name:
            raise self.fail(
                "arrays.file", f"must be a file name next to the model, got {_short(name)}"
            )
        npz_path = self.path.parent / name
        try:
            data = npz_path.read_bytes()
        except OSError:
            raise self.fail("arrays.file", f"cannot read {npz_path}") from None
        if hashlib.sha256(data).hexdigest() != ref.get("sha256"):
            raise self.fail(
                "arrays",
                f"{name} does not match its checksum (corrupted, truncated, or from another save)",
            )
        self.npz_name = name
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            for info in self.archive.infolist():
                key = info.filename.removesuffix(".npy")
                if info.filename == key or info.is_dir():
                    raise GlassnetError(f"member {key!r} is not an .npy file")
                if info.compress_type != zipfile.ZIP_STORED:
                    raise GlassnetError(
                        f"member {key!r} is compressed; glassnet writes them stored"
                    )
                with self.archive.open(info) as member:
                    header = read_header(member, info.file_size, source=f"member {key!r}")
                self.members[key] = (info, header)
        except GlassnetError as error:
            raise self.fail("arrays", f"{name} is not a valid .npz file: {error}") from None
        except (ValueError, OSError, zipfile.BadZipFile, EOFError, RuntimeError) as error:
            raise self.fail(
                "arrays", f"{name} is not a valid .npz file: {one_line(error)}"
            ) from None

    def _member(self, value: dict[str, Any], where: str) -> Array:
        """The array a reference ``{array, shape, dtype}`` names, checked before it is read."""
        key = value.get("array")
        if not isinstance(key, str) or key not in self.members or self.archive is None:
            raise self.fail(where, f"array {_short(key)} is not in the arrays file")
        info, header = self.members[key]
        if header.dtype.kind != "f" or header.dtype.name not in DTYPES:
            raise self.fail(where, f"expected float32 or float64 numbers, got {header.dtype}")
        if list(header.shape) != value.get("shape") or header.dtype.name != value.get("dtype"):
            shape, said_dtype = value.get("shape"), value.get("dtype")
            said = tuple(shape) if isinstance(shape, list) else shape
            said_dtype = said_dtype[:20] if isinstance(said_dtype, str) else _short(said_dtype, 20)
            raise self.fail(
                where,
                f"the arrays file holds {header.dtype} {header.shape}, the JSON "
                f"says {said_dtype} {_short(said)}",
            )
        source = f"{self.path}: arrays: {self.npz_name}: {key}"
        try:
            with self.archive.open(info) as member:
                member.seek(header.offset)
                array: Array = read_data(member, header, source=source)
        except GlassnetError as error:
            raise self.fail(where, error.detail) from None
        except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
            raise self.fail(
                where, f"cannot read {key!r} from {self.npz_name}: {one_line(error)}"
            ) from None
        return array.astype(header.dtype.newbyteorder("="), copy=False)

    def array(
        self,
        value: Any,
        where: str,
        *,
        shape: tuple[int, ...] | None = None,
        dtype: str | None = None,
    ) -> Array:
        if isinstance(value, dict):
            a = self._member(value, where)
        else:
            expected = f" in shape {shape}" if shape is not None else ""
            count = _count_numbers(value)
            if count is None or (shape is not None and count != math.prod(shape)):
                raise self.fail(where, f"expected numbers{expected}")
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", RuntimeWarning)
                    a = np.array(value, dtype=dtype or np.float64)
            except RuntimeWarning:  # 1e300 overflows float32
                raise self.fail(where, f"a value is out of the {dtype} range") from None
            except (TypeError, ValueError, OverflowError):
                raise self.fail(where, f"expected numbers{expected}") from None
        if dtype is not None:
            a = a.astype(dtype, copy=False)
        if shape is not None and a.shape != shape:
            raise self.fail(where, f"expected shape {shape}, got {a.shape}")
        if not np.isfinite(a).all():
            raise self.fail(where, "contains NaN or infinite values")
        return a


def _count_numbers(value: Any) -> int | None:
    """How many numbers nested lists hold, or ``None`` if anything else is among them.

    NumPy would take ``"1.5"`` and ``true`` for numbers; a model file holds only numbers.
    """
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, int | float) and not isinstance(item, bool):
            count += 1
        else:
            return None
    return count


def _size(entry: dict[str, Any], key: str, where: str, reader: _Reader) -> int:
    """A layer's ``n_inputs`` or ``n_neurons``: a whole number >= 1."""
    if key not in entry:
        raise reader.fail(where, f"missing {key!r}")
    value = entry[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise reader.fail(f"{where}.{key}", f"expected a whole number >= 1, got {_short(value)}")
    return value


def _model(path: Path, document: dict[str, Any], reader: _Reader) -> Model:
    net = document.get("network")
    if not isinstance(net, dict):
        raise reader.fail("network", "missing")
    dtype = net.get("dtype")
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise reader.fail(
            "network.dtype", f"expected one of {', '.join(DTYPES)}, got {_short(dtype)}"
        )
    layers_data = net.get("layers")
    if not isinstance(layers_data, list) or not layers_data:
        raise reader.fail("network.layers", "expected a list of layers")
    layers = []
    for index, entry in enumerate(layers_data):
        where = f"network.layers[{index}]"
        if not isinstance(entry, dict):
            raise reader.fail(where, "expected a table")
        n_in = _size(entry, "n_inputs", where, reader)
        n_out = _size(entry, "n_neurons", where, reader)
        for key in ("activation", "bias"):
            if key not in entry:
                raise reader.fail(where, f"missing {key!r}")
        activation_name, bias_mode = entry["activation"], entry["bias"]
        if not isinstance(activation_name, str) or activation_name not in ACTIVATIONS:
            raise reader.fail(
                f"{where}.activation", f"unknown activation {_short(activation_name)}"
            )
        settings = {}
        for key in ACTIVATIONS[activation_name].settings:  # leaky_relu's slope
            value = entry.get(key)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if value is not None and not number:
                raise reader.fail(f"{where}.{key}", f"expected a number, got {_short(value)}")
            settings[key] = value
        activation = get_activation(activation_name, **settings)
        weights = reader.array(
            entry.get("weights"), f"{where}.weights", shape=(n_out, n_in), dtype=dtype
        )
        bias = None
        if bias_mode != "none":
            shape = {"neuron": (n_out,), "shared": ()}.get(str(bias_mode))
            if shape is None or not isinstance(bias_mode, str):
                raise reader.fail(
                    f"{where}.bias", f"expected neuron, shared or none, got {_short(bias_mode)}"
                )
            bias = reader.array(
                entry.get("bias_values"), f"{where}.bias_values", shape=shape, dtype=dtype
            )
        train_bias = entry.get("train_bias", True)
        if not isinstance(train_bias, bool):
            raise reader.fail(
                f"{where}.train_bias", f"expected true or false, got {_short(train_bias)}"
            )
        layers.append(LayerSpec(weights, activation, bias=bias, train_bias=train_bias))
    loss = net.get("loss")
    if not isinstance(loss, str) or loss not in LOSSES:
        raise reader.fail("network.loss", f"unknown loss {_short(loss)}")
    reduction = net.get("batch_reduction", "mean")
    if not isinstance(reduction, str):
        raise reader.fail(
            "network.batch_reduction", f"expected mean or sum, got {_short(reduction)}"
        )
    try:
        network = build_network(layers, loss=loss, batch_reduction=reduction, dtype=np.dtype(dtype))
    except GlassnetError as error:
        where = f"network.{error.field}" if error.field else "network"
        raise reader.fail(where, error.detail) from None
    classes = document.get("classes")
    if classes is not None and (
        not isinstance(classes, list)
        or len(classes) != max(network.n_outputs, 2 if network.n_outputs == 1 else 0)
    ):
        raise reader.fail(
            "classes", f"expected a list of one class per output, got {_short(classes)}"
        )
    preprocessing = document.get("preprocessing")
    if preprocessing is not None:
        preprocessing = _decode_tree(preprocessing, reader, "preprocessing")
    metadata = document.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise reader.fail("metadata", f"expected a table, got {_short(metadata)}")
    return Model(network, classes, preprocessing, metadata, path)


def _decode_tree(value: Any, reader: _Reader, where: str) -> Any:
    if isinstance(value, dict):
        if set(value) == {"array", "shape", "dtype"}:
            return reader.array(value, where)
        return {k: _decode_tree(v, reader, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_tree(v, reader, f"{where}[{i}]") for i, v in enumerate(value)]
    return value
