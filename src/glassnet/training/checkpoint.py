"""Checkpoints: a run saved so it can continue exactly where it stopped.

A checkpoint is a model file (the network, with ``model_info``) plus the
trainer's ``state_dict()``: optimizer state, the shuffling generator at the
start of the epoch, how far into the epoch training got, the history. The only
training module that reads or writes files (through ``glassnet.persistence``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from glassnet.errors import GlassnetError
from glassnet.network import Network
from glassnet.persistence import load_checkpoint, save_checkpoint
from glassnet.training.history import COLUMNS
from glassnet.training.loop import Trainer, positive_int


class Checkpointer:
    """Saves the run to ``path`` (JSON plus arrays) every ``every`` epochs.

    ``model_info`` (classes, preprocessing, …) is saved with the network so a
    checkpoint is also a usable model file.
    """

    def __init__(
        self, path: str | Path, *, every: int = 1, model_info: dict[str, Any] | None = None
    ):
        self.path = Path(path)
        self.every = positive_int("checkpoint every", every) if every else 0
        self.model_info = model_info or {}
        self.last_saved: Path | None = None
        #: ``(epochs done, batches of the next)`` of the last checkpoint saved or loaded.
        self.last_position: tuple[int, int] | None = None

    def due(self, epoch: int) -> bool:
        return bool(self.every) and epoch % self.every == 0

    def save(self, trainer: Trainer) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        save_checkpoint(self.path, trainer.network, trainer.state_dict(), **self.model_info)
        self.last_saved = self.path
        self.last_position = (trainer.state.epoch, trainer.state.batch)

    def load(self, trainer: Trainer) -> None:
        """Restore ``trainer`` (network parameters included) from the checkpoint file."""
        network, state = load_checkpoint(self.path, history_columns=COLUMNS)
        try:
            restore_parameters(trainer.network, network)
            trainer.load_state_dict(state)
        except GlassnetError as error:  # a state that does not fit this trainer: say which file
            if error.source is not None:
                raise
            raise GlassnetError(error.detail, source=str(self.path), field=error.field) from None
        self.last_saved = self.path
        self.last_position = (trainer.state.epoch, trainer.state.batch)


def restore_parameters(network: Network, saved: Network) -> None:
    """Copy ``saved``'s parameters into ``network`` (same sizes and biases), in place."""
    if saved.sizes != network.sizes:
        raise GlassnetError(
            f"the checkpoint's network has sizes {saved.sizes}, this run's {network.sizes}"
        )
    for index, (layer, other) in enumerate(zip(network.layers, saved.layers)):
        if layer.bias_mode != other.bias_mode:
            raise GlassnetError(f"layers[{index}].bias differs between checkpoint and run")
        np.copyto(layer.weights, other.weights)
        if layer.bias is not None and other.bias is not None:
            np.copyto(layer.bias, other.bias)
