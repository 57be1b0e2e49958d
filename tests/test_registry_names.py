"""No module outside the registries asks an activation or a loss for its name.

What the package needs to know about an activation or a loss it reads from the class's
declarations (``Activation.output_only``, ``mask_derivative``, ``paired_loss``,
``auto_init``, ``torch_name``, ``settings``; ``Loss.requires_activation``, ``fused_with``,
``targets_sum_to_one``, ``bad_target``), so a new one is added in ``activations.py`` or
``losses.py`` alone. This test parses every module of ``src/glassnet`` and fails on a
comparison with a registered name: ``x == "softmax"``, ``name != "relu"``,
``name in ("relu", "leaky_relu")``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import glassnet
from glassnet.activations import ACTIVATIONS
from glassnet.formula import FUNCTIONS
from glassnet.losses import LOSSES

SOURCE = Path(glassnet.__file__).parent
REGISTRIES = {"activations.py", "losses.py"}
NAMES = set(ACTIVATIONS) | set(LOSSES)
FORMULA_FUNCTIONS = {*FUNCTIONS, "max"}


def names_in(node: ast.AST) -> list[str]:
    """The registered names a comparison operand spells out: a string or a tuple/list/set.

    A collection that also names a formula function that is no activation (``exp``,
    ``log``, ``max``) is about formula calls: ``expr.name in ("exp", "tanh", "log")``
    in the compiled path asks for the ``tanh`` function of a formula tree.
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if node.value in NAMES else []
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        strings = {e.value for e in node.elts if isinstance(e, ast.Constant)}
        if strings & (FORMULA_FUNCTIONS - NAMES):
            return []
        return [name for element in node.elts for name in names_in(element)]
    return []


def name_comparisons(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                found += [(node.lineno, name) for name in names_in(operand)]
        elif isinstance(node, ast.Match):  # match name: case "relu": ...
            for case in node.cases:
                for pattern in ast.walk(case.pattern):
                    if isinstance(pattern, ast.MatchValue):
                        found += [(case.pattern.lineno, n) for n in names_in(pattern.value)]
    return found


def modules() -> list[tuple[str, Path]]:
    return sorted((path.relative_to(SOURCE).as_posix(), path) for path in SOURCE.rglob("*.py"))


def test_no_module_outside_the_registries_compares_against_a_name() -> None:
    offences = []
    for relative, path in modules():
        if relative in REGISTRIES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offences += [f"{relative}:{line}: {name!r}" for line, name in name_comparisons(tree)]
    assert not offences, "compares with an activation's or loss's name:\n" + "\n".join(offences)


def test_the_check_finds_each_form_of_comparison() -> None:
    source = """
if act.name == "relu": pass
if "softmax" != last: pass
if loss in ("mse", "sse"): pass
if name not in {"identity"}: pass
match name:
    case "gelu": pass
if name == "not_a_registered_name": pass
if expr.name in ("exp", "tanh", "log"): pass
"""
    found = sorted(name_comparisons(ast.parse(source)))
    assert found == [
        (2, "relu"),
        (3, "softmax"),
        (4, "mse"),
        (4, "sse"),
        (5, "identity"),
        (7, "gelu"),
    ]
