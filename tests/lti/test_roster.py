"""Names and Role Provisioning: the roster follows `Link: rel="next"` on the same origin only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grader.db.integrations import LtiContext
from grader.db.models import Membership
from grader.services.errors import ServiceError
from grader.services.integrations.lti import nrps as lti_nrps
from tests.lti.fake_platform import INSTRUCTOR, LEARNER


def member(sub: str, role: str = LEARNER, status: str = "Active") -> dict:
    return {"user_id": sub, "roles": [role], "status": status, "name": f"Person {sub}"}


@pytest.fixture
def lms_course(lms, world) -> int:
    """The course a teacher's launch created from the LMS course."""
    lms.launch(INSTRUCTOR, sub="teacher-1")
    with world.svc.db.read() as session:
        return session.scalar(select(LtiContext.course_id))


def roles_in(world, course_id: int) -> list[str]:
    with world.svc.db.read() as session:
        return sorted(
            session.scalars(select(Membership.role).where(Membership.course_id == course_id))
        )


def test_the_roster_is_read_page_by_page(lms, world, lms_course, platform):
    platform.members = [
        [member("s1"), member("s2")],
        [member("s3"), member("t2", INSTRUCTOR)],
        [member("s4")],
    ]
    counts = lti_nrps.sync(world.svc, None, lms_course)
    assert counts["members"] == 5 and counts["added_or_updated"] == 5
    assert roles_in(world, lms_course) == ["instructor"] * 2 + ["student"] * 4


def test_members_the_lms_marks_inactive_leave_the_course(lms, world, lms_course, platform):
    platform.members = [[member("s1"), member("s2")]]
    lti_nrps.sync(world.svc, None, lms_course)
    platform.members = [[member("s1"), member("s2", status="Inactive")]]
    assert lti_nrps.sync(world.svc, None, lms_course)["removed"] == 1
    assert roles_in(world, lms_course) == ["instructor", "student"]


def test_a_next_link_to_another_site_is_refused_and_nothing_changes(
    lms, world, lms_course, platform
):
    platform.members = [[member("s1")], [member("s2")]]
    platform.next_override = "https://evil.example/memberships?page=1"
    with pytest.raises(ServiceError, match="another site"):
        lti_nrps.sync(world.svc, None, lms_course)
    assert roles_in(world, lms_course) == ["instructor"]


def test_an_instructor_syncs_through_the_api_and_students_cannot(
    lms, world, lms_course, platform, client
):
    from grader.db.integrations import LtiUser
    from grader.services.accounts import users
    from grader.services.context import Actor

    platform.members = [[member("s1")]]
    with world.svc.db.read() as session:  # the launched teacher makes an API token
        user_id = session.scalar(select(LtiUser.user_id).where(LtiUser.sub == "teacher-1"))
    token = users.create_token(world.svc, Actor(user_id, "t", "instructor"), "lms").token
    response = client.post(
        f"/api/v1/courses/{lms_course}/lti/roster",
        json={},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200 and response.json["added_or_updated"] == 1
    denied = client.post(
        f"/api/v1/courses/{lms_course}/lti/roster", json={}, headers=world.student.headers
    )
    assert denied.status_code == 403


def test_the_course_page_offers_the_roster_and_reads_it(
    lms, world, lms_course, platform, page_text
):
    platform.members = [[member("s1"), member("s2")]]
    client = lms.client  # signed in as the teacher by the launch
    page = client.get(f"/teach/courses/{lms_course}")
    assert page.status_code == 200 and "read the roster from the lms" in page_text(page)
    with client.session_transaction() as session:
        token = session["csrf"]
    response = client.post(f"/lti/courses/{lms_course}/roster", data={"csrf_token": token})
    assert response.status_code == 303
    assert "roster read from the lms: 2 member(s)" in page_text(
        client.get(response.headers["Location"])
    )
    forged = client.post(f"/lti/courses/{lms_course}/roster", data={"csrf_token": "x"})
    assert forged.status_code == 400


def test_a_course_not_from_an_lms_has_no_lms_section(world, pages, page_text):
    pages.sign_in(world.teacher)
    assert "lms course" not in page_text(pages.get(f"/teach/courses/{world.course_id}"))
