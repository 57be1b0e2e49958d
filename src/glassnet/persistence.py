"""Saving and loading models and checkpoints: JSON you can read, arrays in ``.npz``.

A model file is JSON (format in ``docs/model-format.md``): the network's
structure, small arrays inline as nested lists, and a reference to a sibling
``.npz`` file for arrays of more than ``INLINE_MAX`` values, with that file's
SHA-256. Arrays are read with ``numpy.load(..., allow_pickle=False)``; nothing
is ever unpickled, so a model file from a stranger cannot run code.

Every write is atomic (``glassnet.atomic``: a temporary file in the same
directory, then ``os.replace``). The ``.npz`` is written before the JSON that names it; a
checkpoint's ``.npz`` carries its checksum in its name, so an interrupted write
leaves the previous checkpoint whole.

A checkpoint is a model file with a ``training`` section (optimizer state,
generator state, history), so ``glassnet evaluate`` can read one too.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassnet.activations import ACTIVATIONS, get_activation
from glassnet.atomic import write_bytes_atomic, write_text_atomic
from glassnet.errors import GlassnetError
from glassnet.losses import LOSSES
from glassnet.network import Layer, Network

Array = NDArray[np.floating]

FORMAT = "glassnet-model"
CHECKPOINT_FORMAT = "glassnet-checkpoint"
VERSION = 1
#: Arrays with more values than this go to the ``.npz`` file.
INLINE_MAX = 256
DTYPES = ("float32", "float64")


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

    A table of plain values (one epoch of the history) also takes one line.
    """
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, dict):
        if level and all(not isinstance(v, dict | list) for v in value.values()):
            return json.dumps(value, allow_nan=False)
        items = [f"{inner}{json.dumps(str(k))}: {to_json(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return json.dumps(value, allow_nan=False)
        items = [inner + to_json(v, level + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(value, allow_nan=False)


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
        buffer = io.BytesIO()
        np.savez(buffer, allow_pickle=False, **self.arrays)
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
        if layer.activation.name == "leaky_relu":
            entry["slope"] = layer.activation.slope  # type: ignore[attr-defined]
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

    Arrays larger than ``INLINE_MAX`` values go to ``path`` with suffix ``.npz``.
    """
    path = Path(path)
    document = _model_document(FORMAT, network, classes, preprocessing, metadata)
    _write(path, document, arrays_name=path.with_suffix(".npz").name)
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
    _write(path, document, arrays_name=None)
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
        "metadata": metadata or {},
    }


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _write(path: Path, document: dict[str, Any], *, arrays_name: str | None) -> None:
    """Write the JSON ``document`` and its ``.npz``; ``arrays_name=None`` names it by checksum."""
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
    old_arrays = _referenced_arrays(path)
    if arrays.arrays:
        data = arrays.to_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if arrays_name is None:
            arrays_name = f"{path.stem}.{digest[:12]}.npz"
        write_bytes_atomic(path.parent / arrays_name, data)
        doc["arrays"] = {"file": arrays_name, "sha256": digest}
    else:
        doc["arrays"] = None
    write_text_atomic(path, to_json(doc) + "\n")
    new_name = doc["arrays"]["file"] if doc["arrays"] else None
    if old_arrays is not None and old_arrays != new_name and old_arrays.startswith(path.stem):
        (path.parent / old_arrays).unlink(missing_ok=True)


def _referenced_arrays(path: Path) -> str | None:
    """The ``.npz`` an existing file at ``path`` names (to remove once replaced)."""
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
        name = old["arrays"]["file"]
        return name if isinstance(name, str) and "/" not in name else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


# -- reading -------------------------------------------------------------------


def load_model(path: str | Path) -> Model:
    """Read a model (or checkpoint) file; any defect is a one-line ``GlassnetError``."""
    path = Path(path)
    document, reader = _read(path, (CHECKPOINT_FORMAT, FORMAT))
    return _model(path, document, reader)


def load_checkpoint(path: str | Path) -> tuple[Network, dict[str, Any]]:
    """The network and the training state (arrays under ``"arrays"``) of a checkpoint."""
    path = Path(path)
    document, reader = _read(path, (CHECKPOINT_FORMAT,))
    model = _model(path, document, reader)
    training = document.get("training")
    if not isinstance(training, dict):
        raise reader.fail("training", "missing")
    state = dict(training)
    raw = training.get("arrays") or {}
    if not isinstance(raw, dict):
        raise reader.fail("training.arrays", "expected a table of arrays")
    state["arrays"] = {
        name: [reader.array(v, f"training.arrays.{name}[{i}]") for i, v in enumerate(values)]
        for name, values in raw.items()
    }
    return model.network, state


def _read(path: Path, formats: tuple[str, ...]) -> tuple[dict[str, Any], _Reader]:
    try:
        text = path.read_text(encoding="utf-8")
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
    if not isinstance(document, dict) or document.get("format") not in formats:
        got = document.get("format") if isinstance(document, dict) else None
        raise GlassnetError(
            f"not a glassnet {formats[-1].removeprefix('glassnet-')} file (format is {got!r})",
            source=str(path),
        )
    if document.get("version") != VERSION:
        raise GlassnetError(
            f"format version {document.get('version')!r} is not supported (expected {VERSION})",
            source=str(path),
        )
    return document, _Reader(path, document)


class _Reader:
    """Reads arrays of one document, inline or from its checked ``.npz``."""

    def __init__(self, path: Path, document: dict[str, Any]):
        self.path = path
        self.npz: dict[str, Array] | None = None
        ref = document.get("arrays")
        if ref is not None:
            self._load_npz(ref)

    def fail(self, where: str, message: str) -> GlassnetError:
        return GlassnetError(message, source=str(self.path), field=where)

    def _load_npz(self, ref: Any) -> None:
        if not isinstance(ref, dict) or not isinstance(ref.get("file"), str):
            raise self.fail("arrays", "expected {file, sha256}")
        name = ref["file"]
        if Path(name).name != name:
            raise self.fail("arrays.file", f"must be a file name next to the model, got {name!r}")
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
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                self.npz = {key: npz[key] for key in npz.files}
        except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
            raise self.fail("arrays", f"{name} is not a valid .npz file: {error}") from None

    def array(
        self,
        value: Any,
        where: str,
        *,
        shape: tuple[int, ...] | None = None,
        dtype: str | None = None,
    ) -> Array:
        if isinstance(value, dict):
            key = value.get("array")
            if self.npz is None or key not in self.npz:
                raise self.fail(where, f"array {key!r} is not in the arrays file")
            a = self.npz[key]
            if not np.issubdtype(a.dtype, np.floating):
                raise self.fail(where, f"expected floating-point numbers, got {a.dtype}")
            if list(a.shape) != value.get("shape") or str(a.dtype) != value.get("dtype"):
                raise self.fail(
                    where,
                    f"the arrays file holds {a.dtype} {a.shape}, the JSON "
                    f"says {value.get('dtype')} {tuple(value.get('shape') or ())}",
                )
        else:
            try:
                a = np.array(value, dtype=dtype or np.float64)
            except (TypeError, ValueError):
                expected = f" in shape {shape}" if shape is not None else ""
                raise self.fail(where, f"expected numbers{expected}") from None
        if dtype is not None:
            a = a.astype(dtype, copy=False)
        if shape is not None and a.shape != shape:
            raise self.fail(where, f"expected shape {shape}, got {a.shape}")
        if not np.isfinite(a).all():
            raise self.fail(where, "contains NaN or infinite values")
        return a


def _model(path: Path, document: dict[str, Any], reader: _Reader) -> Model:
    net = document.get("network")
    if not isinstance(net, dict):
        raise reader.fail("network", "missing")
    dtype = net.get("dtype")
    if dtype not in DTYPES:
        raise reader.fail("network.dtype", f"expected one of {', '.join(DTYPES)}, got {dtype!r}")
    layers_data = net.get("layers")
    if not isinstance(layers_data, list) or not layers_data:
        raise reader.fail("network.layers", "expected a list of layers")
    layers = []
    for index, entry in enumerate(layers_data):
        where = f"network.layers[{index}]"
        if not isinstance(entry, dict):
            raise reader.fail(where, "expected a table")
        try:
            n_in, n_out = int(entry["n_inputs"]), int(entry["n_neurons"])
            activation_name = entry["activation"]
            bias_mode = entry["bias"]
        except (KeyError, TypeError, ValueError) as error:
            raise reader.fail(where, f"missing or invalid {error}") from None
        if activation_name not in ACTIVATIONS:
            raise reader.fail(f"{where}.activation", f"unknown activation {activation_name!r}")
        activation = get_activation(activation_name, slope=entry.get("slope"))
        weights = reader.array(
            entry.get("weights"), f"{where}.weights", shape=(n_out, n_in), dtype=dtype
        )
        bias = None
        if bias_mode != "none":
            shape = {"neuron": (n_out,), "shared": ()}.get(bias_mode)
            if shape is None:
                raise reader.fail(
                    f"{where}.bias", f"expected neuron, shared or none, got {bias_mode!r}"
                )
            bias = reader.array(
                entry.get("bias_values"), f"{where}.bias_values", shape=shape, dtype=dtype
            )
        layers.append(
            Layer(
                weights,
                activation,
                bias=bias,
                train_bias=bool(entry.get("train_bias", True)),
                dtype=dtype,
            )
        )
    loss = net.get("loss")
    if loss not in LOSSES:
        raise reader.fail("network.loss", f"unknown loss {loss!r}")
    try:
        network = Network(layers, loss=loss, batch_reduction=net.get("batch_reduction", "mean"))
    except GlassnetError as error:
        raise reader.fail("network", error.detail) from None
    classes = document.get("classes")
    if classes is not None and (
        not isinstance(classes, list)
        or len(classes) != max(network.n_outputs, 2 if network.n_outputs == 1 else 0)
    ):
        raise reader.fail("classes", f"expected a list of one class per output, got {classes!r}")
    preprocessing = document.get("preprocessing")
    if preprocessing is not None:
        preprocessing = _decode_tree(preprocessing, reader, "preprocessing")
    metadata = document.get("metadata") or {}
    return Model(network, classes, preprocessing, metadata, path)


def _decode_tree(value: Any, reader: _Reader, where: str) -> Any:
    if isinstance(value, dict):
        if set(value) == {"array", "shape", "dtype"}:
            return reader.array(value, where)
        return {k: _decode_tree(v, reader, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_tree(v, reader, f"{where}[{i}]") for i, v in enumerate(value)]
    return value
