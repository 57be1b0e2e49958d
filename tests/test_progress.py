"""glassnet.progress: a line per epoch, or a progress bar."""

from __future__ import annotations

import io

import pytest

from glassnet.errors import GlassnetError
from glassnet.init import init_network
from glassnet.optimizers import SGD
from glassnet.progress import LineProgress
from glassnet.training import (
    fit,
)
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
