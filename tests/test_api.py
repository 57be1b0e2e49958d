"""The public API: sorted ``__all__`` lists that import, and every docstring example runs."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from types import ModuleType

import pytest

import glassnet

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(glassnet.__path__, prefix="glassnet.")
    if not info.name.endswith("__main__")  # importing it runs the command line
)


def isort_order(name: str) -> tuple[int, str]:
    """Constants first, then classes, then functions (ruff's RUF022, isort-style)."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


def load(name: str) -> ModuleType:
    return importlib.import_module(name)


@pytest.mark.parametrize("name", ["glassnet", *MODULES])
def test_all_is_sorted_and_importable(name: str) -> None:
    module = load(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        return
    assert list(exported) == sorted(exported, key=isort_order), f"{name}.__all__ is not sorted"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names {item!r}, which is not there"


@pytest.mark.parametrize("name", ["glassnet", *MODULES])
def test_docstring_examples_run(name: str) -> None:
    module = load(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"


def test_the_command_line_lists_every_command() -> None:
    from glassnet.cli import COMMANDS, build_parser

    help_text = build_parser().format_help()
    for command in COMMANDS:
        assert command in help_text


def test_bare_glassnet_prints_the_help(capsys):
    from glassnet.cli import build_parser, main

    assert main([]) == 2
    out, err = capsys.readouterr()
    assert err == "" and out == build_parser().format_help()


def test_the_practitioner_api_is_one_import_away() -> None:
    """A training script needs ``import glassnet as gn`` and nothing deeper."""
    import numpy as np

    gn = glassnet
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (40, 2))
    y = (x[:, 0] > x[:, 1]).astype(int)
    net = gn.init_network([2, 4, 2], ["tanh", "softmax"], loss="cross_entropy", rng=0)
    stop = gn.EarlyStopping(patience=50)
    history = gn.Trainer(
        net, gn.SGD(0.5), epochs=20, batch_size=8, schedule=gn.Cosine(), seed=0,
        early_stopping=stop, progress="quiet",
    ).fit(x, y, validation=(x, y))  # fmt: skip
    assert history.records[-1].loss < history.records[0].loss
    assert gn.evaluate(net, x, y).accuracy == float(np.mean(gn.predict(net, x).argmax(1) == y))
    practitioner = {"Trainer", "fit", "SGD", "Adam", "init_network", "save_model", "load_model"}
    practitioner |= {"evaluate", "predict", "EarlyStopping", "Cosine", "Step", "Exponential"}
    assert practitioner <= set(gn.__all__)
