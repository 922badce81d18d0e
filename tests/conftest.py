"""Shared fixtures: services markers (skip without the service, fail under CI=true),
fresh databases per test on SQLite and, when reachable, PostgreSQL."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests explore at random on a laptop; in CI they replay a fixed set of examples, so
# a run's verdict never depends on luck.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ADMIN_URL = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _browser_available() -> bool:
    return shutil.which("chromium") is not None or shutil.which("chromium-browser") is not None


SERVICES = {
    "postgres": (lambda: _reachable(PG_HOST, PG_PORT), f"PostgreSQL at {PG_HOST}:{PG_PORT}"),
    "redis": (lambda: _reachable(REDIS_HOST, REDIS_PORT), f"Redis at {REDIS_HOST}:{REDIS_PORT}"),
    "browser": (_browser_available, "Chromium"),
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


class PostgresServer:
    """Creates databases with random names on the local server, and drops them."""

    def __init__(self) -> None:
        from sqlalchemy import create_engine

        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")

    def create(self) -> str:
        from sqlalchemy import text

        name = f"grader_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"

    def drop(self, url: str) -> None:
        from sqlalchemy import text

        name = url.rsplit("/", 1)[1]
        assert name.startswith("grader_test_")
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


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

FIXTURES = Path(__file__).parent / "fixtures"
EXERCISE_YAML = (FIXTURES / "chain-rule-intro.yaml").read_text()
RIGHT = {"dz-at-10": "200", "dz": "20x", "grad": ["20x"]}


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


class Person:
    def __init__(self, svc, username: str, role: str):
        from grader.services import users
        from grader.services.context import Actor

        created = users.create_user(svc, username, role)
        self.id, self.username, self.role = created["id"], username, role
        self.token = created["token"]
        self.token_id = created["token_id"]
        self.actor = Actor(self.id, username, role)
        self.headers = {"Authorization": f"Bearer {self.token}"}


class World:
    """An admin, two instructors, a student in the course, one outside it, an assignment."""

    def __init__(self, svc):
        from grader.services import assignments, courses, exercises

        self.svc = svc
        self.admin = Person(svc, "root", "admin")
        self.teacher = Person(svc, "tess", "instructor")
        self.other_teacher = Person(svc, "otto", "instructor")
        self.student = Person(svc, "stu", "student")
        self.outsider = Person(svc, "olga", "student")
        self.exercise = exercises.upload(svc, self.teacher.actor, EXERCISE_YAML)
        self.course_id = courses.create_course(svc, self.teacher.actor, "Calculus")["id"]
        courses.add_member(svc, self.teacher.actor, self.course_id, "stu", "student")
        spec = {"exercise_id": "chain-rule-intro", "max_attempts": 5}
        self.assignment_id = assignments.create_assignment(
            svc, self.teacher.actor, self.course_id, spec
        )["id"]

    def grade_all(self) -> int:
        from grader.services import grading

        total = 0
        while n := grading.process_batch(self.svc, 100):
            total += n
        return total


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
    application = create_app(config, start_pool=False)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def app(app_shell, world: World):
    """The application serving `world`'s database."""
    shell = app_shell.extensions["grader"]
    app_shell.extensions["grader"] = world.svc
    app_shell.config["MAX_CONTENT_LENGTH"] = world.svc.config.max_body_bytes
    yield app_shell
    app_shell.extensions["grader"] = shell


@pytest.fixture
def client(app):
    return app.test_client()
