"""When students may see the correct answer: never, after the due date, after their last
attempt, always; instructors always may."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from grader.db.models import Assignment, Extension
from grader.services.assignments import assignment as assignments
from grader.services.errors import Invalid

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
BEFORE, AFTER = NOW + timedelta(hours=1), NOW - timedelta(hours=1)


def _row(show: str, **values) -> Assignment:
    return Assignment(show_answers=show, **values)


def _visible(
    row: Assignment, used: int = 0, role: str = "student", ext: Extension | None = None
) -> bool:
    mine = assignments.effective_terms(row.due_at, row.max_attempts, ext, used)
    return assignments.answers_visible(row, role, mine, NOW)


def test_always_and_never_do_not_depend_on_dates_or_attempts():
    for values in ({}, {"due_at": AFTER}, {"max_attempts": 1}):
        assert _visible(_row("always", **values), used=1)
        assert not _visible(_row("never", **values), used=1)


def test_after_due_shows_the_answer_only_once_the_due_date_has_passed():
    assert not _visible(_row("after_due", due_at=BEFORE))
    assert _visible(_row("after_due", due_at=AFTER))
    assert not _visible(_row("after_due"))  # no due date: it stays hidden


def test_an_extension_keeps_the_answer_hidden_until_the_students_own_due_date():
    assert not _visible(_row("after_due", due_at=AFTER), ext=Extension(due_at=BEFORE))


def test_after_last_attempt_waits_for_the_attempts_to_run_out():
    row = _row("after_last_attempt", max_attempts=3)
    assert not _visible(row, used=2)
    assert _visible(row, used=3)
    assert not _visible(row, used=3, ext=Extension(extra_attempts=1))  # one extra attempt


def test_after_last_attempt_also_shows_it_when_the_assignment_closes():
    assert _visible(_row("after_last_attempt", due_at=AFTER))  # no late work: closed
    assert not _visible(_row("after_last_attempt", due_at=AFTER, late_penalty=0.2))
    assert not _visible(_row("after_last_attempt"), used=50)  # no limit, no due date


@pytest.mark.parametrize("role", ["instructor", "admin"])
def test_staff_always_see_the_answer(role):
    assert _visible(_row("never"), role=role)


def test_an_unknown_setting_is_refused():
    with pytest.raises(Invalid, match="show_answers must be one of"):
        assignments.check_show_answers("sometimes")


def test_the_setting_is_kept_and_changed_through_the_service(world):
    svc, teacher = world.svc, world.teacher.actor
    spec = {"exercise_id": "chain-rule-intro", "show_answers": "never"}
    created = assignments.create_assignment(svc, teacher, world.course_id, spec)
    assert assignments.view(svc, teacher, created["id"])["show_answers"] == "never"
    changed = assignments.update_assignment(
        svc, teacher, created["id"], {"show_answers": "after_due", "max_attempts": 2}
    )
    assert changed["show_answers"] == "after_due" and changed["max_attempts"] == 2
    seen = assignments.view(svc, world.student.actor, world.assignment_id)
    assert seen["show_answers"] == "always" and seen["answers_visible"] is True


def test_changing_dates_keeps_the_due_date_after_the_opening(world):
    with pytest.raises(Invalid, match="due_at must be after opens_at"):
        assignments.update_assignment(
            world.svc, world.teacher.actor, world.assignment_id, {"opens_at": NOW, "due_at": AFTER}
        )
    view = assignments.view(world.svc, world.teacher.actor, world.assignment_id)
    assert view["opens_at"] is None and view["due_at"] is None


def test_an_extension_does_not_hide_an_answer_the_student_was_shown(world):
    """Out of attempts under "after_last_attempt": the answer was shown; two more attempts
    keep it shown (they saw it), and the student's terms say 2 attempts left."""
    from grader.services.gradebook import scores as gradebook
    from grader.services.grading import submissions

    svc, teacher, stu = world.svc, world.teacher.actor, world.student.actor
    assignments.update_assignment(
        svc, teacher, world.assignment_id, {"show_answers": "after_last_attempt", "max_attempts": 1}
    )
    assert assignments.view(svc, stu, world.assignment_id)["answers_visible"] is False
    submissions.submit(svc, stu, world.assignment_id, {"dz": "4x"})
    world.grade_all()
    assert assignments.view(svc, stu, world.assignment_id)["answers_visible"] is True
    gradebook.set_extension(svc, teacher, world.assignment_id, "stu", None, 2)
    seen = assignments.view(svc, stu, world.assignment_id)
    assert seen["answers_visible"] is True and seen["attempts_left"] == 2


