"""Training on real data: ``Trainer`` and ``fit``, and what they need.

- ``loop``: ``Trainer`` and ``fit``, epochs of shuffled mini-batches;
- ``step``: one batch's forward and backward pass (fused or generic), the loop's
  seam to the fast paths;
- ``history``: ``EpochRecord``, ``History``, ``EarlyStopping``, the exploded-loss rule;
- ``evaluation``: ``predict``, ``evaluate``, the confusion matrix, ``Targets`` and
  the checks every array passes on its way in;
- ``resources``: the memory a run needs (checked before it starts) and BLAS threads;
- ``checkpoint``: ``Checkpointer``, the only one that reads or writes files.

Everything public is importable from here: ``from glassnet.training import Trainer``.
"""

from glassnet.training.checkpoint import Checkpointer, restore_parameters
from glassnet.training.evaluation import (
    CHECK_ROWS,
    EVAL_BATCH,
    Evaluation,
    Targets,
    check_features,
    confusion_matrix,
    evaluate,
    evaluate_targets,
    input_range,
    predict,
    predicted_labels,
)
from glassnet.training.history import (
    COLUMNS,
    EXPLOSION_FACTOR,
    EarlyStopping,
    EpochRecord,
    History,
    describe_position,
)
from glassnet.training.loop import PROBE_ROWS, Trainer, TrainerState, fit
from glassnet.training.resources import (
    available_memory,
    blas_threads,
    check_memory,
    memory_needed,
)

__all__ = [
    "CHECK_ROWS",
    "COLUMNS",
    "EVAL_BATCH",
    "EXPLOSION_FACTOR",
    "PROBE_ROWS",
    "Checkpointer",
    "EarlyStopping",
    "EpochRecord",
    "Evaluation",
    "History",
    "Targets",
    "Trainer",
    "TrainerState",
    "available_memory",
    "blas_threads",
    "check_features",
    "check_memory",
    "confusion_matrix",
    "describe_position",
    "evaluate",
    "evaluate_targets",
    "fit",
    "input_range",
    "memory_needed",
    "predict",
    "predicted_labels",
    "restore_parameters",
]
