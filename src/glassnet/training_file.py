"""Training files: one TOML file for data, network, optimizer, schedule and run.

``docs/training.md`` documents every key; in short::

    [data]                      # glassnet.data.from_config reads this table
    train = { format = "mnist", path = "data/mnist", split = "train" }
    validation_fraction = 0.1
    scale = "divide:255"

    [network]
    hidden = [256]              # or [[network.layers]] tables
    activation = "relu"
    loss = "cross_entropy"      # default: from the output activation
    init = "auto"

    [training]
    epochs = 20
    batch_size = 128
    seed = 0

    [optimizer]
    name = "sgd"
    learning_rate = 0.1
    momentum = 0.9

    [schedule]
    name = "cosine"

Relative paths are relative to the file's folder. Every mistake is reported
once, as ``FILE: FIELD: what was expected, got what``, and an unknown key
suggests the closest known one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassnet.activations import ACTIVATIONS, SETTINGS, Activation
from glassnet.errors import GlassnetError, did_you_mean
from glassnet.init import METHODS, Init, init_weights
from glassnet.losses import LOSSES
from glassnet.network import BATCH_REDUCTIONS, LayerSpec, Network, build_network
from glassnet.optimizers import OPTIMIZERS, Optimizer, get_optimizer
from glassnet.schedules import SCHEDULES, Schedule, get_schedule
from glassnet.tomlfile import parse_toml, read_text, read_toml
from glassnet.training.history import EarlyStopping
from glassnet.validate import Fields

TOP_KEYS = {
    "title",
    "description",
    "data",
    "network",
    "training",
    "optimizer",
    "schedule",
    "output",
    "search",
}
NETWORK_KEYS = {
    "hidden",
    "activation",
    "output_activation",
    "layers",
    "loss",
    "init",
    "batch_reduction",
    "dtype",
}
GENERATED_LAYER_KEYS = {"neurons", "activation", "init", "bias", "train_bias", *SETTINGS}
EXPLICIT_LAYER_KEYS = {"weights", "activation", "bias", "train_bias", *SETTINGS}
INIT_KEYS = {"method", "low", "high", "mean", "std", "value", "gain"}
TRAINING_KEYS = {
    "epochs", "batch_size", "seed", "shuffle", "checkpoint_every", "early_stopping", "threads",
}  # fmt: skip
EARLY_STOPPING_KEYS = {"patience", "min_delta", "restore_best"}
OUTPUT_KEYS = {"directory", "plot"}
DTYPES: dict[str, type[np.floating[Any]]] = {"float32": np.float32, "float64": np.float64}
#: Seed streams: the network's initial weights and the shuffling draw apart.
INIT_STREAM, SHUFFLE_STREAM = 1, 2


@dataclass
class TrainingConfig:
    """A parsed, validated training file; ``build_*`` make the objects it describes."""

    path: Path
    data: dict[str, Any]
    network: dict[str, Any]
    optimizer: dict[str, Any]
    schedule: dict[str, Any] | None
    epochs: int = 10
    batch_size: int = 32
    seed: int = 0
    shuffle: bool = True
    checkpoint_every: int = 1
    early_stopping: EarlyStopping | None = None
    threads: int | None = None
    output_directory: Path | None = None
    plot: bool = True
    title: str = ""
    text: str = field(default="", repr=False)

    @property
    def source(self) -> str:
        return str(self.path)

    def fail(self, where: str, message: str) -> GlassnetError:
        return GlassnetError(message, source=self.source, field=where)

    def build_optimizer(self) -> Optimizer:
        settings = {k: v for k, v in self.optimizer.items() if k != "name"}
        try:
            return get_optimizer(self.optimizer.get("name", "sgd"), **settings)
        except GlassnetError as error:
            raise self.fail("optimizer", error.detail) from None

    def build_schedule(self) -> Schedule | None:
        if self.schedule is None:
            return None
        settings = {k: v for k, v in self.schedule.items() if k != "name"}
        try:
            return get_schedule(self.schedule.get("name", "constant"), **settings)
        except GlassnetError as error:
            raise self.fail("schedule", error.detail) from None

    def build_network(self, n_features: int, n_outputs: int, *, task: str) -> Network:
        """The network for data with ``n_features`` inputs and ``n_outputs`` targets.

        ``task`` (``classification`` or ``regression``) picks the default output
        activation and loss. Initial weights come from ``seed``.
        """
        return _NetworkBuilder(self, n_features, n_outputs, task).build()

    def layer_sizes(self, n_features: int, n_outputs: int, *, task: str) -> list[int]:
        """``[n_inputs, …, n_outputs]`` of the network ``build_network`` would make,
        without allocating its weights (to check first that they fit in memory)."""
        tables = _NetworkBuilder(self, n_features, n_outputs, task).layer_tables()
        return [n_features] + [
            len(t["weights"]) if "weights" in t else int(t.get("neurons", n_outputs))
            for t in tables
        ]


def read_config(path: str | Path) -> TrainingConfig:
    """Read and validate a training file."""
    return parse_config(read_text(path), path=path)


def is_training_config(path: str | Path) -> bool:
    """Whether ``path`` is a TOML file with a ``[data]`` table (not a worked example)."""
    try:
        data = read_toml(path)
    except GlassnetError:
        return False
    return isinstance(data.get("data"), dict)


def parse_config(text: str, *, path: str | Path = "<string>") -> TrainingConfig:
    """Parse the TOML ``text`` of a training file; ``path`` names it and anchors its paths."""
    return config_from_document(parse_toml(text, source=str(path)), path=path, text=text)


def config_from_document(
    data: dict[str, Any], *, path: str | Path = "<string>", text: str = ""
) -> TrainingConfig:
    """Validate a training file already parsed into ``data`` (``glassnet search`` changes
    some of its keys first); ``path`` names it and anchors its paths. The ``[search]``
    table is ``glassnet.search``'s to read."""
    path = Path(path)
    p = _Checker(str(path))
    p.keys(data, TOP_KEYS, "")
    if "data" not in data:
        raise p.fail("data", "missing; a training file needs a [data] table")
    data_table = p.table(data, "data")
    network = p.table(data, "network")
    p.keys(network, NETWORK_KEYS, "network")
    _check_network(p, network)
    training = p.table(data, "training")
    p.keys(training, TRAINING_KEYS, "training")
    optimizer = p.table(data, "optimizer")
    _check_named(
        p,
        optimizer,
        "optimizer",
        {k: _settings(c) for k, c in OPTIMIZERS.items()},
        aliases={"momentum": "sgd", "nesterov": "sgd", "adamw": "adam"},
    )
    schedule = p.table(data, "schedule") if "schedule" in data else None
    if schedule is not None:
        _check_named(p, schedule, "schedule", {k: _settings(c) for k, c in SCHEDULES.items()})
    output = p.table(data, "output")
    p.keys(output, OUTPUT_KEYS, "output")
    early = None
    if "early_stopping" in training:
        table = p.table(training, "early_stopping", where="training.early_stopping")
        p.keys(table, EARLY_STOPPING_KEYS, "training.early_stopping")
        early = EarlyStopping(
            patience=p.integer(table.get("patience", 5), "training.early_stopping.patience"),
            min_delta=p.number(table.get("min_delta", 0.0), "training.early_stopping.min_delta"),
            restore_best=p.boolean(
                table.get("restore_best", True), "training.early_stopping.restore_best"
            ),
        )
    has_validation = "validation" in data_table or "validation_fraction" in data_table
    if early is not None and not has_validation:
        raise p.fail(
            "training.early_stopping",
            "needs validation data: add data.validation_fraction or data.validation",
        )
    directory = output.get("directory")
    if directory is not None and (not isinstance(directory, str) or not directory):
        raise p.fail("output.directory", f"expected a folder path, got {directory!r}")
    title = data.get("title", "")
    if not isinstance(title, str):
        raise p.fail("title", f"expected a string, got {title!r}")
    config = TrainingConfig(
        path=path,
        data=data_table,
        network=network,
        optimizer=optimizer,
        schedule=schedule,
        epochs=p.integer(training.get("epochs", 10), "training.epochs"),
        batch_size=p.integer(training.get("batch_size", 32), "training.batch_size"),
        seed=p.integer(training.get("seed", 0), "training.seed", minimum=0),
        shuffle=p.boolean(training.get("shuffle", True), "training.shuffle"),
        checkpoint_every=p.integer(
            training.get("checkpoint_every", 1), "training.checkpoint_every", minimum=0
        ),
        early_stopping=early,
        threads=p.integer(training["threads"], "training.threads")
        if "threads" in training
        else None,
        output_directory=None if directory is None else path.parent / directory,
        plot=p.boolean(output.get("plot", True), "output.plot"),
        title=title,
        text=text,
    )
    config.build_optimizer()
    config.build_schedule()
    return config


