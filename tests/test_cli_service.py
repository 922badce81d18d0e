"""The service commands: users create prints the token last; tokens revoke; exercises import."""

from __future__ import annotations

import pytest

from grader import cli_service
from grader.config import Config
from grader.services import users
from grader.services.context import Services
from grader.services.errors import Unauthorized
from tests.conftest import FIXTURES


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("GRADER_DATABASE_URL", raising=False)
    return tmp_path


def test_users_create_prints_the_token_alone_on_the_last_line(env, capsys):
    assert cli_service.main(["users", "create", "--role", "instructor", "--name", "alice"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    svc = Services(Config.from_env(auth_cache_s=0))
    assert users.authenticate(svc, token).username == "alice"
    assert cli_service.main(["tokens", "revoke", "--user", "alice"]) == 0
    with pytest.raises(Unauthorized):
        users.authenticate(svc, token)


def test_duplicate_user_is_an_error_message_not_a_traceback(env, capsys):
    cli_service.main(["users", "create", "--role", "student", "--name", "bob"])
    assert cli_service.main(["users", "create", "--role", "student", "--name", "bob"]) == 1
    assert "taken" in capsys.readouterr().err


def test_exercises_import_makes_new_versions_only_for_changed_files(env, capsys):
    assert cli_service.main(["exercises", "import", str(FIXTURES)]) == 0
    assert "1 new" in capsys.readouterr().out
    assert cli_service.main(["exercises", "import", str(FIXTURES)]) == 0
    assert "1 unchanged" in capsys.readouterr().out
