"""The import graph of `alecs/` has no cycles.

Every `import` / `from ... import` of an `alecs` module counts, at module level and inside
functions alike (a function-level import only hides a cycle from Python's import machinery, the
modules still depend on each other); imports under `if TYPE_CHECKING:` are excluded, since they
never run. A cycle is reported as `a -> b -> a`.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "alecs"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The alecs modules `tree` imports, outside `if TYPE_CHECKING:` blocks."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]

    def resolve(name: str) -> str | None:
        # the longest known module that `name` is or lies in (an imported name may be a
        # function of the module)
        while name:
            if name in known:
                return name
            name = name.rpartition(".")[0]
        return None

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = resolve(alias.name)
                if target:
                    found.add(target)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: -(node.level - 1)]
                base = ".".join(base_parts)
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            for alias in node.names:
                target = resolve(f"{base}.{alias.name}") or resolve(base)
                if target:
                    found.add(target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    found.discard(module)
    # importing a.b.c runs a/__init__ and a/b/__init__ too, but a package's own __init__ does not
    # depend on its submodules unless it imports them: parents are not edges here.
    return found


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    known = set(files)
    graph = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = _imports(tree, name, path.name == "__init__.py", known)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def strongconnect(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)

    cycles = []
    for component in components:
        members = set(component)
        start = component[0]
        # shortest path back to start inside the component (BFS)
        prev: dict[str, str] = {}
        frontier = [start]
        seen = {start}
        path: list[str] | None = None
        while frontier and path is None:
            nxt = []
            for v in frontier:
                for w in sorted(graph[v] & members):
                    if w == start:
                        path = [start]
                        node = v
                        trail = []
                        while node != start:
                            trail.append(node)
                            node = prev[node]
                        path += [*reversed(trail), start]
                        break
                    if w not in seen:
                        seen.add(w)
                        prev[w] = v
                        nxt.append(w)
                if path:
                    break
            frontier = nxt
        cycles.append(path or component)
    return cycles


def test_graph_finds_a_cycle_it_is_given() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]


def test_type_checking_imports_do_not_count_but_function_imports_do() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from alecs.x import y\n"
        "def f():\n    from alecs import z\n"
    )
    found = _imports(
        ast.parse(source), "alecs.m", False, {"alecs", "alecs.x", "alecs.z", "alecs.m"}
    )
    assert found == {"alecs.z"}


def test_no_import_cycles_in_alecs() -> None:
    graph = import_graph()
    assert "alecs.sandbox.app" in graph and graph["alecs.sandbox.papi"]  # the walk saw alecs/
    cycles = find_cycles(graph)
    assert not cycles, "import cycles in alecs/:\n" + "\n".join(" -> ".join(c) for c in cycles)
