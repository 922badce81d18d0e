"""The engine's modules form layers: no import circle (function-level imports included) and
no module reaches into another's private names."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "grader" / "engine"
PACKAGE = "grader.engine"


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names imported, line) for every import that runs, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[str, list[str], int]] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if _type_checking_only(node):
            continue  # read by type checkers only: never executed
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = PACKAGE if node.level == 1 else PACKAGE.rsplit(".", node.level - 1)[0]
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names = [a.name for a in node.names]
            if module == PACKAGE:  # from . import functions
                out.extend((f"{PACKAGE}.{n}", [], node.lineno) for n in names)
            else:
                out.append((module, names, node.lineno))
        elif isinstance(node, ast.Import):
            out.extend((a.name, [], node.lineno) for a in node.names)
        stack.extend(ast.iter_child_nodes(node))
    return out


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(ENGINE.glob("*.py")):
        name = f"{PACKAGE}.{path.stem}"
        if path.stem == "__init__":
            continue  # the package's front door re-exports; it is imported by no module
        graph[name] = {m for m, _, _ in _imports(path) if m.startswith(PACKAGE + ".") and m != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_engine_has_no_import_circle():
    assert _cycles(_graph()) == []


def test_the_circle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_another_modules_private_names():
    private = [
        f"{path.name}:{line} imports {module}.{name}"
        for path in sorted(ENGINE.glob("*.py"))
        for module, names, line in _imports(path)
        for name in names
        if module.startswith(PACKAGE) and name.startswith("_")
    ]
    assert private == []


LAYERS_ABOVE = ("api", "web", "lti", "services", "db", "workers", "cli", "app")


def test_the_engine_imports_no_web_or_database_layer():
    """The engine is a pure library (the sandbox, where student code runs, is below it)."""
    outside = [
        f"{path.name}: {module} {names}"
        for path in sorted(ENGINE.glob("*.py"))
        for module, names, _ in _imports(path)
        if module.split(".")[0] in ("flask", "sqlalchemy", "celery")
        or any(module.startswith(f"grader.{layer}") for layer in LAYERS_ABOVE)
        or (module == "grader" and set(names) & set(LAYERS_ABOVE))
    ]
    assert outside == []
