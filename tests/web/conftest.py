"""Web fixtures: `world` (tests/conftest.py) with passwords, inline grading, helpers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from grader.services.accounts import users
from grader.services.grading import runner as grading
from grader.services.infra.ratelimit import SignInThrottle

PASSWORD = "correct horse battery"
EXERCISES = Path(__file__).resolve().parents[2] / "exercises"


class InlineDispatcher:
    """Grades each submission as soon as it is stored, in the request (deterministic tests)."""

    notifies_completion = True

    def __init__(self, svc):
        self.svc = svc

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def submitted(self, submission_ids: list[int]) -> None:
        while grading.process_batch(self.svc, 100):  # whatever is queued, this one included
            pass


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """Fast argon2 parameters in tests (the real ones cost ~50 ms per sign-in)."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
def web(app, world):
    """`world` with passwords for everyone, inline grading and fresh sign-in throttles."""
    world.svc.dispatcher = InlineDispatcher(world.svc)
    world.svc.sign_in_throttle = SignInThrottle(world.svc.db, 5, 300)
    for person in (world.student, world.teacher, world.outsider, world.other_teacher):
        users.set_password(world.svc, person.username, PASSWORD)
    return world


class Pages:
    """A test client with the steps every page test takes: CSRF tokens and signing in."""

    def __init__(self, client, world):
        self.client = client
        self.world = world

    def csrf(self) -> str:
        """The CSRF token of the client's session (created when missing)."""
        with self.client.session_transaction() as session:
            session.setdefault("csrf", "test-csrf-token")
            return session["csrf"]

    def sign_in(self, person, password: str = PASSWORD):
        data = {"username": person.username, "password": password}
        return self.post("/login", data)

    def post(self, url: str, data: dict | None = None, **kwargs):
        """A form POST with the session's CSRF token."""
        return self.client.post(url, data={"csrf_token": self.csrf(), **(data or {})}, **kwargs)

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def submit(
        self, answers: dict[str, str], assignment_id: int | None = None, confirm: bool = True
    ):
        """Submit the exercise form (field name -> text) and follow nothing; with `confirm`,
        blank parts are submitted as they are (the page's "Submit anyway")."""
        aid = assignment_id or self.world.assignment_id
        extra = {"confirm_blank": "1"} if confirm else {}
        return self.post(f"/assignments/{aid}/submit", {**answers, **extra})


@pytest.fixture
def pages(web, client) -> Pages:
    return Pages(client, web)


def text_of(response) -> str:
    """The page's text without tags (for asserting what a reader sees)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def page_text():
    return text_of


def assign(world, slug: str, **spec) -> int:
    """A new assignment in `world`'s course of exercises/<slug>.yaml (uploaded once)."""
    from grader.services.assignments import assignment as assignments
    from grader.services.exercises import library as exercises

    exercises.upload(world.svc, world.teacher.actor, (EXERCISES / f"{slug}.yaml").read_text())
    spec = {"exercise_id": slug, **spec}
    return assignments.create_assignment(world.svc, world.teacher.actor, world.course_id, spec)[
        "id"
    ]
