"""The service commands: users create prints the token last; tokens revoke; exercises import."""

from __future__ import annotations

import io

import pytest

from grader import cli
from grader.config import Config
from grader.services import users
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


def test_exercises_import_makes_new_versions_only_for_changed_files(env, capsys):
    assert cli.main(["exercises", "import", str(FIXTURES)]) == 0
    assert "1 new" in capsys.readouterr().out
    assert cli.main(["exercises", "import", str(FIXTURES)]) == 0
    assert "1 unchanged" in capsys.readouterr().out


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
