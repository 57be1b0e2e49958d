"""One JSON policy: a number that is not finite is written ``null``, never a bare ``NaN``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from glassnet.cli import main
from glassnet.jsonfile import dumps, finite
from glassnet.network import Layer, Network
from glassnet.persistence import save_model

#: One update whose net input overflows: out = inf, E = inf, the gradients inf and NaN.
OVERFLOW = """
loss = "half_sse"
learning_rate = 0.5

[[layers]]
activation = "identity"
weights = [[1e300, 1e300]]

[[samples]]
input = [1e10, 1e10]
target = [0.5]
"""


def strict(text: str):
    """``json.loads`` that rejects NaN and Infinity, as JavaScript's ``JSON.parse`` does."""

    def reject(word: str):
        raise AssertionError(f"bare {word} in JSON")

    return json.loads(text, parse_constant=reject)


def test_finite_replaces_nan_and_infinities_anywhere():
    data = {"a": math.nan, "b": [1.0, -math.inf, (math.inf, 2)], "c": np.float64("nan"), "d": 3}
    assert finite(data) == {"a": None, "b": [1.0, None, [None, 2]], "c": None, "d": 3}
    assert strict(dumps(data)) == finite(data)


def test_explain_json_of_an_overflowing_update_is_strict_json(tmp_path, capsys):
    path = tmp_path / "overflow.toml"
    path.write_text(OVERFLOW)
    with np.errstate(over="ignore", invalid="ignore"):
        assert main(["explain", str(path), "--format", "json"]) == 0
    document = strict(capsys.readouterr().out)
    assert document["samples"][0]["layers"][0]["net"] == [None]  # 2e310 is past the float range
    assert document["loss"] is None


def test_model_files_write_null_for_a_non_finite_metadata_number(tmp_path):
    network = Network([Layer([[1.0]], "identity")], loss="mse")
    path = save_model(tmp_path / "m.json", network, metadata={"best_loss": math.inf})
    assert strict(path.read_text())["metadata"]["best_loss"] is None


def test_dumps_keeps_options():
    assert dumps([1.0, math.nan], separators=(",", ":")) == "[1.0,null]"
    with pytest.raises(TypeError):
        dumps({1j})
