"""Shared fixtures: services markers (skip without the service, fail under CI=true),
fresh databases per test on SQLite and, when reachable, PostgreSQL."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests import contract

# Re-exported for tests that still import them from here; new tests import tests.helpers.
from tests.helpers import (  # noqa: F401
    EXERCISE_YAML,
    FIXTURES,
    PG_HOST,
    PG_PORT,
    RIGHT,
    Person,
    PostgresServer,
    World,
)

# Property tests explore at random on a laptop; in CI they replay a fixed set of examples, so
# a run's verdict never depends on luck.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def pytest_sessionstart(session: pytest.Session) -> None:
    """The compiled catalogues, as `make test` builds them, for a run started without make."""
    from grader.translations import compile_stale

    compile_stale()


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _browser_available() -> bool:
    return shutil.which("chromium") is not None or shutil.which("chromium-browser") is not None


def _sandbox_available() -> bool:
    from grader.sandbox import availability

    return availability() is None


SERVICES = {
    "postgres": (lambda: _reachable(PG_HOST, PG_PORT), f"PostgreSQL at {PG_HOST}:{PG_PORT}"),
    "redis": (lambda: _reachable(REDIS_HOST, REDIS_PORT), f"Redis at {REDIS_HOST}:{REDIS_PORT}"),
    "browser": (_browser_available, "Chromium"),
    "sandbox": (_sandbox_available, "The bubblewrap sandbox (apt-get install bubblewrap)"),
}
_seen: dict[str, bool] = {}


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked with a service skips when the service is absent, and fails under CI."""
    for name, (probe, label) in SERVICES.items():
        if item.get_closest_marker(name) is None:
            continue
        if name not in _seen:
            _seen[name] = probe()
        if not _seen[name]:
            reason = f"{label} is not reachable"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"{reason} (CI=true: service tests must run)", pytrace=False)
            pytest.skip(reason)


# --- databases ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    yield server
    server.admin.dispose()


@pytest.fixture
def fresh_postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """An empty PostgreSQL database for one test, dropped afterwards."""
    url = postgres_server.create()
    yield url
    postgres_server.drop(url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is faster)."""
    from grader.db import migrate
    from grader.db.session import make_engine

    path = tmp_path_factory.mktemp("template") / "grader.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def migrated_postgres(request: pytest.FixtureRequest) -> Iterator[str]:
    """One migrated PostgreSQL database for the session (tables emptied per test)."""
    from grader.db import migrate
    from grader.db.session import make_engine

    server = request.getfixturevalue("postgres_server")
    url = server.create()
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    server.drop(url)


def _empty_postgres(url: str) -> None:
    from grader.db.models import Base
    from grader.db.session import make_engine

    engine = make_engine(url, pool_size=1)
    with engine.begin() as conn:  # DELETE is much faster than TRUNCATE on small tables
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh migrated database: SQLite always, PostgreSQL when reachable."""
    if request.param == "sqlite":
        target = tmp_path / "grader.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("migrated_postgres")
    _empty_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    target = tmp_path / "grader.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


# --- services, users and a small course ----------------------------------------------------


@pytest.fixture
def make_config(tmp_path: Path, database_url: str):
    """Config for tests: no pool thread unless asked, no rate limit, a fixed secret."""
    from grader.config import Config

    def make(**overrides):
        values = {
            "instance_path": tmp_path / "instance",
            "database_url": database_url,
            "secret_key": "test-secret",
            "pool_size": 0,
            "user_rate": 0.0,
            "auth_cache_s": 0.0,
            **overrides,
        }
        return Config(**values).resolved()

    return make


@pytest.fixture
def svc(make_config):
    from grader.services.context import Services

    services = Services(make_config())
    yield services
    services.close()


@pytest.fixture
def world(svc) -> World:
    return World(svc)


@pytest.fixture(scope="session")
def app_shell(tmp_path_factory: pytest.TempPathFactory):
    """One application for the session (building one takes a while); tests plug in services."""
    from grader.app import create_app
    from grader.config import Config

    folder = tmp_path_factory.mktemp("shell")
    config = Config(instance_path=folder, secret_key="shell", pool_size=0).resolved()
    application = create_app(config)
    application.config["TESTING"] = True
    contract.enable(application)
    return application


@pytest.fixture
def app(app_shell, world: World):
    """The application serving `world`'s database; the shared application is put back as it
    was afterwards (its services, settings and whatever a test cached in its extensions)."""
    extensions, settings = dict(app_shell.extensions), dict(app_shell.config)
    app_shell.extensions["grader"] = world.svc
    app_shell.config["MAX_CONTENT_LENGTH"] = world.svc.config.max_body_bytes
    contract.violations.clear()
    yield app_shell
    found, contract.violations[:] = list(contract.violations), []
    app_shell.extensions.clear()
    app_shell.extensions.update(extensions)
    app_shell.config.clear()
    app_shell.config.update(settings)
    # every JSON answer the test received matched the OpenAPI document (tests/contract.py)
    assert found == [], "answers that differ from the OpenAPI document:\n" + "\n".join(found)


@pytest.fixture
def client(app):
    return app.test_client()
