"""glassnet: neural networks you can see through.

Fully connected feed-forward networks trained with backpropagation and
gradient descent, with every number of every step recorded in a ``Trace``.

The practitioner's API is here, one import away::

    import glassnet as gn

    net = gn.init_network([2, 8, 2], ["tanh", "softmax"], loss="cross_entropy", rng=0)
    history = gn.Trainer(net, gn.SGD(0.1, momentum=0.9), epochs=20, seed=0).fit(X, y)
    print(gn.evaluate(net, X_test, y_test).accuracy)
    gn.save_model("model.json", net)
"""

import importlib
from typing import TYPE_CHECKING, Any

from glassnet.activations import ACTIVATIONS, Activation, get_activation
from glassnet.engine import EXACT, Variant, backprop, forward
from glassnet.errors import GlassnetError, TrainingDivergedError
from glassnet.example import Example, parse_example, read_example
from glassnet.examples import load_example
from glassnet.fast.full_batch import train
from glassnet.init import Init, init_network
from glassnet.losses import LOSSES, Loss, get_loss
from glassnet.names import Names
from glassnet.network import Layer, Network
from glassnet.render import notebook as _notebook  # noqa: F401  (Jupyter display hooks)
from glassnet.trace import LayerTrace, Trace

if TYPE_CHECKING:
    from glassnet.optimizers import SGD, AdaGrad, Adam, Optimizer, RMSProp, get_optimizer
    from glassnet.persistence import Model, load_model, save_model
    from glassnet.schedules import Constant, Cosine, Exponential, Schedule, Step, get_schedule
    from glassnet.training import EarlyStopping, History, Trainer, evaluate, fit, predict
    from glassnet.widget import LiveView as LiveView

#: The training API, imported on first use: every command imports ``glassnet``, and
#: ``explain`` or ``check`` should not pay for loading the trainer and its file formats.
_LAZY = {
    "glassnet.optimizers": ("SGD", "AdaGrad", "Adam", "Optimizer", "RMSProp", "get_optimizer"),
    "glassnet.persistence": ("Model", "load_model", "save_model"),
    "glassnet.schedules": ("Constant", "Cosine", "Exponential", "Schedule", "Step", "get_schedule"),
    "glassnet.training": ("EarlyStopping", "History", "Trainer", "evaluate", "fit", "predict"),
    # Needs the jupyter extra (without it, its one-line ImportError says how to install it),
    # so it is not in __all__: a star import must not need the extra.
    "glassnet.widget": ("LiveView",),
}
_LAZY_MODULE = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULE:
        value = getattr(importlib.import_module(_LAZY_MODULE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_MODULE})


__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "EXACT",
    "LOSSES",
    "SGD",
    "Activation",
    "AdaGrad",
    "Adam",
    "Constant",
    "Cosine",
    "EarlyStopping",
    "Example",
    "Exponential",
    "GlassnetError",
    "History",
    "Init",
    "Layer",
    "LayerTrace",
    "Loss",
    "Model",
    "Names",
    "Network",
    "Optimizer",
    "RMSProp",
    "Schedule",
    "Step",
    "Trace",
    "Trainer",
    "TrainingDivergedError",
    "Variant",
    "backprop",
    "evaluate",
    "fit",
    "forward",
    "get_activation",
    "get_loss",
    "get_optimizer",
    "get_schedule",
    "init_network",
    "load_example",
    "load_model",
    "parse_example",
    "predict",
    "read_example",
    "save_model",
    "train",
]
