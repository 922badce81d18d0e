"""What importing a layer loads: the engine is a pure library, and commands start fast."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import ROOT

HEAVY = ("torch", "flask", "sqlalchemy", "celery", "alembic")


def loaded_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The heavy top-level packages a fresh interpreter has imported after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()[-1]
    return {name for name in json.loads(out) if name in HEAVY}


def test_importing_the_package_loads_nothing_heavy():
    assert loaded_after("import grader") == set()


def test_importing_the_engine_loads_neither_flask_nor_a_database():
    assert loaded_after("import grader.engine") == {"torch"}


def test_the_command_line_and_its_help_do_not_import_torch_flask_or_sqlalchemy():
    code = "import grader.cli\ngrader.cli.build_parser().format_help()"
    assert loaded_after(code) == set()


def test_users_create_does_not_import_torch_or_flask(tmp_path):
    env = {"GRADER_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    code = (
        "from grader.cli import main\nmain(['users', 'create', '--role', 'student', '--name', 'a'])"
    )
    assert loaded_after(code, env) == {"sqlalchemy", "alembic"}  # a new database: migrated
    code = code.replace("'a'", "'b'")
    assert loaded_after(code, env) == {"sqlalchemy"}  # up to date: Alembic is not loaded
