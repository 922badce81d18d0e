"""Grading from the table: one result per submission, stuck rows requeued, poison rows failed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from grader.db.models import Submission, utcnow
from grader.services.grading import runner as grading
from grader.services.grading import submissions

RIGHT = {"dz-at-10": "200", "dz": "20x", "grad": ["20x"]}


def _submit(world, answers=RIGHT) -> int:
    return submissions.submit(world.svc, world.student.actor, world.assignment_id, answers)[0]["id"]


def _worker_died(world) -> None:
    """As if the worker holding every claim had died: its leases run out."""
    with world.svc.db.write() as session:
        gone = utcnow() - timedelta(seconds=1)
        session.execute(update(Submission).values(lease_until=gone))


def _row(world, sid: int) -> Submission:
    with world.svc.db.read() as session:
        return session.get(Submission, sid)


def test_batch_grades_and_records_results(world):
    sid = _submit(world)
    assert grading.process_batch(world.svc, 10) == 1
    row = _row(world, sid)
    assert row.status == "graded" and row.score == 3.0 and row.grade_ms is not None
    assert row.results["parts"]["dz"]["correct"] is True


def test_a_stale_claim_cannot_overwrite_the_current_one(world):
    sid = _submit(world)
    stale = grading.claim(world.svc, 10)
    assert grading.requeue_stuck(world.svc, older_than_s=0) == (0, 0)  # its lease still runs
    _worker_died(world)
    assert grading.requeue_stuck(world.svc, older_than_s=0) == (1, 0)
    current = grading.claim(world.svc, 10)
    assert grading.store(world.svc, grading.grade_claimed(world.svc, current)) == [sid]
    assert grading.store(world.svc, grading.grade_claimed(world.svc, stale)) == []
    row = _row(world, sid)
    assert row.status == "graded" and row.tries == 2


def test_a_row_out_of_tries_is_failed_not_requeued(world):
    sid = _submit(world)
    for _ in range(world.svc.config.max_grade_tries):
        grading.claim(world.svc, 10)
        _worker_died(world)
        grading.requeue_stuck(world.svc, older_than_s=0)
    row = _row(world, sid)
    assert row.status == "failed" and "tries" in row.error


def test_late_work_gets_the_penalty(world):
    sid = _submit(world)
    with world.svc.db.write() as session:
        session.execute(update(Submission).where(Submission.id == sid).values(late=True))
        from grader.db.models import Assignment

        session.execute(update(Assignment).values(late_penalty=0.25))
    world.grade_all()
    row = _row(world, sid)
    assert row.score == 3.0 * 0.75 and row.results["raw_score"] == 3.0


def test_an_exercise_the_engine_cannot_grade_marks_only_that_submission_failed(world, monkeypatch):
    good = _submit(world)
    bad = _submit(world, {"dz": "x"})
    real = grading.grade

    def flaky(exercise, answers, *args):
        if answers.get("dz") == "x":
            raise RuntimeError("boom")
        return real(exercise, answers, *args)

    monkeypatch.setattr(grading, "grade_batch", lambda *a, **k: 1 / 0)
    monkeypatch.setattr(grading, "grade", flaky)
    world.grade_all()
    assert _row(world, good).status == "graded"
    failed = _row(world, bad)
    assert failed.status == "failed" and "internal error" in failed.error
    assert "boom" not in failed.error  # the details go to the log, not to the student
