"""Every reader of user files, fed arbitrary bytes and mutated valid files.

The readers are glassnet's boundary with the outside: example files, claims files, training
files (and the data they name), CSV, IDX, ``.npy``/``.npz``, model JSON with its arrays file,
and checkpoints. Whatever the bytes, a reader either loads them or raises one
``GlassnetError`` line (no newline) that names the file; any other exception, a warning (the
suite runs with warnings as errors), a ``RecursionError`` or a ``MemoryError`` fails the test.

Mutations of a valid file: truncation, flipped bytes, inserted or deleted runs, a number
replaced by something hostile (``1e400``, ``-1``, ``NaN``, a string, a huge integer, nested
brackets), deep nesting, a byte-order mark. The default run takes a few hundred examples in
all; ``-m slow`` runs each reader ten times as long.
"""

from __future__ import annotations

import atexit
import gzip
import hashlib
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassnet.check import read_claims
from glassnet.data import from_config
from glassnet.data.arrays import load_npy, load_npz
from glassnet.data.csv import load_csv, load_csv_features
from glassnet.data.idx import read_idx, write_idx
from glassnet.data.preprocess import Preprocessor
from glassnet.errors import GlassnetError
from glassnet.examples import example_text, load_example
from glassnet.init import init_network
from glassnet.optimizers import Adam
from glassnet.persistence import arrays_path, load_checkpoint, load_model, save_model
from glassnet.training import Checkpointer, Trainer
from glassnet.training_file import read_config

#: Examples per reader in the default run, and under ``-m slow``.
QUICK, LONG = 30, 300

HOSTILE = [
    "1e400", "-1e400", "-1", "0", "-0", "1e-400", "NaN", "nan", "inf", "-inf", "Infinity",
    '"x"', "'x'", "true", "null", "[]", "{}", "[[]]", "1" * 5000, "-" + "9" * 30,
    "1000000", "0x10", "1.5", "[" * 200 + "]" * 200, "{" * 100, "\ufeff", "\x00",
]  # fmt: skip
NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


# -- mutations ---------------------------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn, valid: bytes) -> bytes:
    """``valid`` changed in one to three hostile ways, or arbitrary bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))
    data = valid
    for _ in range(draw(st.integers(1, 3))):
        data = draw(_mutation(data))
    return data


def _mutation(data: bytes) -> st.SearchStrategy[bytes]:
    n = len(data)
    position = st.integers(0, n)
    numbers = [m.span() for m in NUMBER.finditer(data)]
    choices: list[st.SearchStrategy[bytes]] = [
        position.map(lambda i: data[:i]),  # truncated
        st.tuples(st.integers(0, max(n - 1, 0)), st.integers(1, 255)).map(
            lambda t: _flip(data, *t)
        ),
        st.tuples(position, st.binary(min_size=1, max_size=20)).map(
            lambda t: data[: t[0]] + t[1] + data[t[0] :]
        ),
        st.tuples(position, st.integers(1, 40)).map(lambda t: data[: t[0]] + data[t[0] + t[1] :]),
        st.tuples(position, st.integers(60, 6000), st.sampled_from([b"[]", b"{}"])).map(
            lambda t: data[: t[0]] + t[2][:1] * t[1] + t[2][1:] * t[1] + data[t[0] :]
        ),
        st.just(b"\xef\xbb\xbf" + data),
    ]
    if numbers:
        choices.append(
            st.tuples(st.sampled_from(numbers), st.sampled_from(HOSTILE)).map(
                lambda t: data[: t[0][0]] + t[1].encode() + data[t[0][1] :]
            )
        )
    return st.one_of(choices)


def _flip(data: bytes, index: int, mask: int) -> bytes:
    if not data:
        return data
    return data[:index] + bytes([data[index] ^ mask]) + data[index + 1 :]


# -- the check ---------------------------------------------------------------------


def loads_or_fails_cleanly(read: Callable[[], Any], *names: str) -> None:
    """``read()`` returns, or raises a one-line ``GlassnetError`` naming one of ``names``."""
    try:
        read()
    except GlassnetError as error:
        message = str(error)
        assert "\n" not in message and "\r" not in message, message
        assert not names or any(name in message for name in names), message


def fuzz(reader: Callable[..., None], strategy: st.SearchStrategy[Any]) -> tuple[Any, Any]:
    """A quick test and a ``slow`` one of ``reader`` on examples from ``strategy``."""
    common = {"deadline": None, "suppress_health_check": list(HealthCheck)}
    quick = settings(max_examples=QUICK, **common)(given(strategy)(reader))
    long = pytest.mark.slow(settings(max_examples=LONG, **common)(given(strategy)(reader)))
    return quick, long


# -- valid files to start from -------------------------------------------------------


WORK = Path(tempfile.mkdtemp(prefix="glassnet-fuzz-"))
atexit.register(shutil.rmtree, WORK, ignore_errors=True)


EXAMPLE = example_text("mazur").encode()
CLAIMS = b'[claims]\nnet_h1 = "0.3775"\nout_o1 = 0.75136507\n"w5+" = "0.35891648"\n'
CSV = b"a,b,label\n0,0,no\n0,1,yes\n1,0,yes\n1,1,no\n0.5,1e3,yes\n"
TRAINING = b"""
title = "fuzz"
[data]
train = { format = "csv", path = "d.csv", target = "label" }
validation_fraction = 0.25
scale = "standard"

