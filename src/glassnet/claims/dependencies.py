"""What each quantity of an example is computed from: the graph a wrong claim spreads along."""

from __future__ import annotations

from typing import TYPE_CHECKING

from glassnet.claims.keys import sample_suffix, split_sample
from glassnet.formula import Expr, Mul, Partial, Sym

if TYPE_CHECKING:
    from glassnet.claims.quantities import Quantities


def parents(q: Quantities, levels: list[int]) -> dict[str, set[str]]:
    """What each quantity is computed from, directly: key -> keys.

    For the explanation's steps, the quantities its formula names (``w5+``
    comes from ``w5``, ``eta`` and ``dE/dw5``); the outputs after the update
    come from every updated parameter and the sample's inputs. ``NAME@N``
    values come from all parameters after the previous level of ``levels``.
    """
    graph: dict[str, set[str]] = {}
    for step in q.steps:
        if step.formula is not None:
            _, suffix = split_sample(step.key)
            found = {
                k
                for k in (formula_key(e, suffix, q.layout.inputs) for e in leaves(step.formula))
                if k is not None and k in q.index and k != step.key
            }
            # dE/dout_n · dout_n/dnet_n is δ_n, whether or not the formula says so.
            for k in list(found):
                if k.startswith("dE/dout_"):
                    n = k[len("dE/dout_") : len(k) - len(suffix)]
                    delta = f"delta_{n}{suffix}"
                    if f"dout_{n}/dnet_{n}{suffix}" in found and delta != step.key:
                        found.add(delta)
            graph[step.key] = found
    updated = [k for k in q.index if q.section.get(k) == "update"]
    for step in q.steps:
        if q.section.get(step.key) == "after":
            graph[step.key] = _after_parents(q, step.key, updated)
    previous = {name: q.trained_key(name, 1, None) for name in q.layout.parameters}
    for steps in levels:
        if steps > 1:
            current = {name: f"{name}@{steps}" for name in q.layout.parameters}
            graph.update({key: set(previous.values()) for key in current.values()})
            previous = current
        for key, level_parents in _level_parents(q, steps, previous).items():
            graph.setdefault(key, level_parents)
    return graph


def _after_parents(q: Quantities, key: str, updated: list[str]) -> set[str]:
    base, suffix = split_sample(key)
    targets = {f"target_{o}{suffix}" for o in q.layout.outputs}
    if base.startswith("out_"):
        return set(updated) | {f"{i}{suffix}" for i in q.layout.inputs}
    if suffix or not q.batch:
        return {f"out_{o}+{suffix}" for o in q.layout.outputs} | targets
    return {f"E_total+[{s + 1}]" for s in range(q.layout.n_samples)}


def _level_parents(q: Quantities, steps: int, params: dict[str, str]) -> dict[str, set[str]]:
    """Outputs, errors and loss after ``steps`` updates, from the parameters ``params``."""
    graph: dict[str, set[str]] = {}
    totals = set()
    for sample in q.sample_numbers():
        suffix = sample_suffix(sample)
        inputs = {f"{i}{suffix}" for i in q.layout.inputs}
        errors = set()
        for o in q.layout.outputs:
            out = q.trained_key(f"out_{o}", steps, sample)
            error = q.trained_key(f"E_{o}", steps, sample)
            graph[out] = set(params.values()) | inputs
            graph[error] = {out, f"target_{o}{suffix}"}
            errors.add(error)
        total = q.trained_key("E_total", steps, sample)
        graph[total] = errors
        totals.add(total)
    if q.batch:
        graph[q.trained_key("E_total", steps, None)] = totals
    return graph


def formula_key(e: Expr, suffix: str, inputs: list[str]) -> str | None:
    """The key of the quantity a leaf of a formula stands for, if it has one.

    ``suffix`` is the ``[s]`` of the step the formula belongs to; ``inputs`` the
    input names, which are per sample while the other given values are not.
    """
    if isinstance(e, Partial):
        return _partial_key(e, suffix)
    if isinstance(e, Mul):
        return _share_key(e, suffix)
    if not isinstance(e, Sym) or e.updated:
        return None
    if e.sub is None:
        if e.base == "η":
            return "eta"
        return e.base + suffix if e.base in inputs else e.base
    if e.base == "δ":
        return f"delta_{e.sub}{suffix}"
    if e.base == "E" and e.sub.startswith("total["):
        return f"E_{e.sub}"
    return f"{e.base}_{e.sub}{suffix}"


def _partial_key(e: Partial, suffix: str) -> str | None:
    top, bottom = e.top, e.bottom
    if not (isinstance(top, Sym) and isinstance(bottom, Sym)):
        return None
    if bottom.sub is None:  # with respect to a parameter
        if top.base == "E" and top.sub == "total":
            return f"dE/d{bottom.base}{suffix}"
        if top.base == "E" and top.sub and top.sub.startswith("total["):
            return f"dE/d{bottom.base}{top.sub[5:]}"
        if top.base == "net":
            return f"dnet_{top.sub}/d{bottom.base}{suffix}"
        return None
    if top.base == "E" and top.sub == "total":
        return f"{'dE/dout' if bottom.base == 'out' else 'delta'}_{bottom.sub}{suffix}"
    if top.base == "E":
        return f"dE_{top.sub}/dout_{bottom.sub}{suffix}"
    return f"d{top.base}_{top.sub}/d{bottom.base}_{bottom.sub}{suffix}"


def _share_key(e: Mul, suffix: str) -> str | None:
    """``dE/dnet_m*dnet_m/dout_n``: the share of ∂E_total/∂out_n through net_m."""
    if _share(e) is None:
        return None
    first, second = e.factors
    assert isinstance(first, Partial) and isinstance(second, Partial)
    assert isinstance(first.bottom, Sym) and isinstance(second.bottom, Sym)
    m, n = first.bottom.sub, second.bottom.sub
    return f"dE/dnet_{m}*dnet_{m}/dout_{n}{suffix}"


def _share(e: Expr) -> Mul | None:
    """``e`` if it is ``∂E_total/∂net_m · ∂net_m/∂out_n``, a share of ∂E_total/∂out_n."""
    if not (isinstance(e, Mul) and len(e.factors) == 2):
        return None
    first, second = e.factors
    if not (isinstance(first, Partial) and isinstance(second, Partial)):
        return None
    net, out = first.bottom, second.bottom
    if (
        first.top == Sym("E", "total")
        and isinstance(net, Sym)
        and net.base == "net"
        and second.top == net
        and isinstance(out, Sym)
        and out.base == "out"
    ):
        return e
    return None


def leaves(e: Expr) -> list[Expr]:
    """The symbols, partial derivatives and shares of a formula (each is one leaf)."""
    if isinstance(e, Sym | Partial) or _share(e) is not None:
        return [e]
    found: list[Expr] = []
    for value in vars(e).values():
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, Expr):
                found += leaves(item)
    return found
