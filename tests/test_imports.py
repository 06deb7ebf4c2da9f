"""The package's import graph has no cycle.

Every import of a ``generator`` module by another is read from the source with
``ast``: at the top of a module, inside a function, under ``TYPE_CHECKING``,
absolute (``generator.x``) or relative (``.x``, ``..x``). A cycle, even one
that works at run time because one side imports late, means two modules that
cannot be understood, tested or moved apart: the test names each cycle as a
path ``a -> b -> a``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "generator"


def module_name(path: Path) -> str:
    parts = ("generator",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(base: str, level: int, is_package: bool) -> str:
    """The package a relative import of ``level`` dots starts from."""
    parts = base.split(".")
    if not is_package:
        parts = parts[:-1]
    return ".".join(parts[: len(parts) - (level - 1)])


def imports_of(name: str, path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """(imported generator module, line) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                start = _resolve(name, node.level, path.name == "__init__.py")
                source = f"{start}.{node.module}" if node.module else start
            else:
                source = node.module or ""
            if not (source == "generator" or source.startswith("generator.")):
                continue
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                if sub in known:  # `from . import names`: the module names
                    yield sub, node.lineno
                elif source in known:  # `from .names import check`: the module .names
                    yield source, node.lineno


def graph() -> dict[str, dict[str, int]]:
    """module -> {imported module: first line importing it}."""
    found = modules()
    known = set(found)
    edges: dict[str, dict[str, int]] = {}
    for name, path in found.items():
        out = edges.setdefault(name, {})
        for target, line in imports_of(name, path, known):
            if target != name:
                out.setdefault(target, line)
    return edges


def components(edges: dict[str, dict[str, int]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def _shortest_path(edges: dict[str, dict[str, int]], start: str, goal: str, within: set[str]) -> list[str]:
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        if v == goal:
            return paths[v]
        for w in sorted(edges.get(v, {})):
            if w in within and w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    raise AssertionError(f"no path from {start} to {goal} in a strongly connected component")


def cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """Every import that lies on a cycle, with the shortest cycle through it
    (a -> b -> ... -> a, starting at its smallest module name), each cycle once."""
    out: set[tuple[str, ...]] = set()
    for component in components(edges):
        for a in component:
            for b in edges[a]:
                if b in component:
                    ring = [a] + _shortest_path(edges, b, a, component)[:-1]
                    k = ring.index(min(ring))
                    ring = ring[k:] + ring[:k]
                    out.add(tuple(ring + [ring[0]]))
    return [list(c) for c in sorted(out)]


def describe(cycle: list[str], edges: dict[str, dict[str, int]]) -> str:
    short = [c.removeprefix("generator.") for c in cycle]
    lines = ", ".join(f"{a.removeprefix('generator.')}.py:{edges[a][b]}" for a, b in zip(cycle, cycle[1:]))
    return " -> ".join(short) + f" (imports at {lines})"


def test_the_graph_is_read():
    edges = graph()
    # a few imports that exist in every version of the package, read in each form
    assert "generator.cli" in edges["generator.__main__"]  # top level, relative
    assert "generator.errors" in edges["generator.compile"]
    assert any(edges[m] for m in edges if m.startswith("generator.questions."))  # two dots


def test_relative_imports_resolve(tmp_path):
    assert _resolve("generator.questions.network", 2, False) == "generator"
    assert _resolve("generator.questions", 1, True) == "generator.questions"
    assert _resolve("generator.compile", 1, False) == "generator"


def test_cycles_are_found():
    edges = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3, "d": 4}, "d": {}, "e": {"d": 5}, "f": {"g": 6}, "g": {"f": 7}}
    assert cycles(edges) == [["a", "b", "c", "a"], ["f", "g", "f"]]
    assert cycles({"a": {"b": 1}, "b": {}}) == []
    # one component, two cycles: each is named
    assert cycles({"a": {"b": 1, "c": 2}, "b": {"a": 3}, "c": {"a": 4}}) == [["a", "b", "a"], ["a", "c", "a"]]


def test_no_import_cycle():
    edges = graph()
    found = cycles(edges)
    assert not found, "import cycles among generator/ modules:\n" + "\n".join(describe(c, edges) for c in found)


if __name__ == "__main__":
    graph_ = graph()
    print("\n".join(describe(c, graph_) for c in cycles(graph_)) or "no import cycle")
