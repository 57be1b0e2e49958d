"""glassnet.progress: a line per epoch, or a progress bar."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest

from glassnet.errors import GlassnetError
from glassnet.init import init_network
from glassnet.optimizers import SGD
from glassnet.progress import LineProgress
from glassnet.training import fit
from train_helpers import blobs


def test_line_progress():
    X, y = blobs()
    stream = io.StringIO()
    net = init_network([5, 6, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
    fit(
        net,
        X,
        y,
        optimizer=SGD(0.1),
        epochs=2,
        batch_size=16,
        progress=LineProgress(stream),
        validation=blobs(seed=1),
    )
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("epoch 2/2  loss ")
    assert "accuracy " in lines[1] and "val_loss " in lines[1] and "lr 0.1" in lines[1]


def test_progress_bar_reports_each_epoch():
    from glassnet.progress import BarProgress, make_progress

    X, y = blobs()
    stream = io.StringIO()
    net = init_network([5, 6, 3], ["relu", "softmax"], loss="cross_entropy", rng=0)
    fit(net, X, y, optimizer=SGD(0.1), epochs=2, batch_size=16, progress=BarProgress(stream))
    lines = [line for line in stream.getvalue().splitlines() if line.startswith("epoch")]
    assert [line[:9] for line in lines] == ["epoch 1/2", "epoch 2/2"]
    assert isinstance(make_progress("auto", io.StringIO()), LineProgress)  # not a terminal
    with pytest.raises(GlassnetError, match="progress must be one of"):
        make_progress("fancy")


def test_progress_does_not_import_the_training_package():
    """progress needs only ``EpochRecord``'s shape (a type): no import cycle with training.

    Every import of ``glassnet.training`` in progress.py sits under ``if TYPE_CHECKING``."""
    import glassnet.progress

    tree = ast.parse(Path(glassnet.progress.__file__).read_text())
    type_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for node in ast.walk(block)
    }
    imported = [
        (node.module, id(node) in type_only)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("glassnet.training")
    ]
    assert imported == [("glassnet.training.history", True)]
