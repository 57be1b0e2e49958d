"""The import graph of ``src/glassnet`` has no cycles: every module imports only modules below it.

The graph is read from the source with ``ast``, not by importing: an ``import`` or
``from ... import`` anywhere in a module counts, inside functions too (a lazy import
is still a dependency), except under ``if TYPE_CHECKING:`` (annotations only).
Importing ``glassnet.a.b`` runs the package ``glassnet.a`` first, so it depends on
that package too, unless the importer is inside it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "glassnet"


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__.py``)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def type_checking_nodes(tree: ast.AST) -> set[int]:
    """The ids of every node under an ``if TYPE_CHECKING:`` block."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for child in node.body:
                    skipped.update(id(n) for n in ast.walk(child))
    return skipped


def imported_names(module: str, path: Path) -> set[str]:
    """The dotted names ``module`` imports; ``from a import b`` gives ``a.b`` (module or name)."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    skipped = type_checking_nodes(tree)
    is_package = path.name == "__init__.py"
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                parts = parts[: len(parts) - node.level + (1 if is_package else 0)]
                base = ".".join([*parts, base] if base else parts)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports, with the packages those run first.

    ``from glassnet import __version__`` depends on the package ``glassnet`` itself
    (its ``__init__`` imports the public API); ``from glassnet import engine`` only on
    ``glassnet.engine``, as the importer's own packages have started already.
    """
    known = modules()
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        targets: set[str] = set()
        for name in imported_names(module, path):
            while name and name not in known:  # ``from a import f``: f is a name in a
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
            package = name.rpartition(".")[0]
            while package:
                if not (module == package or module.startswith(package + ".")):
                    targets.add(package)
                package = package.rpartition(".")[0]
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles ``a -> b -> ... -> a`` found depth first: at least one wherever there is one."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def test_the_graph_sees_imports_where_they_are() -> None:
    graph = import_graph()
    assert "glassnet.engine" in graph["glassnet.fast.full_batch"]  # module level
    assert "glassnet.render.html" in graph["glassnet.render.notebook"]  # inside a function
    assert "glassnet.claims.quantities" not in graph["glassnet.claims.dependencies"]  # typing
    assert "glassnet" in graph["glassnet.cli"]  # ``from glassnet import __version__``
    # ``glassnet.fast.compiled`` runs ``glassnet/fast/__init__.py`` first; its own package not
    assert {"glassnet.fast", "glassnet.fast.compiled"} <= graph["glassnet.check"]
    assert "glassnet.fast" not in graph["glassnet.fast.full_batch"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)