def test_an_extension_given_before_the_answer_was_shown_keeps_it_hidden(world):
    from grader.services.gradebook import scores as gradebook

    svc, teacher, stu = world.svc, world.teacher.actor, world.student.actor
    assignments.update_assignment(
        svc, teacher, world.assignment_id, {"show_answers": "after_last_attempt", "max_attempts": 1}
    )
    gradebook.set_extension(svc, teacher, world.assignment_id, "stu", None, 2)
    seen = assignments.view(svc, stu, world.assignment_id)
    assert seen["answers_visible"] is False and seen["attempts_left"] == 3


def test_student_terms_move_the_due_date_only_later_and_add_attempts():
    due = NOW
    assert assignments.effective_terms(due, 3, None, 1).attempts_left == 2
    earlier = assignments.effective_terms(due, 3, Extension(due_at=AFTER, extra_attempts=0))
    assert earlier.due_at == due and not earlier.extended  # it moves nothing for the student
    later = assignments.effective_terms(due, None, Extension(due_at=BEFORE, extra_attempts=4))
    assert later.due_at == BEFORE and later.max_attempts is None
    assert (
        assignments.effective_terms(
            None, 2, Extension(due_at=BEFORE, extra_attempts=1), 3
        ).attempts_left
        == 0
    )


def test_moving_the_assignments_own_due_date_keeps_what_students_were_shown(world):
    """ "after_due", past due: the student sees the answer. The instructor moves the whole
    assignment's due date a week later: the student who saw it keeps it (no extension is named
    for them); a student enrolled afterwards waits for the new date."""
    from grader.services.courses import course as courses
    from grader.services.gradebook import scores as gradebook

    svc, teacher, stu = world.svc, world.teacher.actor, world.student.actor
    now = datetime.now(UTC)
    assignments.update_assignment(
        svc,
        teacher,
        world.assignment_id,
        {"show_answers": "after_due", "due_at": now - timedelta(hours=1), "late_penalty": 0.5},
    )
    assert assignments.view(svc, stu, world.assignment_id)["answers_visible"] is True
    assignments.update_assignment(
        svc, teacher, world.assignment_id, {"due_at": now + timedelta(days=7)}
    )
    seen = assignments.view(svc, stu, world.assignment_id)
    assert seen["answers_visible"] is True and seen["extended"] is False
    courses.add_member(svc, teacher, world.course_id, "olga", "student")
    late = assignments.view(svc, world.outsider.actor, world.assignment_id)
    assert late["answers_visible"] is False  # never shown to olga: the new date applies
    book = gradebook.gradebook(svc, teacher, world.course_id)
    cells = {s["username"]: s["scores"][str(world.assignment_id)] for s in book["students"]}
    assert cells["stu"]["extension"] is None


def test_raising_the_attempt_limit_keeps_the_answer_shown_after_the_last_attempt(world):
    from grader.services.grading import submissions

    svc, teacher, stu = world.svc, world.teacher.actor, world.student.actor
    assignments.update_assignment(
        svc, teacher, world.assignment_id, {"show_answers": "after_last_attempt", "max_attempts": 1}
    )
    submissions.submit(svc, stu, world.assignment_id, {"dz": "4x"})
    world.grade_all()
    assert assignments.view(svc, stu, world.assignment_id)["answers_visible"] is True
    assignments.update_assignment(svc, teacher, world.assignment_id, {"max_attempts": 3})
    seen = assignments.view(svc, stu, world.assignment_id)
    assert seen["answers_visible"] is True and seen["attempts_left"] == 2


def test_choosing_to_hide_answers_is_applied_as_set(world):
    svc, teacher, stu = world.svc, world.teacher.actor, world.student.actor
    past = datetime.now(UTC) - timedelta(hours=1)
    assignments.update_assignment(
        svc,
        teacher,
        world.assignment_id,
        {"show_answers": "after_due", "due_at": past, "late_penalty": 0.5},
    )
    assert assignments.view(svc, stu, world.assignment_id)["answers_visible"] is True
    assignments.update_assignment(svc, teacher, world.assignment_id, {"show_answers": "never"})
    assert assignments.view(svc, stu, world.assignment_id)["answers_visible"] is False