[network]
hidden = [3]
activation = "tanh"

[training]
epochs = 2
batch_size = 2
seed = 0

[optimizer]
name = "sgd"
learning_rate = 0.5
momentum = 0.9
"""


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _npz(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


NPY_X = _npy(np.arange(12, dtype=np.float32).reshape(4, 3))
NPY_Y = _npy(np.array([0, 1, 1, 0]))
NPZ = _npz(X=np.arange(8.0).reshape(4, 2), y=np.array(["a", "b", "a", "b"]))


def _idx() -> bytes:
    buffer = WORK / "seed-idx"
    WORK.mkdir(exist_ok=True)
    write_idx(buffer, np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    return buffer.read_bytes()


IDX = _idx()


def _model_files() -> tuple[bytes, bytes]:
    """A model JSON (with preprocessing and metadata) and its arrays file."""
    folder = WORK / "seed-model"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    net = init_network([20, 16, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
    pre = {"format": 1, "kind": "standard", "offset": [0.5] * 20, "scale": [2.0] * 20}
    path = save_model(folder / "m.json", net, classes=["a", "b", "c"], preprocessing=pre,
                      metadata={"title": "fuzz", "epochs": 3})  # fmt: skip
    npz = arrays_path(path)
    assert npz is not None
    return path.read_bytes(), npz.read_bytes()


MODEL_JSON, MODEL_NPZ = _model_files()


def _checkpoint_files() -> tuple[bytes, bytes]:
    """A checkpoint of an Adam run with best parameters kept, and its arrays file."""
    folder = WORK / "seed-checkpoint"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    trainer = _trainer(Checkpointer(folder / "c.json"))
    X, y = _blobs()
    trainer.fit(X, y, validation=(X, y))
    npz = arrays_path(folder / "c.json")
    assert npz is not None
    return (folder / "c.json").read_bytes(), npz.read_bytes()


def _blobs() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(24, 20)), rng.integers(0, 3, size=24)


def _trainer(checkpoint: Checkpointer) -> Trainer:
    net = init_network([20, 16, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
    return Trainer(net, Adam(0.01), epochs=2, batch_size=8, seed=1, checkpoint=checkpoint,
                   progress="quiet")  # fmt: skip


CHECKPOINT_JSON, CHECKPOINT_NPZ = _checkpoint_files()


def _write(name: str, data: bytes) -> Path:
    """``data`` as ``name`` in a fresh scratch folder."""
    shutil.rmtree(WORK / "case", ignore_errors=True)
    (WORK / "case").mkdir(parents=True)
    path = WORK / "case" / name
    path.write_bytes(data)
    return path


def _with_arrays(json_bytes: bytes, npz: bytes, seed: bytes, json_name: str) -> Path:
    """The JSON (its checksum made to fit ``npz``) and ``npz``, named as in ``seed``."""
    name = re.search(rb'"file": "([^"]+)"', seed)
    assert name is not None
    digest = hashlib.sha256(npz).hexdigest().encode()
    path = _write(json_name, re.sub(rb'"sha256": "[0-9a-f]{64}"', b'"sha256": "' + digest + b'"',
                                    json_bytes))  # fmt: skip
    (path.parent / name.group(1).decode()).write_bytes(npz)
    return path


def _npz_mutated(npz: bytes) -> st.SearchStrategy[bytes]:
    """An arrays file with damaged bytes, or with one member's header or data replaced."""

    def replace_member(args: tuple[int, bytes]) -> bytes:
        index, member = args
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(npz)) as source, zipfile.ZipFile(out, "w") as target:
            for i, info in enumerate(source.infolist()):
                target.writestr(info, member if i == index % len(source.infolist())
                                else source.read(info))  # fmt: skip
        return out.getvalue()

    seed_member = _npy(np.zeros((16, 20), dtype=np.float32))
    return st.one_of(
        mutated(npz),
        st.tuples(st.integers(0, 10), mutated(seed_member)).map(replace_member),
    )


# -- the readers -------------------------------------------------------------------


def _example(data: bytes) -> None:
    path = _write("e.toml", data)
    loads_or_fails_cleanly(lambda: load_example(path), "e.toml")


