"""The service commands: users create prints the token last; tokens revoke; exercises import."""

from __future__ import annotations

import io

import pytest

from grader import cli
from grader.config import Config
from grader.services.accounts import users
from grader.services.context import Services
from grader.services.errors import Unauthorized
from tests.helpers import FIXTURES


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("GRADER_DATABASE_URL", raising=False)
    return tmp_path


def test_users_create_prints_the_token_alone_on_the_last_line(env, capsys):
    assert cli.main(["users", "create", "--role", "instructor", "--name", "alice"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    svc = Services(Config.from_env(auth_cache_s=0))
    assert users.authenticate(svc, token).username == "alice"
    assert cli.main(["tokens", "revoke", "--user", "alice"]) == 0
    with pytest.raises(Unauthorized):
        users.authenticate(svc, token)


def test_duplicate_user_is_an_error_message_not_a_traceback(env, capsys):
    cli.main(["users", "create", "--role", "student", "--name", "bob"])
    assert cli.main(["users", "create", "--role", "student", "--name", "bob"]) == 1
    assert "taken" in capsys.readouterr().err


def test_exercises_import_makes_new_versions_only_for_changed_files(env, capsys, tmp_path):
    folder = tmp_path / "library"
    folder.mkdir()
    source = FIXTURES / "chain-rule-intro.yaml"
    (folder / source.name).write_text(source.read_text())
    assert cli.main(["exercises", "import", str(folder)]) == 0
    assert "1 new" in capsys.readouterr().out
    assert cli.main(["exercises", "import", str(folder)]) == 0
    assert "1 unchanged" in capsys.readouterr().out
    (folder / source.name).write_text(source.read_text().replace("title:", "title: New", 1))
    assert cli.main(["exercises", "import", str(folder)]) == 0
    assert "updated  chain-rule-intro v2" in capsys.readouterr().out


def test_users_password_from_stdin_lets_the_user_sign_in(env, capsys, monkeypatch):
    cli.main(["users", "create", "--role", "student", "--name", "bob"])
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert cli.main(["users", "password", "--name", "bob", "--stdin"]) == 0
    assert "sign in at /login" in capsys.readouterr().out
    svc = Services(Config.from_env())
    assert users.sign_in(svc, "bob", "a long password")[0].username == "bob"


def test_users_password_typed_differently_twice_changes_nothing(env, capsys, monkeypatch):
    cli.main(["users", "create", "--role", "student", "--name", "bob"])
    typed = iter(["a long password", "a long passwort"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt: next(typed))
    monkeypatch.setattr("sys.stdin", _Terminal())
    assert cli.main(["users", "password", "--name", "bob"]) == 1
    assert "error: the two passwords differ; nothing was changed" in capsys.readouterr().err


def test_unknown_user_password_is_an_error_message(env, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert cli.main(["users", "password", "--name", "nobody", "--stdin"]) == 1
    assert capsys.readouterr().err.startswith("error: ")


def test_an_unreadable_setting_is_a_usage_error(env, capsys, monkeypatch):
    monkeypatch.setenv("GRADER_POOL_SIZE", "many")
    assert cli.main(["users", "create", "--role", "student", "--name", "bob"]) == 2
    assert "GRADER_POOL_SIZE='many'" in capsys.readouterr().err


class _Terminal(io.StringIO):
    """stdin as a terminal (getpass is faked: nothing is read from it)."""

    def isatty(self) -> bool:
        return True


def test_users_password_without_a_terminal_points_to_stdin(env, tmp_path):
    """In a script (no terminal), asking for the password is a clear error, not an EOFError."""
    import os
    import subprocess
    import sys

    from tests.helpers import ROOT

    run_env = {**os.environ, "GRADER_INSTANCE_PATH": str(tmp_path)}
    run_env.pop("GRADER_DATABASE_URL", None)
    command = [sys.executable, "-m", "grader", "users", "password", "--name", "bob"]
    done = subprocess.run(
        command, cwd=ROOT, env=run_env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "no terminal" in done.stderr and "--stdin" in done.stderr
    empty = subprocess.run(
        [*command, "--stdin"], cwd=ROOT, env=run_env, input="", capture_output=True, text=True
    )
    assert empty.returncode == 2 and "no password on stdin" in empty.stderr


def test_users_password_ended_with_ctrl_d_changes_nothing(env, capsys, monkeypatch):
    def eof(_prompt):
        raise EOFError

    monkeypatch.setattr("getpass.getpass", eof)
    monkeypatch.setattr("sys.stdin", _Terminal())
    assert cli.main(["users", "password", "--name", "bob"]) == 2
    assert "no password given" in capsys.readouterr().err


def test_serve_banner_names_the_pages_api_and_health_urls():
    from grader.cli.service import BANNER

    text = BANNER.format(host="127.0.0.1", port=5000, db="sqlite", pool=2, workers=1)
    words = text.split()
    for url in ("/", "/api/v1", "/api/v1/health"):
        assert f"http://127.0.0.1:5000{url}" in words


def _documented_users_commands() -> list[str]:
    """The `users` commands in docs/lms.md's code blocks (Site-wide roles), in order."""
    from tests.helpers import ROOT

    found, in_block = [], False
    for line in (ROOT / "docs" / "lms.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_block = not in_block
        elif in_block and line.startswith(".venv/bin/python -m grader users "):
            found.append(line)
    return found


def test_the_documented_role_command_makes_an_lms_teacher_a_site_wide_instructor(env):
    """docs/lms.md's commands, run as written: the account can create a course afterwards
    (a launch never grants that), and `--role student` takes the right back."""
    import os
    import subprocess

    from grader.services.context import Actor
    from grader.services.courses import course as courses
    from grader.services.errors import Forbidden
    from tests.helpers import ROOT

    commands = _documented_users_commands()
    assert any(" users role " in c for c in commands)
    run_env = {**os.environ, "GRADER_INSTANCE_PATH": str(env)}
    run_env.pop("GRADER_DATABASE_URL", None)
    for command in commands:
        done = subprocess.run(
            ["bash", "-c", command], cwd=ROOT, env=run_env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    assert "now a site-wide instructor (was student)" in done.stdout
    svc = Services(Config.from_env())
    name = commands[-1].split("--name ")[1].split()[0]
    user = users.get_user(svc, Actor(0, "root", "admin"), users.user_id_of(svc, name))
    assert user.role == "instructor"
    teacher = Actor(user.id, name, user.role)  # what the next request reads
    assert courses.create_course(svc, teacher, "Analysis 2").title == "Analysis 2"
    assert cli.main(["users", "role", "--name", name, "--role", "student"]) == 0
    with pytest.raises(Forbidden):
        courses.create_course(svc, Actor(user.id, name, "student"), "Analysis 3")


def test_the_role_command_refuses_an_unknown_user_and_the_last_admin(env, capsys):
    assert cli.main(["users", "role", "--name", "nobody", "--role", "instructor"]) == 1
    assert "no user 'nobody'" in capsys.readouterr().err
    cli.main(["users", "create", "--role", "admin", "--name", "root"])
    assert cli.main(["users", "role", "--name", "root", "--role", "student"]) == 1
    assert "the only admin" in capsys.readouterr().err
    cli.main(["users", "create", "--role", "admin", "--name", "root2"])
    assert cli.main(["users", "role", "--name", "root", "--role", "instructor"]) == 0
    assert "now a site-wide instructor (was admin)" in capsys.readouterr().out
    assert cli.main(["users", "role", "--name", "root", "--role", "instructor"]) == 0
    assert "already a site-wide instructor; nothing changed" in capsys.readouterr().out