def _settings(cls: type[Optimizer] | type[Schedule]) -> set[str]:
    return set(cls.setting_names())


def _check_named(
    p: _Checker,
    table: dict[str, Any],
    where: str,
    settings: dict[str, set[str]],
    *,
    aliases: dict[str, str] | None = None,
) -> None:
    """``name`` picks a kind; every other key must be one of that kind's settings."""
    aliases = aliases or {}
    default = "sgd" if where == "optimizer" else "constant"
    name = table.get("name", default)
    options = sorted([*settings, *aliases])
    if name not in options:
        hint = did_you_mean(str(name), options)
        raise p.fail(
            f"{where}.name",
            f"unknown {where} {name!r}{hint} (expected one of {', '.join(options)})",
        )
    p.keys(table, {"name"} | settings[aliases.get(name, name)], where)


def _check_network(p: _Checker, network: dict[str, Any]) -> None:
    if "layers" in network:
        for key in ("hidden", "activation", "output_activation"):
            if key in network:
                raise p.fail(f"network.{key}", "give network.layers or network.hidden, not both")
        layers = network["layers"]
        if (
            not isinstance(layers, list)
            or not layers
            or not all(isinstance(t, dict) for t in layers)
        ):
            raise p.fail("network.layers", "expected one or more [[network.layers]] tables")
        for index, table in enumerate(layers):
            where = f"network.layers[{index}]"
            allowed = EXPLICIT_LAYER_KEYS if "weights" in table else GENERATED_LAYER_KEYS
            p.keys(table, allowed, where)
            if "activation" not in table:
                raise p.fail(f"{where}.activation", "missing")
            p.choice(table["activation"], sorted(ACTIVATIONS), f"{where}.activation")
            if "neurons" in table:
                p.integer(table["neurons"], f"{where}.neurons")
            elif "weights" not in table and index < len(layers) - 1:
                raise p.fail(
                    f"{where}.neurons",
                    "missing (only the output layer may leave it "
                    "out: it gets one neuron per class)",
                )
    else:
        hidden = network.get("hidden", [])
        if not isinstance(hidden, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in hidden
        ):
            raise p.fail("network.hidden", f"expected a list of layer sizes >= 1, got {hidden!r}")
        for key in ("activation", "output_activation"):
            if key in network:
                p.choice(network[key], sorted(ACTIVATIONS), f"network.{key}")
    for key, options in (
        ("loss", sorted(LOSSES)),
        ("batch_reduction", list(BATCH_REDUCTIONS)),
        ("dtype", sorted(DTYPES)),
    ):
        if key in network:
            p.choice(network[key], options, f"network.{key}")
    if "init" in network:
        p.init(network["init"], "network.init")


