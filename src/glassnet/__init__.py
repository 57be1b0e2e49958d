"""glassnet: neural networks you can see through.

Fully connected feed-forward networks trained with backpropagation and
gradient descent, with every number of every step recorded in a ``Trace``.
"""

from glassnet.activations import ACTIVATIONS, get_activation
from glassnet.engine import EXACT, Variant, backprop, forward
from glassnet.errors import GlassnetError, TrainingDivergedError
from glassnet.example import Example, parse_example, read_example
from glassnet.examples import load_example
from glassnet.fast.full_batch import train
from glassnet.losses import LOSSES, get_loss
from glassnet.names import Names
from glassnet.network import Layer, Network
from glassnet.render import notebook as _notebook  # noqa: F401  (Jupyter display hooks)
from glassnet.trace import LayerTrace, Trace

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "EXACT",
    "LOSSES",
    "Example",
    "GlassnetError",
    "Layer",
    "LayerTrace",
    "Names",
    "Network",
    "Trace",
    "TrainingDivergedError",
    "Variant",
    "backprop",
    "forward",
    "get_activation",
    "get_loss",
    "load_example",
    "parse_example",
    "read_example",
    "train",
]
