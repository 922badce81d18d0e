"""Courses and their members, through the service functions (no HTTP): who may see and change
a course, who may be enrolled, and the last instructor who cannot leave."""

from __future__ import annotations

import pytest

from grader.services.courses import course as courses
from grader.services.courses.results import CourseOut, MemberOut
from grader.services.errors import Conflict, Forbidden, Invalid, NotFound


def test_the_creator_teaches_the_new_course_in_its_time_zone(world):
    created = courses.create_course(
        world.svc, world.other_teacher.actor, "Analysis", "America/Chicago"
    )
    assert isinstance(created, CourseOut)
    assert (created.title, created.time_zone, created.your_role) == (
        "Analysis",
        "America/Chicago",
        "instructor",
    )
    members = courses.list_members(world.svc, world.other_teacher.actor, created.id, 50, 0)
    assert [(m.username, m.role, m.last_instructor) for m in members.items] == [
        ("otto", "instructor", True)
    ]


def test_students_cannot_create_courses_and_an_unknown_zone_is_refused(world):
    with pytest.raises(Forbidden):
        courses.create_course(world.svc, world.student.actor, "Mine")
    with pytest.raises(Invalid):
        courses.create_course(world.svc, world.teacher.actor, "Zoned", "Mars/Olympus")


def test_each_user_lists_only_their_own_courses_with_their_role(world):
    courses.create_course(world.svc, world.other_teacher.actor, "Elsewhere")
    mine = courses.list_courses(world.svc, world.student.actor, 50, 0)
    assert [(c.title, c.your_role) for c in mine.items] == [("Calculus", "student")]
    assert mine.total == 1
    assert courses.list_courses(world.svc, world.outsider.actor, 50, 0).total == 0
    everything = courses.list_courses(world.svc, world.admin.actor, 1, 0)
    assert (len(everything.items), everything.total) == (1, 2)  # a page of one, of two


def test_only_members_read_a_course_and_only_its_instructors_change_it(world):
    assert courses.get_course(world.svc, world.student.actor, world.course_id).title == "Calculus"
    with pytest.raises(Forbidden):
        courses.get_course(world.svc, world.outsider.actor, world.course_id)
    with pytest.raises(Forbidden):
        courses.update_course(
            world.svc, world.student.actor, world.course_id, title="Mine", archived=None
        )
    renamed = courses.update_course(
        world.svc, world.teacher.actor, world.course_id, title="  Calculus II ", archived=True
    )
    assert (renamed.title, renamed.archived) == ("Calculus II", True)
    with pytest.raises(Invalid):
        courses.update_course(
            world.svc, world.teacher.actor, world.course_id, title="   ", archived=None
        )


def test_enrolment_rules(world):
    svc, teacher = world.svc, world.teacher.actor
    added = courses.add_member(svc, teacher, world.course_id, "olga", "student")
    assert (added.username, added.role) == ("olga", "student")
    with pytest.raises(Conflict):  # already a member
        courses.add_member(svc, teacher, world.course_id, "olga", "student")
    with pytest.raises(Invalid):  # a student account cannot teach
        courses.add_member(svc, teacher, world.course_id, "stu", "instructor")
    with pytest.raises(NotFound):
        courses.add_member(svc, teacher, world.course_id, "nobody", "student")
    with pytest.raises(Invalid):
        courses.add_member(svc, teacher, world.course_id, "otto", "owner")
    with pytest.raises(Forbidden):  # a student does not enrol others
        courses.add_member(svc, world.student.actor, world.course_id, "otto", "instructor")
    courses.update_course(svc, teacher, world.course_id, title=None, archived=True)
    with pytest.raises(Forbidden):  # an archived course takes nobody new
        courses.add_member(svc, teacher, world.course_id, "otto", "instructor")


def test_the_last_instructor_stays_and_a_second_one_may_go(world):
    svc, teacher = world.svc, world.teacher.actor
    with pytest.raises(Conflict) as refused:
        courses.remove_member(svc, teacher, world.course_id, "tess")
    assert refused.value.code == "last_instructor"
    courses.add_member(svc, teacher, world.course_id, "otto", "instructor")
    found = courses.find_member(svc, teacher, world.course_id, "otto")
    assert isinstance(found, MemberOut) and not found.last_instructor
    courses.remove_member(svc, world.other_teacher.actor, world.course_id, "tess")
    left = courses.list_members(svc, world.other_teacher.actor, world.course_id, 50, 0)
    assert {(m.username, m.last_instructor) for m in left.items} == {
        ("otto", True),
        ("stu", False),
    }


def test_a_course_with_assignments_is_not_deleted(world):
    with pytest.raises(Conflict):
        courses.delete_course(world.svc, world.teacher.actor, world.course_id)
    empty = courses.create_course(world.svc, world.teacher.actor, "Empty")
    courses.delete_course(world.svc, world.teacher.actor, empty.id)
    with pytest.raises(NotFound):
        courses.get_course(world.svc, world.teacher.actor, empty.id)
