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


# --- the database ---------------------------------------------------------------------------

DB = ROOT / "grader" / "db"


def _tables_in(path: Path) -> set[str]:
    """The table classes (subclasses of `Base`) a module of grader/db defines."""
    return {
        node.name
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.ClassDef)
        and any(isinstance(base, ast.Name) and base.id == "Base" for base in node.bases)
    }


# The modules that define tables (models, integrations, practice...).
TABLES = tuple(f"grader.db.{p.stem}" for p in sorted(DB.glob("*.py")) if _tables_in(p))

# Which service package owns each table: only it creates, updates or deletes the table's rows
# with a statement (`Model(...)`, `insert`, `update`, `delete`); the others read (joins) or
# call it. A new table must be given an owner here.
OWNER = {
    "accounts": {"User", "ApiToken"},
    "courses": {"Course", "Membership"},
    "exercises": {"Exercise", "ExerciseVersion", "BrokenInstance"},
    "assignments": {"Assignment", "AssignmentQuestion", "Extension", "ExamStart"},
    "grading": {"Submission", "EarlierGrade", "HelpTaken"},
    "gradebook": {"ScoreOverride", "QuestionOverride"},
    "integrations": {
        "LtiPlatform",
        "LtiDeployment",
        "LtiKey",
        "LtiOneTime",
        "LtiUser",
        "LtiContext",
        "LtiResourceLink",
        "LtiPassback",
        "WebhookSubscription",
        "WebhookDelivery",
    },
    "infra": {"MetricCount", "RateBucket", "SignInCounter", "Lease"},
    "practice": {"PracticeItem"},
    "mastery": {"SkillMastery", "SkillEvent"},
}

# Writes to another package's table that predate the rule (#22), each in its caller's
# transaction; listed so that none is added. Moving one behind its owner's function removes
# its line here.
KNOWN_FOREIGN_WRITES = {
    ("courses", "User"),  # a roster import creates the missing students' accounts
    ("gradebook", "Extension"),  # a whole-class extension
    ("grading", "Extension"),  # a submission's terms
    ("grading", "ExerciseVersion"),  # the observed grading cost of a version
    ("integrations", "Course"),  # an LTI launch makes the course of a new context
    ("integrations", "Membership"),  # launches and roster syncs enrol and remove members
    ("integrations", "User"),  # an LTI launch makes the account of a new person
}


def _table_names() -> set[str]:
    return {name for path in DB.glob("*.py") for name in _tables_in(path)}


def table_writes(path: Path, tables: set[str]) -> set[str]:
    """The tables whose rows `path` creates (`Model(...)`) or changes with a statement
    (`insert(Model)`, `update(Model)`, `delete(Model)`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in tables:
            found.add(name)
        elif name in ("insert", "update", "delete") and node.args:
            target = node.args[0]
            if isinstance(target, ast.Name) and target.id in tables:
                found.add(target.id)
    return found


def test_every_table_has_one_owning_service_package():
    owned = [name for names in OWNER.values() for name in names]
    assert sorted(owned) == sorted(set(owned)), "a table with two owners"
    assert set(owned) == _table_names(), "give each table an owner in OWNER"
    assert set(OWNER) <= {p.name for p in SERVICES.iterdir() if p.is_dir()}


def test_only_the_owning_package_writes_a_table():
    tables = _table_names()
    owner_of = {name: package for package, names in OWNER.items() for name in names}
    foreign = set()
    for path in SERVICES.rglob("*.py"):
        package = unit(_module(path))
        for name in table_writes(path, tables):
            if owner_of[name] != package:
                foreign.add((package, name))
    assert foreign - KNOWN_FOREIGN_WRITES == set(), "write through the owner's functions"
    assert KNOWN_FOREIGN_WRITES - foreign == set(), "no longer written here: drop the line"


def test_the_write_check_finds_a_foreign_write(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(
        "from sqlalchemy import update\n"
        "def f(session):\n"
        "    session.add(Course(title='x'))\n"
        "    session.execute(update(User).values(role='admin'))\n"
        "    session.execute(select(Assignment))\n"
    )
    assert table_writes(path, {"Course", "User", "Assignment"}) == {"Course", "User"}


def test_nothing_outside_the_services_touches_the_database():
    """The pages, the API, the LTI views, the workers and the command line reach the tables
    only through service functions: they import no table and open no session."""
    offending = []
    for layer in ("api", "web", "lti", "workers", "cli"):
        for path in (ROOT / "grader" / layer).rglob("*.py"):
            text = path.read_text()
            names = _imports(path)
            offending += [f"{path.relative_to(ROOT)} imports {n}" for n in names if n in TABLES]
            for call in (".db.read(", ".db.write(", "session.execute(", "session.add("):
                if call in text:
                    offending.append(f"{path.relative_to(ROOT)} calls {call}")
    for path in (ROOT / "grader").glob("*.py"):
        offending += [
            f"{path.relative_to(ROOT)} imports {n}" for n in _imports(path) if n in TABLES
        ]
    assert offending == []
