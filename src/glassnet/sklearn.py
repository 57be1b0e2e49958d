"""scikit-learn estimators: ``MLPClassifier`` and ``MLPRegressor`` trained by glassnet.

They follow scikit-learn's conventions (``__init__`` only stores its arguments,
learned state ends in ``_``, ``fit`` returns ``self``) and work in a
``Pipeline`` and ``GridSearchCV``. Training is ``glassnet.training.Trainer``:
the same engine, optimizers and seeding as ``glassnet train``.

Needs the ``sklearn`` extra: ``pip install 'glassnet[sklearn]'``.

>>> from sklearn.datasets import make_moons
>>> X, y = make_moons(200, noise=0.1, random_state=0)
>>> clf = MLPClassifier((16,), learning_rate=0.01, epochs=100, random_state=0).fit(X, y)
>>> clf.score(X, y) > 0.95
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils import check_random_state
    from sklearn.utils.multiclass import check_classification_targets, unique_labels
    from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data
except ImportError:  # pragma: no cover - exercised by the missing-extra test in a subprocess
    raise ImportError(
        "glassnet.sklearn needs scikit-learn: pip install 'glassnet[sklearn]'"
    ) from None

from glassnet.errors import GlassnetError
from glassnet.init import init_network
from glassnet.network import Network
from glassnet.optimizers import get_optimizer
from glassnet.training import EarlyStopping, History, Trainer, predict

Array = NDArray[np.floating]


class _MLP(BaseEstimator):  # type: ignore[misc]
    """What the classifier and the regressor share; see ``MLPClassifier``."""

    _output_activation = ""
    _loss = ""

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (100,),
        *,
        activation: str = "relu",
        optimizer: str = "adam",
        learning_rate: float = 0.001,
        weight_decay: float = 0.0,
        batch_size: int = 32,
        epochs: int = 200,
        init: str = "auto",
        shuffle: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        patience: int = 10,
        random_state: Any = None,
        verbose: bool = False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.epochs = epochs
        self.init = init
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state
        self.verbose = verbose

    # -- what the subclasses fill in -------------------------------------------

    def _n_outputs(self, y: NDArray[Any]) -> int:
        raise NotImplementedError

    def _targets(self, y: NDArray[Any]) -> NDArray[Any]:
        """``y`` as the trainer takes it: class indices, or float targets (n, n_outputs)."""
        raise NotImplementedError

    # -- fitting -------------------------------------------------------------------

    def _settings_errors(self) -> None:
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, int | np.integer) else tuple(sizes)
        if any(isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1 for n in sizes):
            raise ValueError(f"hidden_layer_sizes must be whole numbers >= 1, got {sizes}")
        if not 0 < self.validation_fraction < 1:
            raise ValueError(
                f"validation_fraction must be > 0 and < 1, got {self.validation_fraction}"
            )

    def _build(self, n_features: int, n_outputs: int, dtype: Any, seed: int) -> Trainer:
        self._settings_errors()
        sizes = self.hidden_layer_sizes
        hidden = [sizes] if isinstance(sizes, int | np.integer) else list(sizes)
        activations = [self.activation] * len(hidden) + [self._output_activation]
        try:
            network = init_network(
                [n_features, *hidden, n_outputs],
                activations,
                loss=self._loss,
                init=self.init,
                rng=np.random.default_rng([seed, 1]),
                dtype=dtype,
            )
            optimizer = get_optimizer(
                self.optimizer, learning_rate=self.learning_rate, weight_decay=self.weight_decay
            )
            return Trainer(
                network,
                optimizer,
                epochs=self.epochs,
                batch_size=self.batch_size,
                seed=[seed, 2],
                shuffle=self.shuffle,
                early_stopping=EarlyStopping(self.patience) if self.early_stopping else None,
                progress="lines" if self.verbose else "quiet",
            )
        except GlassnetError as error:
            raise ValueError(str(error)) from None

    def _seed(self) -> int:
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _fit(self, X: ArrayLike, y: ArrayLike, *, partial: bool) -> Any:
        first = not partial or not hasattr(self, "network_")
        checked = validate_data(
            self, X, y, reset=first, dtype=(np.float64, np.float32), multi_output=True
        )
        x: Array = np.asarray(checked[0])
        y = self._prepare_y(np.asarray(checked[1]), first=first)
        if first:
            seed = self._seed()
            dtype = np.float32 if x.dtype == np.float32 else np.float64
            self._trainer = self._build(x.shape[1], self._n_outputs(y), dtype, seed)
            self.network_: Network = self._trainer.network
            self._split_rng = np.random.default_rng([seed, 3])
        trainer = self._trainer
        targets = self._targets(y)
        validation = None
        if self.early_stopping and not partial:
            x, targets, validation = self._split(x, targets)
        if partial:
            trainer.epochs = trainer.state.epoch + 1
        try:
            history = trainer.fit(x, targets, validation=validation)
        except GlassnetError as error:
            raise ValueError(str(error)) from None
        self.history_: History = history
        self.loss_curve_ = history.column("loss")
        self.n_iter_ = len(history.records)
        if validation is not None:
            self.validation_scores_ = history.column("val_loss")
            self.best_epoch_ = history.best_epoch
        return self

    def _split(
        self, X: Array, targets: NDArray[Any]
    ) -> tuple[Array, NDArray[Any], tuple[Array, NDArray[Any]]]:
        n = X.shape[0]
        n_val = max(1, round(self.validation_fraction * n))
        if n - n_val < 1:
            raise ValueError(f"early_stopping needs at least 2 samples, got {n}")
        order = self._split_rng.permutation(n)
        val, train = order[:n_val], order[n_val:]
        return X[train], targets[train], (X[val], targets[val])

    def _prepare_y(self, y: NDArray[Any], *, first: bool) -> NDArray[Any]:
        return y

    def _outputs(self, X: ArrayLike) -> Array:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return predict(self.network_, X)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


class MLPClassifier(ClassifierMixin, _MLP):  # type: ignore[misc]
    """A feed-forward classifier: hidden layers, a softmax output, cross-entropy loss.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
        Neurons per hidden layer.
    activation : str, default "relu"
        The hidden layers' activation (``glassnet.activations.ACTIVATIONS``).
    optimizer : str, default "adam"
        sgd, momentum, nesterov, adagrad, rmsprop, adam or adamw.
    learning_rate, weight_decay : float
        The optimizer's step size and L2 weight decay (weights only).
    batch_size, epochs : int
        Samples per update; passes over the training data.
    init : str, default "auto"
        Initial weights (``glassnet.init``): He for ReLU, Glorot otherwise.
    shuffle : bool
    early_stopping : bool
        Hold out ``validation_fraction`` of the samples and stop when their loss
        has not improved for ``patience`` epochs, keeping the best weights.
    random_state : int, RandomState or None
    verbose : bool
        One line per epoch on stderr.

    Attributes
    ----------
    classes_, n_features_in_, network_ (a ``glassnet.Network``), history_,
    loss_curve_ (training loss per epoch), n_iter_ (epochs run).

    Float32 input trains a float32 network; anything else, float64.
    """

    _output_activation = "softmax"
    _loss = "cross_entropy"

    def _prepare_y(self, y: NDArray[Any], *, first: bool) -> NDArray[Any]:
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if first and not hasattr(self, "_partial_classes"):
            self.classes_ = unique_labels(y)
        unknown = np.setdiff1d(unique_labels(y), self.classes_)
        if unknown.size:
            raise ValueError(f"y has classes {unknown.tolist()} not in classes_ "
                             f"{self.classes_.tolist()}")  # fmt: skip
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes, got 1 class "
                f"({self.classes_[0]!r})"
            )
        return np.searchsorted(self.classes_, y)

    def _n_outputs(self, y: NDArray[Any]) -> int:
        return len(self.classes_)

    def _targets(self, y: NDArray[Any]) -> NDArray[Any]:
        return y.astype(np.int64)

    def fit(self, X: ArrayLike, y: ArrayLike) -> MLPClassifier:
        """Train a new network on ``X`` (n_samples, n_features) and labels ``y``."""
        for name in ("_partial_classes", "network_"):
            if hasattr(self, name):
                delattr(self, name)
        return self._fit(X, y, partial=False)

    def partial_fit(
        self, X: ArrayLike, y: ArrayLike, classes: ArrayLike | None = None
    ) -> MLPClassifier:
        """One more epoch on ``X``, ``y``; the first call needs every class in ``classes``."""
        if not hasattr(self, "network_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            self.classes_ = unique_labels(classes)
            self._partial_classes = True
        return self._fit(X, y, partial=True)

    def predict_proba(self, X: ArrayLike) -> Array:
        """Each class's output (softmax), ``(n_samples, n_classes)``; rows sum to 1."""
        return self._outputs(X).astype(np.float64)

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The class with the largest output for each sample."""
        outputs = self._outputs(X)
        return self.classes_[np.argmax(outputs, axis=1)]


class MLPRegressor(RegressorMixin, _MLP):  # type: ignore[misc]
    """A feed-forward regressor: hidden layers, an identity output, mean squared error.

    Parameters and attributes as ``MLPClassifier`` (without ``classes_``); ``y``
    may have one target ``(n_samples,)`` or several ``(n_samples, n_targets)``.
    """

    _output_activation = "identity"
    _loss = "mse"

    def _prepare_y(self, y: NDArray[Any], *, first: bool) -> NDArray[Any]:
        y = np.asarray(y, dtype=np.float64)
        if first:
            self._y_1d = y.ndim == 1
        return y.reshape(len(y), -1)

    def _n_outputs(self, y: NDArray[Any]) -> int:
        return int(y.shape[1])

    def _targets(self, y: NDArray[Any]) -> NDArray[Any]:
        return y

    def fit(self, X: ArrayLike, y: ArrayLike) -> MLPRegressor:
        """Train a new network on ``X`` (n_samples, n_features) and targets ``y``."""
        if hasattr(self, "network_"):
            del self.network_
        return self._fit(X, y, partial=False)

    def partial_fit(self, X: ArrayLike, y: ArrayLike) -> MLPRegressor:
        """One more epoch on ``X``, ``y``."""
        return self._fit(X, y, partial=True)

    def predict(self, X: ArrayLike) -> NDArray[np.float64]:
        """The network's outputs, ``(n_samples,)`` or ``(n_samples, n_targets)``."""
        out = self._outputs(X).astype(np.float64)
        return out[:, 0] if self._y_1d else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
