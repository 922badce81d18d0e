"""Settings come from GRADER_* variables, with defaults under the instance folder."""

from __future__ import annotations

import pytest

from grader.config import Config, ConfigError


def test_defaults_put_the_database_and_secret_in_the_instance_folder(tmp_path):
    config = Config.from_env({"GRADER_INSTANCE_PATH": str(tmp_path / "inst")})
    assert config.database_url == f"sqlite:///{tmp_path / 'inst' / 'grader.db'}"
    secret = (tmp_path / "inst" / "secret_key").read_text().strip()
    assert config.secret_key == secret and len(secret) == 64
    assert (tmp_path / "inst" / "secret_key").stat().st_mode & 0o777 == 0o600
    again = Config.from_env({"GRADER_INSTANCE_PATH": str(tmp_path / "inst")})
    assert again.secret_key == secret


def test_variables_are_converted(tmp_path):
    env = {
        "GRADER_INSTANCE_PATH": str(tmp_path),
        "GRADER_SECRET_KEY": "s",
        "GRADER_POOL_SIZE": "3",
        "GRADER_STUCK_AFTER_S": "2.5",
        "GRADER_DATABASE_URL": "postgresql+psycopg://u@h/db",
    }
    config = Config.from_env(env)
    assert (config.pool_size, config.stuck_after_s) == (3, 2.5)
    assert config.database_url.startswith("postgresql") and not config.is_sqlite


def test_bad_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="GRADER_POOL_SIZE"):
        Config.from_env({"GRADER_INSTANCE_PATH": str(tmp_path), "GRADER_POOL_SIZE": "many"})


def test_an_unknown_grading_device_is_refused_with_the_variable_named(tmp_path):
    env = {"GRADER_INSTANCE_PATH": str(tmp_path), "GRADER_DEVICE": "gpu"}
    with pytest.raises(ConfigError, match="GRADER_DEVICE"):
        Config.from_env(env)


def test_the_grading_device_defaults_to_the_cpu(tmp_path):
    assert Config.from_env({"GRADER_INSTANCE_PATH": str(tmp_path)}).device == "cpu"


def test_a_misspelt_variable_is_reported_with_the_setting_it_resembles(tmp_path, caplog):
    env = {"GRADER_INSTANCE_PATH": str(tmp_path), "GRADER_DATABSE_URL": "sqlite:///x.db"}
    with caplog.at_level("WARNING", logger="grader.config"):
        config = Config.from_env(env)
    assert "GRADER_DATABSE_URL is not a setting (did you mean GRADER_DATABASE_URL?)" in caplog.text
    assert config.database_url.endswith("grader.db")  # ignored: the default stays


def test_web_and_celery_settings_are_typed_sections(tmp_path):
    env = {
        "GRADER_INSTANCE_PATH": str(tmp_path),
        "GRADER_SESSION_HOURS": "2.5",
        "GRADER_COOKIE_SECURE": "yes",
        "GRADER_LOGIN_MAX_FAILURES": "3",
        "GRADER_FLUSH_MS": "5",
        "GRADER_QUEUE": "exams",
    }
    config = Config.from_env(env)
    assert (config.web.session_hours, config.web.cookie_secure) == (2.5, True)
    assert config.web.login_max_failures == 3
    assert (config.celery.flush_ms, config.celery.queue) == (5.0, "exams")


def test_a_bad_section_value_names_the_variable(tmp_path):
    env = {"GRADER_INSTANCE_PATH": str(tmp_path), "GRADER_LOGIN_WINDOW_S": "soon"}
    with pytest.raises(ConfigError, match="GRADER_LOGIN_WINDOW_S"):
        Config.from_env(env)
