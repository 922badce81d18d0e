"""The service layer's shape: packages by domain that import each other in one direction only,
and never the layers above them (the HTTP blueprints, the pages, the LTI views, the workers)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from tests.helpers import ROOT

SERVICES = ROOT / "grader" / "services"
ABOVE = ("grader.api", "grader.web", "grader.lti", "grader.workers", "grader.cli", "grader.app")


def _module(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _imports(path: Path) -> list[str]:
    """Every module `path` imports, at any depth (imports inside functions count too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def unit(module: str) -> str | None:
    """The service package (or shared top-level module) a module belongs to."""
    parts = module.split(".")
    if parts[:2] != ["grader", "services"] or len(parts) < 3:
        return None
    return parts[2]


def service_graph() -> dict[str, set[str]]:
    """Which service package imports which (a package's own modules aside)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in SERVICES.rglob("*.py"):
        source = unit(_module(path))
        for target in map(unit, _imports(path)):
            known = target and (
                (SERVICES / target).is_dir() or (SERVICES / f"{target}.py").exists()
            )
            if source and known and target != source:
                graph[source].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import circle, as the path that closes it (depth-first search)."""
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt) :] + [node, nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [node])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return found


def test_the_service_packages_import_each_other_in_one_direction_only():
    graph = service_graph()
    assert {"accounts", "courses", "grading", "integrations", "infra"} <= set(graph)
    assert cycles(graph) == []


def test_the_circle_check_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_service_imports_the_web_the_api_the_lti_views_or_the_workers():
    offending = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in SERVICES.rglob("*.py")
        for name in _imports(path)
        if name.startswith(ABOVE) or name.split(".")[0] == "flask"
    ]
    assert offending == []
