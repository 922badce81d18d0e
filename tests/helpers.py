"""Shared test helpers: paths, factories for people and a small course, exercise builders.

Fixtures live in the conftest.py files; what a test imports by name lives here (CTFd's
`tests/helpers.py` pattern), so that no test imports a conftest module.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from grader.engine import Exercise

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
FIXTURES = Path(__file__).parent / "fixtures"
# The labelled student answers behind the README's accuracy claim (see tests/data/README.md).
CORPUS = Path(__file__).parent / "data" / "sample-corpus"
EXERCISE_YAML = (FIXTURES / "chain-rule-intro.yaml").read_text()
RIGHT = {"dz-at-10": "200", "dz": "20x", "grad": ["20x"]}

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ADMIN_URL = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/postgres"


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


# --- people and a small course -------------------------------------------------------------


class Person:
    def __init__(self, svc, username: str, role: str):
        from grader.services.accounts import users
        from grader.services.context import Actor

        created = users.create_user(svc, username, role)
        self.id, self.username, self.role = created.id, username, role
        self.token = created.token
        self.token_id = created.token_id
        self.actor = Actor(self.id, username, role)
        self.headers = {"Authorization": f"Bearer {self.token}"}


class World:
    """An admin, two instructors, a student in the course, one outside it, an assignment."""

    def __init__(self, svc):
        from grader.services.assignments import assignment as assignments
        from grader.services.courses import course as courses
        from grader.services.exercises import library as exercises

        self.svc = svc
        self.admin = Person(svc, "root", "admin")
        self.teacher = Person(svc, "tess", "instructor")
        self.other_teacher = Person(svc, "otto", "instructor")
        self.student = Person(svc, "stu", "student")
        self.outsider = Person(svc, "olga", "student")
        self.exercise = exercises.upload(svc, self.teacher.actor, EXERCISE_YAML)
        self.course_id = courses.create_course(svc, self.teacher.actor, "Calculus").id
        courses.add_member(svc, self.teacher.actor, self.course_id, "stu", "student")
        spec = {"exercise_id": "chain-rule-intro", "max_attempts": 5}
        created = assignments.create_assignment(svc, self.teacher.actor, self.course_id, spec)
        self.assignment_id = created["id"]
        self.question_id = created["questions"][0]["id"]

    def grade_all(self) -> int:
        from grader.services.grading import runner as grading

        total = 0
        while n := grading.process_batch(self.svc, 100):
            total += n
        return total


def forgotten_inner_derivatives(
    world, usernames: list[str], typed: str = "cos({k}x^2)"
) -> tuple[int, dict[str, int]]:
    """An assignment of tests/fixtures/param-chain.yaml (f = sin(k x^2)) in `world`'s course
    whose new students ``usernames`` each submit ``typed`` with their own k written as a
    number (by default the forgotten inner derivative); the assignment and each one's k."""
    from grader.engine import load_exercise
    from grader.engine.instance import draw_params
    from grader.services.assignments import assignment as assignments
    from grader.services.assignments.seeds import student_seed
    from grader.services.courses import course as courses
    from grader.services.exercises import library as exercises
    from grader.services.grading import submissions

    svc, teacher = world.svc, world.teacher.actor
    text = (FIXTURES / "param-chain.yaml").read_text()
    exercises.upload(svc, teacher, text)
    spec = {"exercise_id": "param-chain", "max_attempts": 5}
    aid = assignments.create_assignment(svc, teacher, world.course_id, spec)["id"]
    loaded = load_exercise(text, source="param-chain.yaml")
    ks = {}
    for name in usernames:
        person = Person(svc, name, "student")
        courses.add_member(svc, teacher, world.course_id, name, "student")
        seed = student_seed(svc.config.secret_key, person.id, aid)
        ks[name] = int(draw_params(loaded, seed)["k"])
        submissions.submit(svc, person.actor, aid, {"df": typed.format(k=ks[name])})
    world.grade_all()
    return aid, ks


# --- exercises for the engine tests --------------------------------------------------------


def make_exercise(text: str, source: str = "test.yaml") -> Exercise:
    """Load an exercise from (dedented) YAML text."""
    from grader.engine import load_exercise

    return load_exercise(textwrap.dedent(text), source=source)


def single(
    define: dict[str, str],
    variables: dict[str, tuple[float, float]] | None = None,
    *,
    wrt: str | list[str] = "x",
    kind: str = "expression",
    of: str | None = None,
    extra: str = "",
) -> Exercise:
    """A one-part exercise (part id ``a``) on the last defined name."""
    from grader.engine import load_exercise

    variables = variables or {"x": (0.5, 3.0)}
    lines = ["id: t", "title: T", "variables:"]
    lines += [f"  {v}: [{lo}, {hi}]" for v, (lo, hi) in variables.items()]
    lines.append("define:")
    lines += [f"  {k}: {v}" for k, v in define.items()]
    lines += [
        "parts:",
        "  - id: a",
        f"    kind: {kind}",
        f"    of: {of or list(define)[-1]}",
        f"    wrt: {wrt if isinstance(wrt, str) else '[' + ', '.join(wrt) + ']'}",
    ]
    text = "\n".join(lines) + "\n" + extra
    return load_exercise(text, source="test.yaml")


def check(exercise: Exercise, answer, part: str = "a", seed: int = 0):
    """Grade one answer to one part and return that part's result."""
    from grader.engine import grade

    return grade(exercise, {part: answer}, seed=seed).parts[part]


# --- the real server ---------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m grader serve` on loopback, with its output in `log`."""

    def __init__(self, env: dict[str, str], port: int, log: Path):
        self.env, self.port, self.log = env, port, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        cmd = [sys.executable, "-m", "grader", "serve", "--port", str(self.port)]
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/api/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"server did not start:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        """Ask the server to stop (gunicorn waits up to 10 s for its workers); kill it if it
        has not stopped in 30 s, so a slow machine never leaves it running."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
