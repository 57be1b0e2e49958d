"""Plots of a training run: loss (and accuracy) per epoch as a PNG, with matplotlib.

matplotlib is an extra (``pip install 'glassnet[plot]'``); without it
``plot_history`` returns None and the caller says ``MISSING``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from glassnet.atomic import atomic_path

if TYPE_CHECKING:
    from glassnet.training.history import History

#: What to tell the user when matplotlib is not installed.
MISSING = "history.png skipped: matplotlib is missing; pip install 'glassnet[plot]'"


def plot_history(history: History, path: Path) -> Path | None:
    """Loss and accuracy per epoch (train, validation, the best epoch) as a PNG at
    ``path``, written atomically; ``None`` without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    epochs = history.column("epoch")
    has_accuracy = any(v is not None for v in history.column("accuracy"))
    fig, axes = plt.subplots(1, 2 if has_accuracy else 1, figsize=(10 if has_accuracy else 5, 4))
    axes = list(axes) if has_accuracy else [axes]
    panels = [("loss", "val_loss", "loss")]
    if has_accuracy:
        panels.append(("accuracy", "val_accuracy", "accuracy"))
    marker = "o" if len(epochs) <= 30 else None
    for ax, (train_key, val_key, label) in zip(axes, panels):
        ax.plot(epochs, history.column(train_key), marker=marker, label="train")
        val = history.column(val_key)
        if any(v is not None for v in val):
            ax.plot(epochs, val, marker=marker, label="validation")
        if history.best_epoch is not None:
            ax.axvline(history.best_epoch, color="grey", linestyle=":", label="best epoch")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    with atomic_path(path) as temporary:
        fig.savefig(temporary, format="png", dpi=100)
    plt.close(fig)
    return path
