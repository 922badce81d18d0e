"""Roster import: a dry run with one error per bad row, then all rows or none (SQLite and
PostgreSQL, through `world`'s database fixture)."""

from __future__ import annotations

import csv
import io

import pytest
from argon2 import PasswordHasher

from grader.services.accounts import users
from grader.services.courses import course as courses
from grader.services.courses import roster


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


def _import(client, world, text: str, dry_run: bool = True, person=None):
    person = person or world.teacher
    url = f"/api/v1/courses/{world.course_id}/members/import"
    return client.post(
        url,
        data=text.encode("utf-8"),
        query_string={"dry_run": str(dry_run).lower()},
        headers={**person.headers, "Content-Type": "text/csv"},
    )


def _members(world) -> dict[str, str]:
    listing = courses.list_members(world.svc, world.teacher.actor, world.course_id, 200, 0)
    return {m["username"]: m["role"] for m in listing["items"]}


GOOD = (
    "username,role,display_name,password\n"
    "ada,student,Ada Lovelace,\n"
    "bea,student,,a-long-password\n"
    "olga,student,,\n"
    "otto,instructor,,\n"
)


def test_a_dry_run_reports_each_row_and_changes_nothing(world, client):
    before = _members(world)
    response = _import(client, world, GOOD)
    assert response.status_code == 200
    rows = response.json["rows"]
    assert [(r["line"], r["username"], r["ok"], r["action"]) for r in rows] == [
        (2, "ada", True, "create"),
        (3, "bea", True, "create"),
        (4, "olga", True, "enrol"),
        (5, "otto", True, "enrol"),
    ]
    assert response.json["valid"] is True and response.json["imported"] == 0
    assert _members(world) == before
    assert all("password" not in r for r in rows)


def test_the_import_creates_missing_students_and_enrols_everyone(world, client):
    response = _import(client, world, GOOD, dry_run=False)
    assert response.status_code == 200 and response.json["imported"] == 4
    members = _members(world)
    assert members["ada"] == "student" and members["otto"] == "instructor"
    generated = {r["username"]: r.get("password") for r in response.json["rows"]}
    assert generated["ada"] and generated["bea"] is None and generated["olga"] is None
    assert generated["ada"].isalnum() and len(generated["ada"]) == 16  # safe in a spreadsheet
    actor, _ = users.sign_in(world.svc, "ada", generated["ada"])
    assert actor.role == "student"
    assert users.sign_in(world.svc, "bea", "a-long-password")[0].username == "bea"
    credentials = list(csv.reader(io.StringIO(roster.credentials_csv(response.json))))
    assert credentials == [["username", "password"], ["ada", generated["ada"]]]
    again = _import(client, world, GOOD, dry_run=False).json
    assert again["imported"] == 0 and {r["action"] for r in again["rows"]} == {"unchanged"}


BAD_ROWS = {
    "ada,teacher,,": "unknown role",
    "b@d name,student,,": "only letters, digits",
    f"{'x' * 65},student,,": "longer than 64",
    "ok-one,student,,": None,
    "OK-ONE,student,,": "duplicate",
    "stu2,student,,short": "8 to",
    "ghost,instructor,,": "no instructor account",
    "tess,student,,": "instructor account",
    "stu,instructor,,": "student account",
    "too,many,fields,here,x": "5 fields",
    f"long,student,{'n' * 201},": "display name",
}


def test_every_bad_row_gets_its_own_error_and_nothing_is_imported(world, client):
    text = "username,role,display_name,password\n" + "\n".join(BAD_ROWS) + "\n"
    before = _members(world)
    for dry_run in (True, False):
        response = _import(client, world, text, dry_run=dry_run)
        assert response.status_code == (200 if dry_run else 422)
        rows = response.json["rows"]
        assert len(rows) == len(BAD_ROWS)
        for row, expected in zip(rows, BAD_ROWS.values(), strict=True):
            if expected is None:
                assert row["ok"] and row["error"] is None
            else:
                assert not row["ok"] and expected in row["error"], (row, expected)
    assert response.json["error"]["code"] == "invalid_roster"
    assert _members(world) == before
    users = client.get("/api/v1/users", headers=world.admin.headers).json["items"]
    assert "ok-one" not in {u["username"] for u in users}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("name,role\nada,student\n", "header"),
        ("username,role\n", "no rows"),
        ("username\nada\n", "header"),
        ('username,role\n"ada,student\n', "unreadable"),
    ],
)
def test_a_roster_that_is_no_roster_is_refused_plainly(world, client, text, message):
    response = _import(client, world, text)
    if response.status_code == 200:  # a broken quote is reported as a row
        assert message in response.json["rows"][-1]["error"]
    else:
        assert response.status_code in (400, 422)
        assert message in response.json["error"]["message"]


def test_excel_byte_order_mark_and_crlf_are_read(world, client):
    text = "\ufeffUsername,Role\r\nada,Student\r\n"
    rows = _import(client, world, text).json["rows"]
    assert rows == [
        {
            "line": 2,
            "username": "ada",
            "role": "student",
            "ok": True,
            "error": None,
            "action": "create",
        }
    ]


def test_a_roster_too_long_is_refused(world):
    text = "username,role\n" + "".join(f"s{i},student\n" for i in range(roster.MAX_ROWS + 1))
    with pytest.raises(Exception, match="at most"):
        roster.import_roster(world.svc, world.teacher.actor, world.course_id, text)


def test_another_instructor_cannot_import_into_the_course(world, client):
    response = _import(client, world, GOOD, dry_run=False, person=world.other_teacher)
    assert response.status_code == 403
    assert "ada" not in _members(world)