class _NetworkBuilder:
    """Turns ``[network]`` into a ``Network`` once the data's shape is known."""

    def __init__(self, config: TrainingConfig, n_features: int, n_outputs: int, task: str):
        self.config = config
        self.table = config.network
        self.n_features = n_features
        self.n_outputs = n_outputs
        self.task = task
        self.p = _Checker(config.source)
        self.dtype = DTYPES[self.table.get("dtype", "float32")]
        self.rng = np.random.default_rng((config.seed, INIT_STREAM))
        self.n_layers = 0

    def default_output(self) -> str:
        return (
            "softmax"
            if self.task == "classification" and self.n_outputs > 1
            else ("sigmoid" if self.task == "classification" else "identity")
        )

    def default_loss(self, output: Activation) -> str:
        """The loss made for the output activation (softmax: cross-entropy; sigmoid, when
        classifying: binary cross-entropy), ``mse`` otherwise.

        An output-only activation (softmax) has no other use than classification.
        """
        if output.paired_loss and (output.output_only or self.task == "classification"):
            return output.paired_loss
        return "mse"

    def layer_tables(self) -> list[dict[str, Any]]:
        if "layers" in self.table:
            return [dict(t) for t in self.table["layers"]]
        activation = self.table.get("activation", "relu")
        tables = [{"neurons": n, "activation": activation} for n in self.table.get("hidden", [])]
        output = self.table.get("output_activation", self.default_output())
        tables.append({"neurons": self.n_outputs, "activation": output})
        return tables

    def build(self) -> Network:
        tables = self.layer_tables()
        self.n_layers = len(tables)
        explicit_names = "layers" in self.table
        layers = []
        fan_in = self.n_features
        for index, table in enumerate(tables):
            where = f"network.layers[{index}]" if explicit_names else "network"
            last = index == len(tables) - 1
            layer = self.layer(table, index, fan_in, last, where)
            layers.append(layer)
            fan_in = np.shape(layer.weights)[0]
        loss = self.table.get("loss") or self.default_loss(layers[-1].activation)
        reduction = self.table.get("batch_reduction", "mean")
        try:
            return build_network(layers, loss=loss, batch_reduction=reduction, dtype=self.dtype)
        except GlassnetError as error:
            raise self.p.fail(f"network.{error.field or 'loss'}", error.detail) from None

    def layer(
        self, table: dict[str, Any], index: int, fan_in: int, last: bool, where: str
    ) -> LayerSpec:
        p = self.p
        activation = p.activation(table, where, index, self.n_layers)
        train_bias = p.boolean(table.get("train_bias", True), f"{where}.train_bias")
        if "weights" in table:
            weights: NDArray[np.floating] = p.matrix(table["weights"], f"{where}.weights")
            if weights.shape[1] != fan_in:
                what = "the data has" if index == 0 else f"layers[{index - 1}] has"
                unit = "features" if index == 0 else "neurons"
                raise p.fail(
                    f"{where}.weights",
                    f"expected {fan_in} columns ({what} {fan_in} {unit}), got {weights.shape[1]}",
                )
            n_neurons = weights.shape[0]
            bias: Any = None
            if "bias" in table:
                bias = p.bias(table["bias"], n_neurons, f"{where}.bias")
        else:
            n_neurons = table.get("neurons", self.n_outputs)
            spec = p.init(table.get("init", self.table.get("init", "auto")), f"{where}.init")
            weights = init_weights(
                spec, fan_in, n_neurons, self.rng, activation=activation, dtype=self.dtype
            )
            has_bias = p.boolean(table.get("bias", True), f"{where}.bias")
            bias = np.zeros(n_neurons, dtype=self.dtype) if has_bias else None
        # Two classes may also share one (sigmoid) output: P(class 1).
        binary = self.task == "classification" and self.n_outputs == 2 and n_neurons == 1
        if last and n_neurons != self.n_outputs and not binary:
            kind = "classes" if self.task == "classification" else "targets"
            size = "weights rows" if "weights" in table else "neurons"
            field_name = f"{where}.weights" if "weights" in table else f"{where}.neurons"
            raise p.fail(
                field_name,
                f"the output layer needs {self.n_outputs} {size} (the data has "
                f"{self.n_outputs} {kind}), got {n_neurons}",
            )
        return LayerSpec(weights, activation, bias=bias, train_bias=train_bias)


class _Checker(Fields):
    """The shared validators, and the one for ``init`` tables."""

    def init(self, value: Any, where: str) -> Init:
        options = ["auto", *sorted(METHODS)]
        if isinstance(value, str):
            return Init(self.choice(value, options, where))
        if not isinstance(value, dict):
            raise self.fail(
                where, f'expected a method such as "he_uniform" or a table, got {value!r}'
            )
        self.keys(value, INIT_KEYS, where)
        method = self.choice(value.get("method", "auto"), options, f"{where}.method")
        numbers = {k: self.number(v, f"{where}.{k}") for k, v in value.items() if k != "method"}
        try:
            return Init(method, **numbers)
        except GlassnetError as error:
            raise self.fail(where, error.detail) from None
