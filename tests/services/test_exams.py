"""Timed exams through the service functions (no HTTP): starting once, the end the server
holds (time limit × time factor + extra minutes), handing in, and the roster's states."""

from __future__ import annotations

from datetime import datetime

import pytest

from grader.services.assignments import assignment as assignments
from grader.services.assignments import exams
from grader.services.errors import Conflict, Forbidden, Invalid
from grader.services.gradebook import scores as gradebook


def _exam(world, minutes: int = 30) -> int:
    spec = {"exercise_id": "chain-rule-intro", "kind": "exam", "time_limit_minutes": minutes}
    return assignments.create_assignment(world.svc, world.teacher.actor, world.course_id, spec)[
        "id"
    ]


def _minutes(started) -> float:
    begun = datetime.fromisoformat(started.started_at)
    return (datetime.fromisoformat(started.ends_at) - begun).total_seconds() / 60


def test_a_student_starts_once_and_the_end_is_the_time_limit(world):
    exam = _exam(world)
    first = exams.start(world.svc, world.student.actor, exam)
    again = exams.start(world.svc, world.student.actor, exam)
    assert again == first  # the same start and end, however often it is asked
    assert _minutes(first) == pytest.approx(30)


def test_accommodations_lengthen_the_time_and_an_exams_own_comes_first(world):
    exam = _exam(world)
    done = exams.set_course_accommodation(
        world.svc, world.teacher.actor, world.course_id, "stu", 1.5, 10
    )
    assert (done.time_factor, done.extra_minutes) == (1.5, 10)
    gradebook.set_extension(
        world.svc, world.teacher.actor, exam, "stu", None, None, time_factor=2.0, extra_minutes=0
    )
    assert _minutes(exams.start(world.svc, world.student.actor, exam)) == pytest.approx(60)


def test_accommodations_out_of_bounds_are_refused(world):
    for factor, minutes in ((0.5, None), (11.0, None), (None, -1), (None, 7 * 24 * 60 + 1)):
        with pytest.raises(Invalid):
            exams.set_course_accommodation(
                world.svc, world.teacher.actor, world.course_id, "stu", factor, minutes
            )
    with pytest.raises(Forbidden):  # only the course's instructors set them
        exams.set_course_accommodation(
            world.svc, world.student.actor, world.course_id, "stu", 2.0, None
        )


def test_handing_in_needs_a_start_and_shows_on_the_roster(world):
    exam = _exam(world)
    with pytest.raises(Conflict) as refused:
        exams.finish(world.svc, world.student.actor, exam)
    assert refused.value.code == "not_started"
    before = exams.roster(world.svc, world.teacher.actor, exam)
    assert (before.counts.not_started, before.counts.working) == (1, 0)
    exams.start(world.svc, world.student.actor, exam)
    working = exams.roster(world.svc, world.teacher.actor, exam).students[0]
    assert (working.username, working.state) == ("stu", "working")
    assert working.time_left_s is not None and 0 < working.time_left_s <= 30 * 60
    handed = exams.finish(world.svc, world.student.actor, exam)
    assert handed.finished_at is not None
    after = exams.roster(world.svc, world.teacher.actor, exam)
    assert (after.counts.finished, after.students[0].state) == (1, "finished")
    with pytest.raises(Forbidden):  # the roster is the staff's
        exams.roster(world.svc, world.student.actor, exam)


def test_an_instructors_start_is_a_trial_and_homework_has_none(world):
    exam = _exam(world)
    trial = exams.start(world.svc, world.teacher.actor, exam)
    assert trial.preview is True
    assert exams.roster(world.svc, world.teacher.actor, exam).counts.not_started == 1
    with pytest.raises(Conflict) as refused:
        exams.start(world.svc, world.student.actor, world.assignment_id)
    assert refused.value.code == "not_an_exam"