def _claims(data: bytes) -> None:
    from glassnet.check import check

    path = _write("c.toml", data)
    example = load_example("mazur")

    def judge() -> None:
        claims, min_digits = read_claims(str(path))
        check(example, claims, source=str(path), min_digits=3 if min_digits is None else min_digits)

    loads_or_fails_cleanly(judge, "c.toml")


def _training(args: tuple[bytes, bytes]) -> None:
    config_bytes, csv_bytes = args
    path = _write("t.toml", config_bytes)
    (path.parent / "d.csv").write_bytes(csv_bytes)

    def read() -> None:
        config = read_config(path)
        splits = from_config(config.data, base_dir=path.parent, source=config.source,
                             seed=config.seed)  # fmt: skip
        config.build_optimizer()
        config.build_schedule()
        config.build_network(splits.train.n_features, splits.train.n_targets,
                             task=splits.train.task)  # fmt: skip

    loads_or_fails_cleanly(read, "t.toml", "d.csv")


def _csv(data: bytes) -> None:
    path = _write("d.csv", data)
    loads_or_fails_cleanly(lambda: load_csv(path), "d.csv")
    loads_or_fails_cleanly(lambda: load_csv(path, target="label", header=True), "d.csv")
    loads_or_fails_cleanly(lambda: load_csv_features(path), "d.csv")


def _idx_file(args: tuple[bytes, bool]) -> None:
    data, zipped = args
    path = _write("d-idx3-ubyte.gz" if zipped else "d-idx3-ubyte",
                  gzip.compress(data, mtime=0) if zipped else data)  # fmt: skip
    loads_or_fails_cleanly(lambda: read_idx(path), "d-idx3-ubyte")


def _npy_files(args: tuple[bytes, bytes]) -> None:
    x, y = args
    path = _write("x.npy", x)
    (path.parent / "y.npy").write_bytes(y)
    loads_or_fails_cleanly(lambda: load_npy(path, path.parent / "y.npy"), "x.npy", "y.npy")
    loads_or_fails_cleanly(lambda: load_npy(path, path.parent / "y.npy", mmap=True),
                           "x.npy", "y.npy")  # fmt: skip


def _npz_file(data: bytes) -> None:
    path = _write("d.npz", data)
    loads_or_fails_cleanly(lambda: load_npz(path), "d.npz")


def _model_json(data: bytes) -> None:
    path = _with_arrays(data, MODEL_NPZ, MODEL_JSON, "m.json")

    def read() -> None:
        model = load_model(path)  # and its preprocessing, as evaluate and predict read it
        if model.preprocessing is not None:
            Preprocessor.from_dict(model.preprocessing, source=str(path))

    loads_or_fails_cleanly(read, "m.json")


def _model_arrays(npz: bytes) -> None:
    path = _with_arrays(MODEL_JSON, npz, MODEL_JSON, "m.json")
    loads_or_fails_cleanly(lambda: load_model(path), "m.json")


def _checkpoint(args: tuple[bytes, bytes]) -> None:
    json_bytes, npz = args
    path = _with_arrays(json_bytes, npz, CHECKPOINT_JSON, "c.json")

    def read() -> None:
        load_checkpoint(path)
        checkpoint = Checkpointer(path)
        checkpoint.load(_trainer(checkpoint))

    loads_or_fails_cleanly(read, "c.json", "checkpoint")


test_example, test_example_long = fuzz(_example, mutated(EXAMPLE))
test_claims, test_claims_long = fuzz(_claims, mutated(CLAIMS))
test_training_file, test_training_file_long = fuzz(
    _training,
    st.one_of(
        st.tuples(mutated(TRAINING), st.just(CSV)), st.tuples(st.just(TRAINING), mutated(CSV))
    ),
)
test_csv, test_csv_long = fuzz(_csv, mutated(CSV))
test_idx, test_idx_long = fuzz(_idx_file, st.tuples(mutated(IDX), st.booleans()))
test_npy, test_npy_long = fuzz(
    _npy_files,
    st.one_of(st.tuples(mutated(NPY_X), st.just(NPY_Y)), st.tuples(st.just(NPY_X), mutated(NPY_Y))),
)
test_npz, test_npz_long = fuzz(_npz_file, mutated(NPZ))
test_model_json, test_model_json_long = fuzz(_model_json, mutated(MODEL_JSON))
test_model_arrays, test_model_arrays_long = fuzz(_model_arrays, _npz_mutated(MODEL_NPZ))
test_checkpoint, test_checkpoint_long = fuzz(
    _checkpoint,
    st.one_of(
        st.tuples(mutated(CHECKPOINT_JSON), st.just(CHECKPOINT_NPZ)),
        st.tuples(st.just(CHECKPOINT_JSON), _npz_mutated(CHECKPOINT_NPZ)),
    ),
)
