"""A submission whose grading never ends fails alone, with a reason; its batch-mates (other
students, other assignments) are graded, and the service answers meanwhile."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from grader.db.models import ExerciseVersion, Submission
from grader.services.assignments import assignment as assignments
from grader.services.courses import course as courses
from grader.services.grading import runner as grading
from grader.services.grading import submissions
from grader.services.grading.runner import GradingTimeout
from grader.workers.isolation import ChildGrader
from grader.workers.pool import EmbeddedPool
from tests.helpers import Person

RIGHT = {"dz-at-10": "200", "dz": "20x", "grad": ["20x"]}
POISON = {"dz-at-10": "200", "dz": "20x + 0*7777777", "grad": ["20x"]}


def _hang_on_poison(monkeypatch) -> None:
    """Make the engine hold the interpreter for good on the POISON answer, as an exact power
    of a huge integer did: no Python thread can interrupt it. The pool's child process is
    forked from this one, so it inherits the patch."""

    def deadly(real):
        def call(exercise, *args, **kwargs):
            if "7777777" in repr(args):
                pow(7, 10**15)  # C code with the GIL held: hours
            return real(exercise, *args, **kwargs)

        return call

    monkeypatch.setattr(grading, "grade_batch", deadly(grading.grade_batch))
    monkeypatch.setattr(grading, "grade", deadly(grading.grade))


def _students_and_assignments(world) -> list[tuple[object, int]]:
    """(actor, assignment id) for four students on two assignments without attempt limits."""
    spec = {"exercise_id": "chain-rule-intro"}
    ids = [
        assignments.create_assignment(world.svc, world.teacher.actor, world.course_id, spec)["id"]
        for _ in range(2)
    ]
    people = [world.student.actor]
    for name in ("ann", "ben", "cat"):
        people.append(Person(world.svc, name, "student").actor)
        courses.add_member(world.svc, world.teacher.actor, world.course_id, name, "student")
    return [(person, ids[i % 2]) for i, person in enumerate(people)]


def test_a_poison_submission_in_a_batch_of_64_fails_alone(world, client, monkeypatch):
    _hang_on_poison(monkeypatch)
    world.svc.config = replace(world.svc.config, grade_timeout_s=1.0, isolate_grading=True)
    who = _students_and_assignments(world)
    ids = []
    for n in range(64):
        actor, assignment_id = who[n % len(who)]
        # a different text of the right answers each time: an identical resubmission would be
        # the student's last attempt again, not a new one
        answers = POISON if n == 37 else {**RIGHT, "dz-at-10": f"{200:.{n}f}"}
        ids.append(submissions.submit(world.svc, actor, assignment_id, answers)[0]["id"])
    poison = ids[37]
    pool = EmbeddedPool(world.svc, size=1, batch_size=64)
    world.svc.dispatcher = pool
    pool.start()
    try:
        # The service answers while the poison's batch is being graded.
        while _status(world, poison) == "queued":
            submissions.wait_for(world.svc, poison, timeout_s=0.05)
        assert client.get("/api/v1/health").status_code == 200
        assert _status(world, poison) == "grading"
        for sid in ids:
            submissions.wait_for(world.svc, sid, timeout_s=60)
    finally:
        pool.stop()
    with world.svc.db.read() as session:
        rows = {r.id: r for r in session.scalars(select(Submission)).all()}
    assert rows[poison].status == "failed"
    assert "took longer than 1 s" in rows[poison].error
    assert rows[poison].tries == 1  # failed at once: not requeued with its batch
    others = [rows[sid] for sid in ids if sid != poison]
    assert [r.status for r in others] == ["graded"] * 63
    assert all(r.score == 3.0 and r.tries == 1 for r in others)
    assert {r.student_id for r in others} == {a.id for a, _ in who}
    assert len({r.assignment_id for r in others}) == 2


def test_the_student_reads_why_it_failed_and_may_submit_again(world, client, monkeypatch):
    _hang_on_poison(monkeypatch)
    world.svc.config = replace(world.svc.config, grade_timeout_s=0.5)
    sid = submissions.submit(world.svc, world.student.actor, world.assignment_id, POISON)[0]["id"]
    evaluator = ChildGrader()
    try:
        assert grading.process_batch(world.svc, 64, evaluator=evaluator) == 1
        body = client.get(f"/api/v1/submissions/{sid}", headers=world.student.headers).json
        assert body["status"] == "failed" and "write it more simply" in body["error"]
        again = submissions.submit(world.svc, world.student.actor, world.assignment_id, RIGHT)
        assert grading.process_batch(world.svc, 64, evaluator=evaluator) == 1  # a fresh child
        assert _status(world, again[0]["id"]) == "graded"
    finally:
        evaluator.close()


def test_child_grader_kills_an_overrun_and_starts_afresh(world, monkeypatch):
    _hang_on_poison(monkeypatch)
    with world.svc.db.read() as session:
        version_id = session.scalar(select(ExerciseVersion.id))
    exercise_source = world.svc.exercises.source(version_id)
    evaluator = ChildGrader()
    try:
        with pytest.raises(GradingTimeout):
            evaluator.evaluate("1:x", lambda: exercise_source, [(POISON, 1)], "cpu", 0.5)
        assert evaluator.restarts == 1
        verdicts = evaluator.evaluate("1:x", lambda: exercise_source, [(RIGHT, 1)], "cpu", 30)
        assert verdicts[0][0] == "graded" and verdicts[0][1]["score"] == 3.0
    finally:
        evaluator.close()


def _status(world, sid: int) -> str:
    with world.svc.db.read() as session:
        return session.scalar(select(Submission.status).where(Submission.id == sid))


def test_a_celery_batch_with_a_poison_submission_fails_it_alone(world, monkeypatch):
    """The Celery task grades through the worker's ChildGrader like the embedded pool."""
    from grader.workers import tasks

    _hang_on_poison(monkeypatch)
    world.svc.config = replace(world.svc.config, grade_timeout_s=0.5)
    answers = [RIGHT, POISON, RIGHT, {**RIGHT, "dz-at-10": "200.0"}]
    ids = [
        submissions.submit(world.svc, world.student.actor, world.assignment_id, a)[0]["id"]
        for a in answers
    ]
    evaluator = ChildGrader()
    try:
        written = tasks.run_lane(world.svc, None, "cpu", lambda _lane: None, evaluator)
    finally:
        evaluator.close()
    assert written == 4
    assert [_status(world, sid) for sid in ids] == ["graded", "failed", "graded", "graded"]


def test_without_a_child_process_grading_falls_back_to_this_process(world):
    """A process that cannot start a child (none left, a sandbox) still grades."""
    from grader.services.grading.runner import GraderUnavailable

    class NoChild:
        def evaluate(self, *args, **kwargs):
            raise GraderUnavailable("no grading child process: test")

    sid = submissions.submit(world.svc, world.student.actor, world.assignment_id, RIGHT)[0]["id"]
    assert grading.process_batch(world.svc, 64, evaluator=NoChild()) == 1
    assert _status(world, sid) == "graded"
