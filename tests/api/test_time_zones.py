"""Each course has a time zone: set when it is created (UTC by default) or changed; a time sent
without an offset is read in it; every form shows and reads times in it and keeps a date sent
back unchanged exactly as it was."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from grader.services import timezones
from grader.services.errors import Invalid


def test_a_course_is_created_in_a_zone_and_a_bad_one_is_refused(world, client):
    made = client.post(
        "/api/v1/courses",
        json={"title": "Chicago", "time_zone": "America/Chicago"},
        headers=world.teacher.headers,
    )
    assert made.status_code == 201 and made.json["time_zone"] == "America/Chicago"
    bad = client.post(
        "/api/v1/courses",
        json={"title": "Mars", "time_zone": "Mars/Olympus"},
        headers=world.teacher.headers,
    )
    assert bad.status_code == 422 and "unknown time zone" in bad.json["error"]["message"]
    plain = client.post("/api/v1/courses", json={"title": "Plain"}, headers=world.teacher.headers)
    assert plain.json["time_zone"] == "UTC"


def test_the_api_takes_times_with_an_offset_and_names_the_courses_zone(world, client):
    url = f"/api/v1/courses/{world.course_id}"
    changed = client.patch(url, json={"time_zone": "Asia/Shanghai"}, headers=world.teacher.headers)
    assert changed.status_code == 200 and changed.json["time_zone"] == "Asia/Shanghai"
    naive = client.post(
        f"{url}/assignments",
        json={"exercise_id": "chain-rule-intro", "due_at": "2030-03-01T17:00:00"},
        headers=world.teacher.headers,
    )
    assert naive.status_code == 201  # read in the course's zone
    made = client.post(
        f"{url}/assignments",
        json={"exercise_id": "chain-rule-intro", "due_at": "2030-03-01T17:00:00+08:00"},
        headers=world.teacher.headers,
    )
    assert made.status_code == 201
    for created in (naive, made):
        view = client.get(
            f"/api/v1/assignments/{created.json['id']}", headers=world.student.headers
        )
        assert view.json["due_at"] == "2030-03-01T09:00:00+00:00"
        assert view.json["time_zone"] == "Asia/Shanghai"


def test_api_times_without_an_offset_are_in_the_courses_zone_and_round_trip(world, client):
    """Every time the API takes: without an offset it is read in the course's zone; the value
    the API gives back, sent back unchanged, moves nothing."""
    teacher = world.teacher.headers
    course = f"/api/v1/courses/{world.course_id}"
    client.patch(course, json={"time_zone": "America/Chicago"}, headers=teacher)
    url = f"/api/v1/assignments/{world.assignment_id}"
    times = {"opens_at": "2030-02-01T08:00", "due_at": "2030-03-01T17:00:00"}
    changed = client.patch(url, json=times, headers=teacher)
    assert changed.status_code == 200
    assert changed.json["opens_at"] == "2030-02-01T14:00:00+00:00"
    assert changed.json["due_at"] == "2030-03-01T23:00:00+00:00"
    shown = client.get(url, headers=teacher).json
    again = client.patch(
        url, json={k: shown[k] for k in ("opens_at", "due_at")}, headers=teacher
    ).json
    assert (again["opens_at"], again["due_at"]) == (shown["opens_at"], shown["due_at"])
    one = client.post(
        f"{url}/extensions",
        json={"username": "stu", "due_at": "2030-03-02T17:00:00"},
        headers=teacher,
    )
    assert one.status_code == 201 and one.json["due_at"] == "2030-03-02T23:00:00+00:00"
    everyone = client.post(
        f"{url}/extensions", json={"all": True, "due_at": "2030-03-05T09:30"}, headers=teacher
    )
    assert everyone.status_code == 201
    assert everyone.json["due_at"] == "2030-03-05T15:30:00+00:00"
    skipped = client.patch(url, json={"due_at": "2030-03-10T02:30:00"}, headers=teacher)
    assert skipped.status_code == 422
    assert "does not exist in America/Chicago" in skipped.json["error"]["message"]
    exam = client.post(
        f"{course}/assignments",
        json={
            "exercise_id": "chain-rule-intro",
            "kind": "exam",
            "opens_at": "2030-04-01T09:00",
            "closes_at": "2030-04-01T11:00",
            "time_limit_minutes": 60,
        },
        headers=teacher,
    )
    assert exam.status_code == 201
    assert exam.json["closes_at"] == "2030-04-01T16:00:00+00:00"


def test_services_read_a_time_without_an_offset_in_the_courses_zone(world):
    from grader.services.assignments import assignment as assignments
    from grader.services.courses import course as courses

    courses.update_course(
        world.svc,
        world.teacher.actor,
        world.course_id,
        title=None,
        archived=None,
        time_zone="Asia/Shanghai",
    )
    spec = {"exercise_id": "chain-rule-intro", "due_at": datetime(2030, 3, 1, 17, 0)}
    made = assignments.create_assignment(world.svc, world.teacher.actor, world.course_id, spec)
    view = assignments.view(world.svc, world.teacher.actor, made["id"])
    assert view["due_at"] == "2030-03-01T09:00:00+00:00"


ZONE = "America/Chicago"


def test_a_form_value_sent_back_unchanged_keeps_the_stored_time_exactly():
    exact = datetime(2030, 3, 1, 23, 59, 30, tzinfo=UTC)  # seconds a form cannot show
    shown = timezones.to_input(exact, ZONE)
    assert shown == "2030-03-01T17:59"
    assert timezones.from_input(shown, ZONE, "due_at", exact) == exact
    assert timezones.from_input("2030-03-01T18:00", ZONE, "due_at", exact) == datetime(
        2030, 3, 2, 0, 0, tzinfo=UTC
    )


def test_the_second_of_two_equal_wall_clock_times_survives_a_form():
    # 01:30 happens twice in Chicago on 2030-11-03; the second is 07:30 UTC
    second = datetime(2030, 11, 3, 7, 30, tzinfo=UTC)
    shown = timezones.to_input(second, ZONE)
    assert shown == "2030-11-03T01:30"
    assert timezones.from_input(shown, ZONE, "due_at", second) == second


def test_a_time_the_clocks_skip_is_refused():
    with pytest.raises(Invalid, match="does not exist in America/Chicago"):
        timezones.from_input("2030-03-10T02:30", ZONE, "due_at")


def test_times_are_shown_with_the_zone_named():
    moment = datetime(2030, 3, 1, 23, 0, tzinfo=UTC)
    assert timezones.shown(moment, ZONE) == "2030-03-01 17:00 America/Chicago"
    assert timezones.shown(moment, None) == "2030-03-01 23:00 UTC"
