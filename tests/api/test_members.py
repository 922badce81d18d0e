"""Course membership over HTTP: the last instructor cannot be removed (409 with the reason)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from grader.services.courses import course as courses


def _remove(client, world, username, person=None):
    person = person or world.teacher
    url = f"/api/v1/courses/{world.course_id}/members/{username}"
    return client.delete(url, headers=person.headers)


def test_the_only_instructor_cannot_remove_themselves(world, client):
    refused = _remove(client, world, "tess")
    assert refused.status_code == 409
    error = refused.json["error"]
    assert error["code"] == "last_instructor" and "only instructor" in error["message"]
    members = client.get(
        f"/api/v1/courses/{world.course_id}/members", headers=world.teacher.headers
    ).json
    assert {m["username"]: m["role"] for m in members["items"]}["tess"] == "instructor"


def test_with_a_co_instructor_either_may_go_but_not_both(world, client):
    courses.add_member(world.svc, world.teacher.actor, world.course_id, "otto", "instructor")
    assert _remove(client, world, "otto").status_code == 204
    assert _remove(client, world, "tess").status_code == 409
    courses.add_member(world.svc, world.teacher.actor, world.course_id, "otto", "instructor")
    assert _remove(client, world, "tess").status_code == 204  # otto still teaches it
    assert _remove(client, world, "otto", person=world.other_teacher).status_code == 409


def test_two_instructors_removing_each_other_at_once_leave_one(world, client):
    courses.add_member(world.svc, world.teacher.actor, world.course_id, "otto", "instructor")

    def remove(pair):
        who, whom = pair
        try:
            courses.remove_member(world.svc, who.actor, world.course_id, whom)
            return "removed"
        except Exception as exc:  # the loser: 409 last instructor, or 403 no longer staff
            return type(exc).__name__

    pairs = [(world.teacher, "otto"), (world.other_teacher, "tess")]
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(remove, pairs))
    assert outcomes.count("removed") == 1, outcomes
    with world.svc.db.read() as session:
        assert courses.instructor_count(session, world.course_id) == 1


def test_students_can_still_be_removed(world, client):
    assert _remove(client, world, "stu").status_code == 204
