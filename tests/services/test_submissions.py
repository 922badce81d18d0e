"""Submitting from many threads at once: attempts and Idempotency-Keys hold on both databases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from grader.services.errors import Conflict
from grader.services.grading import submissions

RIGHT = {"dz-at-10": "200", "dz": "20x", "grad": ["20x"]}
THREADS = 12


def _answers(index: int) -> dict:
    """Answers that differ in text from thread to thread (the same answers as the last
    attempt would use no attempt)."""
    return {**RIGHT, "dz": f"20x + {index}"}


def _race(world, key: str | None, same: bool = False) -> list:
    """Submit from THREADS threads at once (different answers in each, or the same with
    `same`); each result or the Conflict it raised."""

    def one(index: int):
        try:
            answers = RIGHT if same else _answers(index)
            return submissions.submit(
                world.svc, world.student.actor, world.assignment_id, answers, key
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
    results = _race(world, "same-key", same=True)
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

    def one(index: int):
        try:
            return submissions.submit(world.svc, world.student.actor, unlimited, _answers(index))
        except Conflict as exc:
            return exc

    with ThreadPoolExecutor(30) as pool:
        results = list(pool.map(one, range(30)))
    assert not [r for r in results if isinstance(r, Conflict)], results
    assert sorted(r[0]["attempt"] for r in results) == list(range(1, 31))


def test_simultaneous_identical_submissions_use_one_attempt(world):
    """A double click (or a client retrying without a key): the same answers at once are one
    attempt; every caller gets that attempt back."""
    results = _race(world, None, same=True)
    assert not [r for r in results if isinstance(r, Conflict)]
    assert len({r[0]["id"] for r in results}) == 1
    assert sum(1 for _, new in results if new) == 1
    assert sum(1 for r, _ in results if r.get("repeated")) == THREADS - 1
    assert _stored(world) == [1]


def _submit(world, answers):
    out, new = submissions.submit(world.svc, world.student.actor, world.assignment_id, answers)
    world.grade_all()
    return out, new


def test_resubmitting_the_last_attempts_answers_returns_its_result_and_uses_nothing(world):
    first, new = _submit(world, {"dz": "4x", "dz-at-10": "200"})
    assert new and first["attempt"] == 1
    again, new = _submit(world, {"dz-at-10": " 200 ", "dz": "4x"})  # spaces do not count
    assert not new and again["repeated"] and again["id"] == first["id"]
    assert again["status"] == "graded" and _stored(world) == [1]
    changed, new = _submit(world, {"dz": "20x", "dz-at-10": "200"})
    assert new and changed["attempt"] == 2
    # the same as an EARLIER attempt (not the last) is a new attempt
    back, new = _submit(world, {"dz": "4x", "dz-at-10": "200"})
    assert new and back["attempt"] == 3 and _stored(world) == [1, 2, 3]


def test_the_same_answers_with_no_attempt_left_still_get_their_result(world):
    from grader.services import assignments

    assignments.update_assignment(
        world.svc, world.teacher.actor, world.assignment_id, {"max_attempts": 1}
    )
    first, _ = _submit(world, {"dz": "4x"})
    again, new = _submit(world, {"dz": "4x"})
    assert not new and again["id"] == first["id"]
    try:
        _submit(world, {"dz": "5x"})
    except Conflict as exc:
        assert exc.code == "no_attempts_left"
    else:
        raise AssertionError("a different answer with no attempt left was taken")


def test_after_a_failed_grading_the_same_answers_are_graded_again(world):
    from grader.db.models import Submission
    from grader.vocabulary import SubmissionStatus

    first, _ = _submit(world, {"dz": "4x"})
    with world.svc.db.write() as session:
        session.get(Submission, first["id"]).status = SubmissionStatus.FAILED
    again, new = _submit(world, {"dz": "4x"})
    assert new and again["id"] != first["id"]
