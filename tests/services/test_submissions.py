"""Submitting from many threads at once: attempts and Idempotency-Keys hold on both databases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from grader.services.errors import Conflict
from grader.services.grading import submissions

RIGHT = {"dz-at-10": "200", "dz": "20x", "grad": ["20x"]}
THREADS = 12


def _race(world, key: str | None) -> list:
    """Submit from THREADS threads at once; each result or the Conflict it raised."""

    def one(_index: int):
        try:
            return submissions.submit(
                world.svc, world.student.actor, world.assignment_id, RIGHT, key
            )
        except Conflict as exc:
            return exc

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, range(THREADS)))


def _stored(world) -> list[int]:
    listing = submissions.list_submissions(
        world.svc,
        world.teacher.actor,
        world.assignment_id,
        student=None,
        status=None,
        limit=200,
        offset=0,
    )
    return sorted(item["attempt"] for item in listing["items"])


def test_simultaneous_submissions_never_exceed_max_attempts(world):
    results = _race(world, None)  # the world's assignment allows 5 attempts
    accepted = [r for r in results if not isinstance(r, Conflict)]
    assert len(accepted) == 5
    assert all(r.code == "no_attempts_left" for r in results if isinstance(r, Conflict))
    assert _stored(world) == [1, 2, 3, 4, 5]


def test_simultaneous_submissions_with_one_key_store_one(world):
    results = _race(world, "same-key")
    assert not [r for r in results if isinstance(r, Conflict)]
    assert len({r[0]["id"] for r in results}) == 1
    assert sum(1 for _, new in results if new) == 1
    assert _stored(world) == [1]


def test_simultaneous_submissions_without_a_limit_are_all_accepted(world):
    """30 at once with unlimited attempts: every one stored, numbered 1..30 (PostgreSQL gave
    3 × 409 'too many simultaneous submissions' when attempt numbers collided)."""
    from grader.services.assignments import assignment as assignments

    spec = {"exercise_id": "chain-rule-intro"}  # no max_attempts
    unlimited = assignments.create_assignment(
        world.svc, world.teacher.actor, world.course_id, spec
    )["id"]

    def one(_index: int):
        try:
            return submissions.submit(world.svc, world.student.actor, unlimited, RIGHT)
        except Conflict as exc:
            return exc

    with ThreadPoolExecutor(30) as pool:
        results = list(pool.map(one, range(30)))
    assert not [r for r in results if isinstance(r, Conflict)], results
    assert sorted(r[0]["attempt"] for r in results) == list(range(1, 31))
