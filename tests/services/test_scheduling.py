"""Fair grading: one course's backlog, however expensive, delays only itself; a live grade keeps
its lease; results are written as each is known; a killed worker's claims come back once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select, update

from grader.db.models import ExerciseVersion, Submission, utcnow
from grader.services.assignments import assignment as assignments
from grader.services.courses import course as courses
from grader.services.exercises import library as exercises
from grader.services.grading import runner as grading
from grader.services.grading import scheduling, submissions
from grader.workers.pool import EmbeddedPool
from tests.helpers import EXERCISE_YAML, ROOT, Person

RIGHT = {"dz-at-10": "200", "dz": "20x", "grad": ["20x"]}
HEAVY_YAML = EXERCISE_YAML.replace("id: chain-rule-intro", "id: heavy-chain")


class Course:
    """A second course with its own instructor, students and an assignment of `exercise`."""

    def __init__(self, world, name: str, exercise: str, yaml: str | None = None, students=3):
        svc = world.svc
        self.teacher = Person(svc, f"{name}-teacher", "instructor")
        if yaml is not None:
            exercises.upload(svc, self.teacher.actor, yaml)
        self.id = courses.create_course(svc, self.teacher.actor, name).id
        self.students = []
        for n in range(students):
            person = Person(svc, f"{name}-s{n}", "student")
            courses.add_member(svc, self.teacher.actor, self.id, person.username, "student")
            self.students.append(person)
        spec = {"exercise_id": exercise}
        self.assignment_id = assignments.create_assignment(svc, self.teacher.actor, self.id, spec)[
            "id"
        ]

    def submit(self, world, n: int = 1) -> list[int]:
        return [
            submissions.submit(
                world.svc,
                self.students[i % len(self.students)].actor,
                self.assignment_id,
                _nth(i),
            )[0]["id"]
            for i in range(n)
        ]


def _nth(n: int) -> dict:
    """Right answers, a different text each time: the same answers as the student's last
    attempt would use no attempt and queue nothing."""
    return {**RIGHT, "dz": f"20x + {n} - {n}"}


def _set_cost(world, slug: str, cost_ms: float) -> None:
    from grader.db.models import Exercise

    with world.svc.db.write() as session:
        exercise_id = session.scalar(select(Exercise.id).where(Exercise.slug == slug))
        session.execute(
            update(ExerciseVersion)
            .where(ExerciseVersion.exercise_id == exercise_id)
            .values(cost_ms=cost_ms)
        )


def _rows(world, ids: list[int]) -> list[Submission]:
    with world.svc.db.read() as session:
        rows = session.scalars(select(Submission).where(Submission.id.in_(ids))).all()
        return sorted(rows, key=lambda r: r.id)


def _statuses(world, ids: list[int]) -> list[str]:
    return [row.status for row in _rows(world, ids)]


def _no_attempt_limit(world) -> None:
    from grader.db.models import Assignment

    with world.svc.db.write() as session:
        session.execute(update(Assignment).values(max_attempts=None))


def _slow_exercise(monkeypatch, slug: str, seconds: float) -> None:
    """Grading `slug` takes `seconds` per claim, as an expensive exercise does."""
    real = grading.evaluate

    def evaluate(exercise, pairs, device="cpu"):
        if exercise.id == slug:
            time.sleep(seconds)
        return real(exercise, pairs, device)

    monkeypatch.setattr(grading, "evaluate", evaluate)


def test_upload_measures_an_exercises_cost_and_grades_refine_it(world):
    with world.svc.db.read() as session:
        measured = session.scalar(select(ExerciseVersion.cost_ms))
    assert measured is not None and measured > 0
    _set_cost(world, "chain-rule-intro", 10_000.0)  # a wrong estimate
    submissions.submit(world.svc, world.student.actor, world.assignment_id, RIGHT)
    world.grade_all()
    with world.svc.db.read() as session:
        refined = session.scalar(select(ExerciseVersion.cost_ms))
    assert refined < 10_000.0 * (1 - scheduling.OBSERVED_WEIGHT) + 1000


def test_the_next_claim_serves_the_course_holding_the_fewest_claims(world):
    _no_attempt_limit(world)
    busy = [
        submissions.submit(world.svc, world.student.actor, world.assignment_id, _nth(n))[0]["id"]
        for n in range(6)
    ]
    world.svc.config = replace(world.svc.config, claim_budget_ms=2 * 5.0)
    _set_cost(world, "chain-rule-intro", 5.0)  # two submissions per claim
    first = grading.claim(world.svc, 64)
    assert [c.id for c in first] == busy[:2]  # one course, oldest first, within the budget
    other = Course(world, "Physics", "chain-rule-intro")
    innocent = other.submit(world)[0]  # arrives after six others, behind a backlog
    second = grading.claim(world.svc, 64)
    assert [c.id for c in second] == [innocent]  # Calculus holds a claim, Physics none
    third = grading.claim(world.svc, 64)
    assert [c.id for c in third] == busy[2:4]


def test_a_heavy_exercise_is_claimed_only_in_the_heavy_lane(world):
    heavy = Course(world, "Heavy", "heavy-chain", HEAVY_YAML)
    _set_cost(world, "heavy-chain", 5_000.0)
    heavy_ids = heavy.submit(world, 2)
    cheap_id = submissions.submit(world.svc, world.student.actor, world.assignment_id, RIGHT)[0][
        "id"
    ]
    assert [c.id for c in grading.claim(world.svc, 64, scheduling.CHEAP)] == [cheap_id]
    assert grading.claim(world.svc, 64, scheduling.CHEAP) == []
    taken = grading.claim(world.svc, 64, scheduling.HEAVY)
    assert [c.id for c in taken] == heavy_ids[:1]  # 5 s estimated: one per claim


def test_a_heavy_courses_backlog_never_delays_or_fails_another_courses_work(world, monkeypatch):
    """The issue's scenario: an instructor's expensive exercise and a pile of previews; a
    student of another course submits meanwhile and is graded at once, never failed."""
    world.svc.config = replace(world.svc.config, isolate_grading=False, poll_interval_s=0.05)
    heavy = Course(world, "Heavy", "heavy-chain", HEAVY_YAML)
    _no_attempt_limit(world)
    _set_cost(world, "heavy-chain", 5_000.0)
    _set_cost(world, "chain-rule-intro", 2.0)
    _slow_exercise(monkeypatch, "heavy-chain", 0.3)
    backlog = heavy.submit(world, 15)
    pool = EmbeddedPool(world.svc, size=1, batch_size=64)
    world.svc.dispatcher = pool
    pool.start()
    try:
        time.sleep(0.2)  # the heavy lane is busy
        innocent = submissions.submit(world.svc, world.student.actor, world.assignment_id, RIGHT)
        submissions.wait_for(world.svc, innocent[0]["id"], timeout_s=30)
        [row] = _rows(world, [innocent[0]["id"]])
        waiting = _statuses(world, backlog)
        for sid in backlog:
            submissions.wait_for(world.svc, sid, timeout_s=60)
    finally:
        pool.stop()
    assert row.status == "graded" and row.tries == 1
    assert waiting.count("graded") < 10, "the innocent submission waited for the backlog"
    assert set(_statuses(world, backlog)) == {"graded"}  # slow is not failed
    assert {r.tries for r in _rows(world, backlog)} == {1}


def test_a_slow_but_live_grade_keeps_its_lease_and_is_not_requeued(world, monkeypatch):
    world.svc.config = replace(world.svc.config, lease_s=0.4, isolate_grading=False)
    _slow_exercise(monkeypatch, "chain-rule-intro", 1.5)  # over three leases long
    sid = submissions.submit(world.svc, world.student.actor, world.assignment_id, RIGHT)[0]["id"]
    leases = scheduling.Leases(world.svc.db, world.svc.config.lease_s)
    grader = threading.Thread(
        target=grading.process_batch, args=(world.svc, 64), kwargs={"leases": leases}
    )
    grader.start()
    requeued = []
    while grader.is_alive():  # a sweep running all the while
        requeued.append(grading.requeue_stuck(world.svc, older_than_s=0))
        time.sleep(0.05)
    grader.join()
    assert set(requeued) == {(0, 0)}
    assert leases.renewals >= 2
    [row] = _rows(world, [sid])
    assert row.status == "graded" and row.tries == 1


def test_results_are_written_as_each_is_known_not_after_the_whole_claim(world, monkeypatch):
    _no_attempt_limit(world)
    exercises.upload(world.svc, world.teacher.actor, HEAVY_YAML)  # a second exercise
    spec = {"exercise_id": "heavy-chain"}
    second = assignments.create_assignment(world.svc, world.teacher.actor, world.course_id, spec)
    first_id = submissions.submit(world.svc, world.student.actor, world.assignment_id, RIGHT)[0][
        "id"
    ]
    second_id = submissions.submit(world.svc, world.student.actor, second["id"], RIGHT)[0]["id"]
    release = threading.Event()
    real = grading.evaluate

    def evaluate(exercise, pairs, device="cpu"):
        if exercise.id == "heavy-chain":
            release.wait(30)
        return real(exercise, pairs, device)

    monkeypatch.setattr(grading, "evaluate", evaluate)
    grader = threading.Thread(target=grading.process_batch, args=(world.svc, 64))
    grader.start()
    try:
        deadline = time.monotonic() + 30
        while _statuses(world, [first_id]) != ["graded"] and time.monotonic() < deadline:
            time.sleep(0.02)
        seen = _statuses(world, [first_id, second_id])
    finally:
        release.set()
        grader.join()
    assert seen == ["graded", "grading"]  # one claim, the first result already stored
    assert _statuses(world, [first_id, second_id]) == ["graded", "graded"]


CLAIM_AND_HANG = """
import sys, time
from grader.config import Config
from grader.services.grading import runner as grading
from grader.services.grading import scheduling
from grader.services.context import Services

