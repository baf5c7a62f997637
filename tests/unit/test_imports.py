"""The import graph of the package: no cycle, and no part of the engine depends on the assembler.

Every ``import`` and ``from ... import`` of every module of ``simulator/`` is read from its source (with
:mod:`ast`, nothing is executed), at any depth: module level, inside functions (lazy imports are still
dependencies) and under ``if TYPE_CHECKING:``. Imports made only for type checking are left out of the cycle
test (they never run), but not of the rule that no module of ``simulator/engine/`` imports ``simulation``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "simulator"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(path: Path) -> tuple[set[str], set[str]]:
    """The ``simulator`` modules a file imports: (at run time, for type checking only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    known = {module_name(p) for p in PACKAGE.rglob("*.py")}
    runtime: set[str] = set()
    typing_only: set[str] = set()

    def targets(node: ast.Import | ast.ImportFrom) -> set[str]:
        found = set()
        if isinstance(node, ast.Import):
            found = {alias.name for alias in node.names}
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found = {base} | {f"{base}.{alias.name}" for alias in node.names}
        return {t for t in found if t in known}

    def visit(node: ast.AST, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for item in child.body:
                    visit_one(item, True)
                for item in child.orelse:
                    visit_one(item, type_only)
            else:
                visit_one(child, type_only)

    def visit_one(node: ast.AST, type_only: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            (typing_only if type_only else runtime).update(targets(node))
        visit(node, type_only)

    visit(tree, False)
    runtime.discard(name)
    typing_only.discard(name)
    return runtime, typing_only - runtime


def graph() -> dict[str, tuple[set[str], set[str]]]:
    return {module_name(path): imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, as a list of modules ending where it began, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            # importing a package runs its __init__: a module importing its own package is not a cycle of ours
            if node.startswith(nxt + "."):
                continue
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_package_has_no_import_cycle() -> None:
    runtime = {name: edges[0] for name, edges in graph().items()}
    found = cycle(runtime)
    assert found is None, "import cycle: " + " -> ".join(found or [])


def test_no_part_of_the_engine_imports_the_assembler() -> None:
    offenders = [name for name, (runtime, typing_only) in graph().items()
                 if name.startswith("simulator.engine.") and name != "simulator.engine.simulation"
                 and "simulator.engine.simulation" in runtime | typing_only]
    assert offenders == []


def test_the_engine_imports_no_pandas_nor_plotting() -> None:
    for path in sorted((PACKAGE / "engine").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
        names |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not names & {"pandas", "matplotlib", "plotly", "seaborn"}, path.name


@pytest.mark.parametrize("edges", [
    {"a": {"b"}, "b": {"c"}, "c": {"a"}},
    {"a": {"a.b"}, "a.b": {"c"}, "c": {"a.b"}},
], ids=["three", "two"])
def test_the_check_finds_a_cycle(edges: dict[str, set[str]]) -> None:
    assert cycle(edges) is not None


def test_the_check_reads_imports_at_every_depth() -> None:
    # the graph of the real package holds a lazy import (inside a function) and a type-only one
    found = graph()
    assert "simulator.batch.sweep" in found["simulator.calibration"][0]  # inside a function
    assert "simulator.engine.handoffs" in found["simulator.engine.clients"][1]  # under TYPE_CHECKING
