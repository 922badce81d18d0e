"""Launches decide course roles from context roles only, and never a site-wide right: the
escalations of issue 21 (an institution role, a sandbox course) stay closed."""

from __future__ import annotations

from sqlalchemy import select

from grader.db.integrations import LtiContext
from grader.db.models import Membership, User
from tests.lti.fake_platform import CLAIM, INSTRUCTOR, LEARNER

INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
ROLES = CLAIM + "roles"


def lms_course(world, context_id: str = "course-1") -> int:
    with world.svc.db.read() as session:
        return session.scalar(
            select(LtiContext.course_id).where(LtiContext.context_id == context_id)
        )


def the_user(world) -> User:
    with world.svc.db.read() as session:
        return session.scalar(select(User).where(User.username.like("Ada-%")))


def test_a_learner_with_an_institution_instructor_role_is_a_student_of_the_course(
    lms, world, client
):
    for extra in ("Instructor", "Staff", "Faculty", "Administrator"):
        response = lms.launch(**{ROLES: [LEARNER, INSTITUTION + extra]})
        assert response.status_code == 200
        course = lms_course(world)
        with world.svc.db.read() as session:
            role = session.scalar(select(Membership.role).where(Membership.course_id == course))
        assert role == "student", extra
        assert client.get(f"/teach/courses/{course}/gradebook").status_code == 403


def test_teaching_a_sandbox_course_grants_nothing_in_another_course_or_site_wide(
    lms, world, client
):
    sandbox = {"id": "sandbox-ada", "title": "Ada's sandbox"}
    assert lms.launch(INSTRUCTOR, **{CLAIM + "context": sandbox}).status_code == 200
    assert lms.launch(LEARNER).status_code == 200  # then her real course, as a learner
    assert the_user(world).role == "student"
    assert (
        client.get(f"/teach/courses/{lms_course(world, 'sandbox-ada')}/gradebook").status_code
        == 200
    )
    assert client.get(f"/teach/courses/{lms_course(world)}/gradebook").status_code == 403
    # no site-wide instructor right: no new course, no exercise library
    assert client.post("/teach/courses", data={"title": "Mine"}).status_code in (400, 403)
    assert client.get("/teach/exercises").status_code == 403


def test_a_teacher_demoted_by_the_lms_loses_the_course_role_at_the_next_launch(lms, world, client):
    lms.launch(INSTRUCTOR)
    course = lms_course(world)
    assert client.get(f"/teach/courses/{course}/gradebook").status_code == 200
    lms.launch(LEARNER)
    assert client.get(f"/teach/courses/{course}/gradebook").status_code == 403


def test_a_teaching_assistant_sub_role_teaches_the_course(lms, world, client):
    ta = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
    assert lms.launch(**{ROLES: [ta]}).status_code == 200
    assert client.get(f"/teach/courses/{lms_course(world)}/gradebook").status_code == 200
    assert the_user(world).role == "student"
