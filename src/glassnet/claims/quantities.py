"""Every claimable quantity of one example: its name, its place in order, its value.

The names are those of ``glassnet.claims.keys``; what each quantity is computed
from is ``glassnet.claims.dependencies``.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

import numpy as np

from glassnet.claims import dependencies
from glassnet.claims.keys import MAX_STEPS, NAME, aliases, sample_suffix, split_trained
from glassnet.claims.layout import layout_of
from glassnet.engine import EXACT, Variant, batch_loss, forward
from glassnet.errors import TrainingDivergedError
from glassnet.explanation import Explanation, Step, explain
from glassnet.fast.full_batch import diverged, train

if TYPE_CHECKING:
    from glassnet.example import Example
    from glassnet.network import Network


class Quantities:
    """Every claimable quantity of one example: names, order, values, dependencies.

    ``resolve(name)`` gives a quantity's canonical key; ``rank(key)`` its place
    in computation order; ``values(keys, variant)`` the values the engine
    computes (with a ``Variant``, under one of the known mistakes);
    ``parents(keys)`` what each quantity is computed from.

    >>> from glassnet.examples import load_example
    >>> q = Quantities(load_example("mazur"))
    >>> q.resolve("new_w5"), q.resolve("E_total@1"), q.resolve("out_o1@10000")
    ('w5+', 'E_total+', 'out_o1@10000')
    """

    def __init__(self, example: Example):
        self.example = example
        self.explanation: Explanation = explain(example.step(), example)
        self.steps = _scalar_steps(self.explanation)
        self.index = {step.key: k for k, step in enumerate(self.steps)}
        self.section = {
            step.key: section.kind
            for section in self.explanation.sections
            for block in section.blocks
            for step in block.steps
        }
        self.layout = layout_of(example.network, example.inputs.shape[0])
        self._step_values: dict[Variant, dict[str, float]] = {}
        self._trained: dict[tuple[Variant, int], dict[str, float]] = {}
        self._networks: dict[tuple[Variant, int], Network] = {}

    # -- names ------------------------------------------------------------

    @property
    def batch(self) -> bool:
        return self.layout.n_samples > 1

    def sample_numbers(self) -> list[int | None]:
        """The ``s`` each row of the inputs is named with: ``1 … n``, or ``None`` for one sample."""
        return [s + 1 if self.batch else None for s in range(self.layout.n_samples)]

    def trained_bases(self) -> list[str]:
        """The names ``NAME@N`` can be formed from: parameters, outputs, errors, the loss."""
        outs = [f"out_{o}" for o in self.layout.outputs]
        errors = [f"E_{o}" for o in self.layout.outputs]
        return [*self.layout.parameters, *outs, *errors, "E_total"]

    def resolve(self, name: str) -> str:
        """The canonical key of a claimed name; ``ValueError`` says what is wrong with it."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError("expected the name of a quantity")
        name = name.strip().replace("∂", "d").replace("δ_", "delta_").replace("dE_total/", "dE/")
        name = re.sub(r"\s*[·*]\s*", "*", name)  # "dE/dnet_o1 · dnet_o1/dout_h1", a share
        for candidate in (name, *aliases(name)):
            key = self._canonical(candidate)
            if key is not None:
                return key
        raise ValueError(self._unknown(name))

    def _canonical(self, name: str) -> str | None:
        """The key ``name`` means, or ``None``; ``ValueError`` for a name beyond the example."""
        match = NAME.fullmatch(name)
        if match is None or (match["mark"] and match["late"]):
            return None
        base, sample = match["base"], int(match["s"]) if match["s"] else None
        mark = match["mark"] or match["late"] or ""
        if not mark:
            return self._step_key(base, sample, name)
        steps = 1 if mark == "+" else int(mark[1:])
        if steps == 1:
            key = self._step_key(base + "+", sample, name)
            if key is not None:
                return key
        return self._trained_key(base, steps, sample, name)

    def _step_key(self, base: str, sample: int | None, name: str) -> str | None:
        """A step of the explanation: ``base``, or ``base[s]`` when it is per sample."""
        n = self.layout.n_samples
        per_sample = f"{base}[1]" in self.index
        if not per_sample and base not in self.index:
            return None
        if sample is None:
            if base in self.index:
                return base
            raise self._name_one(name, base)
        self._check_sample(sample, name)
        if per_sample:
            return f"{base}[{sample}]"
        if n == 1:
            return base  # "out_o1[1]" of a one-sample example is "out_o1"
        raise ValueError(f"{name!r}: {base} is one value for the whole batch; drop [{sample}]")

    def _check_sample(self, sample: int, name: str) -> None:
        n = self.layout.n_samples
        if not 1 <= sample <= n:
            samples = "1 sample" if n == 1 else f"{n} samples"
            raise ValueError(f"{name!r} is about sample {sample}, but the example has {samples}")

    def _name_one(self, name: str, stem: str) -> ValueError:
        """The error for a per-sample quantity claimed without its ``[s]``."""
        n = self.layout.n_samples
        return ValueError(
            f"{name!r} is computed for each of the {n} samples: name one, {stem}[1] … {stem}[{n}]"
        )

    def _trained_key(self, base: str, steps: int, sample: int | None, name: str) -> str | None:
        """``base@steps`` (with ``[s]`` when per sample), checked against the example."""
        if base not in self.trained_bases():
            return None
        if steps < 1:
            raise ValueError(
                f"{name!r}: updates are counted from 1 ({base}@1, also written {base}+, is the "
                f"value after the first update; {base} without @ is the value before it)"
            )
        if steps > MAX_STEPS:
            raise ValueError(f"{name!r}: at most {MAX_STEPS} updates can be claimed")
        if sample is not None:
            self._check_sample(sample, name)
            if base in self.layout.parameters:
                raise ValueError(f"{name!r}: a parameter is one value for every sample; drop [s]")
            if not self.batch:
                sample = None
        elif self.batch and base != "E_total" and base not in self.layout.parameters:
            raise self._name_one(name, f"{base}@{steps}")
        return self.trained_key(base, steps, sample)

    def _unknown(self, name: str) -> str:
        share = self._share_instead(name)
        if share:
            return share
        vocabulary = [s.key for s in self.steps]
        vocabulary += [f"{base}@N" for base in self.trained_bases()]
        stem = re.sub(r"@\d+", "@N", name)
        close = difflib.get_close_matches(stem, vocabulary, n=3, cutoff=0.6)
        if not close:
            close = difflib.get_close_matches(stem, vocabulary, n=3, cutoff=0.3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        return (
            f"unknown quantity {name!r}{hint} (names are the keys `glassnet explain` shows; "
            "see docs/check.md)"
        )

    def _share_instead(self, name: str) -> str:
        """What to claim instead of ``dE_m/dout_n`` where E_m is not a quantity of its own.

        Only an elementwise output layer splits ∂E_total/∂out_n into per-output
        ∂E_m/∂out_n; otherwise the explanation's terms are the shares through net_m.
        """
        match = re.fullmatch(r"dE_(?P<m>.+?)/dout_(?P<n>.+?)(?P<s>\[\d+\])?", name)
        if match is None or match["m"] == "total":
            return ""
        m, n, sample = match["m"], match["n"], match["s"] or ""
        share = f"dE/dnet_{m}*dnet_{m}/dout_{n}"
        if share not in self.index and f"{share}[1]" not in self.index:
            return ""
        why = (
            f"{m} is a hidden neuron, with no error E_{m} of its own"
            if m not in self.layout.outputs
            else "the output activation couples the outputs (each E_o depends on every net_o)"
        )
        return (
            f"{name!r}: {why}, so ∂E_total/∂out_{n} is not split per {m}; claim the share "
            f"through net_{m}, {share + sample!r} (∂E_total/∂net_{m} · ∂net_{m}/∂out_{n}), "
            f"or the whole {'dE/dout_' + n + sample!r}"
        )

    def trained_key(self, base: str, steps: int, sample: int | None) -> str:
        """The canonical key of ``base`` after ``steps`` updates (``w5+`` for ``w5@1``)."""
        suffix = sample_suffix(sample)
        if steps == 1 and f"{base}+{suffix}" in self.index:
            return f"{base}+{suffix}"
        return f"{base}@{steps}{suffix}"

    # -- order ------------------------------------------------------------

    def rank(self, key: str) -> tuple[int, ...]:
        """A sort key: computation order, steps of the explanation first, then by update."""
        if key in self.index:
            return (0, self.index[key])
        base, steps, sample = split_trained(key)
        names = list(self.layout.parameters)
        if base in names:
            return (1, steps, 0, 0, 0, names.index(base))
        if base == "E_total" and sample is None:
            return (1, steps, 2, 0, 0, 0)
        outputs = self.layout.outputs
        kind = 0 if base.startswith("out_") else 1 if base != "E_total" else 2
        j = outputs.index(base.split("_", 1)[1]) if kind < 2 else 0
        return (1, steps, 1, sample or 0, kind, j)

    # -- values -----------------------------------------------------------

    def values(self, keys: list[str], variant: Variant = EXACT) -> dict[str, float]:
        """The value of each key as the engine computes it with ``variant``.

        ``NAME@N`` keys train the example for N updates (``glassnet.fast.full_batch.train``);
        a ``TrainingDivergedError`` propagates.
        """
        result: dict[str, float] = {}
        step_keys = [k for k in keys if k in self.index]
        if step_keys:
            step_values = self._steps_of(variant)
            result.update({k: step_values[k] for k in step_keys})
        trained = [k for k in keys if k not in self.index]
        for steps in self.step_levels(keys):
            level = self._trained_level(variant, steps)
            for key in trained:
                if split_trained(key)[1] == steps:
                    result[key] = level[key]
        return result

    def step_levels(self, keys: list[str]) -> list[int]:
        """The update counts N of the ``NAME@N`` keys among ``keys``."""
        return sorted({split_trained(k)[1] for k in keys if k not in self.index})

    def _steps_of(self, variant: Variant) -> dict[str, float]:
        if variant not in self._step_values:
            if variant == EXACT:
                explanation = self.explanation
            else:
                explanation = explain(self.example.step(variant=variant), self.example)
            self._step_values[variant] = {s.key: float(s.value) for s in _scalar_steps(explanation)}
        return self._step_values[variant]

    def _trained_level(self, variant: Variant, steps: int) -> dict[str, float]:
        """Every ``NAME@steps`` value under ``variant``; continues from the nearest level done."""
        if (variant, steps) not in self._trained:
            done = [n for (v, n) in self._networks if v == variant and n < steps]
            start = max(done, default=0)
            ex = self.example
            network = self._networks[(variant, start)] if start else ex.network
            try:
                result = train(
                    network, ex.inputs, ex.targets, ex.learning_rate, steps - start, variant=variant
                )
            except TrainingDivergedError as error:  # its step counted from update 1, not start
                at = start + error.step
                raise diverged(error.network, error.loss, at) from None
            self._networks[(variant, steps)] = result.network
            self._trained[(variant, steps)] = self._read_network(result.network, steps)
        return self._trained[(variant, steps)]

    def _read_network(self, network: Network, steps: int) -> dict[str, float]:
        """Parameters, outputs, errors and the loss of a trained network, by ``NAME@steps`` key."""
        ex = self.example
        passes = forward(network, ex.inputs)
        terms, sample_losses = batch_loss(network, passes[-1].net, passes[-1].out, ex.targets)
        values: dict[str, float] = {}
        for name, (layer, j, i) in self.layout.parameters.items():
            lay = network.layers[layer]
            if i is not None:
                value = lay.weights[j, i]
            else:
                assert lay.bias is not None
                value = lay.bias if lay.bias.ndim == 0 else lay.bias[j]
            values[self.trained_key(name, steps, None)] = float(value)
        for s, sample in enumerate(self.sample_numbers()):
            for j, o in enumerate(self.layout.outputs):
                values[self.trained_key(f"out_{o}", steps, sample)] = float(passes[-1].out[s, j])
                values[self.trained_key(f"E_{o}", steps, sample)] = float(terms[s, j])
            values[self.trained_key("E_total", steps, sample)] = float(sample_losses[s])
        reduce = np.mean if network.batch_reduction == "mean" else np.sum
        values[self.trained_key("E_total", steps, None)] = float(reduce(sample_losses))
        return values

    # -- dependencies -----------------------------------------------------

    def parents(self, levels: list[int]) -> dict[str, set[str]]:
        """What each quantity is computed from, directly (``dependencies.parents``)."""
        return dependencies.parents(self, levels)


def _scalar_steps(explanation: Explanation) -> list[Step]:
    """The explanation's steps that show one number (the ones a claim can name)."""
    return [s for s in explanation.steps() if np.ndim(s.value) == 0]