svc = Services(Config(database_url=sys.argv[1], instance_path=sys.argv[2],
                      secret_key="test-secret", pool_size=0, lease_s=1.0).resolved())
grading.evaluate = lambda *args, **kwargs: time.sleep(3600)
leases = scheduling.Leases(svc.db, 1.0)
items = grading.claim(svc, 64)
print(len(items), flush=True)
with leases.hold(items[0].token):
    grading.grade_claimed(svc, items)
"""


def test_the_sweep_requeues_a_sigkilled_workers_claims_once(world, tmp_path):
    _no_attempt_limit(world)
    world.svc.config = replace(world.svc.config, lease_s=1.0)
    ids = [
        submissions.submit(world.svc, world.student.actor, world.assignment_id, _nth(n))[0]["id"]
        for n in range(3)
    ]
    url, folder = world.svc.config.database_url, str(tmp_path / "worker")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen(
        [sys.executable, "-c", CLAIM_AND_HANG, url, folder],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert worker.stdout.readline().strip() == "3"
        time.sleep(1.5)  # longer than a lease: renewed by the live worker
        assert grading.requeue_stuck(world.svc, older_than_s=0) == (0, 0)
        assert set(_statuses(world, ids)) == {"grading"}
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    deadline = time.monotonic() + 30
    swept = (0, 0)
    while swept == (0, 0) and time.monotonic() < deadline:
        time.sleep(0.2)
        swept = grading.requeue_stuck(world.svc, older_than_s=0)
    assert swept == (3, 0)
    assert grading.requeue_stuck(world.svc, older_than_s=0) == (0, 0)  # once
    rows = _rows(world, ids)
    # abandoned together: which one killed the worker is unknown, so nobody loses a try,
    # and each is claimed alone from now on
    assert [(r.status, r.tries, r.solo) for r in rows] == [("queued", 0, True)] * 3
    assert [len(grading.claim(world.svc, 64)) for _ in range(3)] == [1, 1, 1]


def test_a_submission_abandoned_alone_keeps_its_try_and_fails_once_out_of_tries(world):
    sid = submissions.submit(world.svc, world.student.actor, world.assignment_id, RIGHT)[0]["id"]
    gone = utcnow() - timedelta(seconds=1)
    for n in range(1, world.svc.config.max_grade_tries + 1):
        assert [c.id for c in grading.claim(world.svc, 64)] == [sid]
        with world.svc.db.write() as session:
            session.execute(update(Submission).values(lease_until=gone))
        requeued, failed = grading.requeue_stuck(world.svc, older_than_s=0)
        [row] = _rows(world, [sid])
        assert row.tries == n
    assert (requeued, failed) == (0, 1)
    assert row.status == "failed" and "3 tries" in row.error
