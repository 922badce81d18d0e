"""Roster import: a dry run with one error per bad row, then all rows or none (SQLite and
PostgreSQL, through `world`'s database fixture)."""

from __future__ import annotations

import csv
import io
import threading
import time

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from grader.db.models import Lease, User
from grader.services.accounts import users
from grader.services.courses import course as courses
from grader.services.courses import roster
from grader.services.infra import leases


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
    return {m.username: m.role for m in listing.items}


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


def test_a_roster_too_long_is_refused_naming_the_limit_and_the_line(world, client):
    text = "username,role\n" + "".join(f"s{i},student\n" for i in range(roster.MAX_ROWS + 1))
    response = _import(client, world, text, dry_run=False)
    assert response.status_code == 422
    message = response.json["error"]["message"]
    assert message.startswith(f"line {roster.MAX_ROWS + 2}: a roster has at most 2000 rows")
    assert "s0" not in _members(world)


def test_a_file_over_the_body_limit_is_refused_before_it_is_read(world, client):
    limit = world.svc.config.max_body_bytes
    text = "username,role,display_name\n" + "ada,student,x\n" * (limit // 14 + 1)
    response = _import(client, world, text, dry_run=False)
    assert response.status_code == 413
    assert str(limit) in response.json["error"]["message"]
    assert "ada" not in _members(world)


class CountingHasher(PasswordHasher):
    """The slow hasher, counted; `gate` (when given) holds each hash until it is set."""

    def __init__(self, gate: threading.Event | None = None):
        super().__init__(time_cost=1, memory_cost=1024)
        self.calls = 0
        self.gate = gate
        self.lock = threading.Lock()

    def hash(self, password, *, salt=None):
        with self.lock:
            self.calls += 1
        if self.gate is not None:
            self.gate.wait(timeout=30)
        return super().hash(password, salt=salt)


def test_a_class_of_2000_is_imported_without_a_slow_hash(world, client, monkeypatch):
    """Generated passwords are random (95 bits): their hash is cheap, and the first sign-in
    stores it again with the slow parameters. 2,000 new students cost no slow hash."""
    slow = CountingHasher()
    monkeypatch.setattr(users, "_hasher", slow)
    text = "username,role\n" + "".join(f"s{i:04},student\n" for i in range(roster.MAX_ROWS))
    response = _import(client, world, text, dry_run=False)
    assert response.status_code == 200 and response.json["imported"] == roster.MAX_ROWS
    assert slow.calls == 0
    last = response.json["rows"][-1]
    assert last["username"] == "s1999" and len(last["password"]) == 16
    users.sign_in(world.svc, "s1999", last["password"])
    with world.svc.db.read() as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "s1999"))
    assert not slow.check_needs_rehash(stored)  # stored again with the slow parameters
    assert users.sign_in(world.svc, "s1999", last["password"])[0].username == "s1999"


def test_at_most_30_given_passwords_are_hashed_in_one_import(world, client, monkeypatch):
    slow = CountingHasher()
    monkeypatch.setattr(users, "_hasher", slow)
    over = roster.MAX_GIVEN_PASSWORDS + 1
    text = "username,role,password\n" + "".join(f"p{i},student,pass-{i:04}\n" for i in range(over))
    for dry_run in (True, False):
        response = _import(client, world, text, dry_run=dry_run)
        assert response.status_code == 422
        assert response.json["error"]["message"].startswith(
            f"line {over + 1}: at most {roster.MAX_GIVEN_PASSWORDS} rows of one roster may give "
            "a password"
        )
    assert slow.calls == 0 and "p0" not in _members(world)
    text = "username,role,password\n" + "".join(
        f"p{i},student,pass-{i:04}\n" for i in range(roster.MAX_GIVEN_PASSWORDS)
    )
    assert _import(client, world, text, dry_run=False).json["imported"] == 30
    assert slow.calls == 30


def test_an_instructor_has_an_hourly_budget_of_given_passwords(world, client, monkeypatch):
    slow = CountingHasher()
    monkeypatch.setattr(users, "_hasher", slow)
    monkeypatch.setattr(roster, "GIVEN_PASSWORDS_PER_HOUR", 40)
    first = "username,role,password\n" + "".join(f"h{i},student,pass-{i:04}\n" for i in range(30))
    assert _import(client, world, first, dry_run=False).json["imported"] == 30
    second = "username,role,password\n" + "".join(f"k{i},student,pass-{i:04}\n" for i in range(20))
    refused = _import(client, world, second, dry_run=False)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 3000
    error = refused.json["error"]
    assert error["code"] == "password_budget"
    assert error["message"].startswith("at most 40 passwords given in rosters are hashed per")
    assert slow.calls == 30 and "k0" not in _members(world)
    generated = "username,role\n" + "".join(f"k{i},student\n" for i in range(20))
    assert _import(client, world, generated, dry_run=False).json["imported"] == 20


def test_parallel_imports_of_one_roster_are_refused_before_any_hash(world, app, monkeypatch):
    """Four posts of the same roster at once: one imports (its slow hashes held until the
    others have their answers), three get 409 at once; only one import's passwords are
    hashed."""
    gate = threading.Event()
    slow = CountingHasher(gate)
    monkeypatch.setattr(users, "_hasher", slow)
    text = "username,role,password\n" + "".join(f"q{i},student,pass-{i:04}\n" for i in range(5))
    text += "".join(f"g{i},student,\n" for i in range(20))
    answers: list = []
    start = threading.Barrier(4)

    def post() -> None:
        start.wait()
        answers.append(_import(app.test_client(), world, text, dry_run=False))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(answers) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    refused = list(answers)
    gate.set()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in refused] == [409, 409, 409]
    for answer in refused:
        error = answer.json["error"]
        assert error["code"] == "import_running" and "another roster import" in error["message"]
        assert answer.headers["Retry-After"]
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    assert slow.calls == 5
    members = _members(world)
    assert all(f"q{i}" in members for i in range(5)) and "g19" in members
    again = _import(app.test_client(), world, text, dry_run=False)  # the lease was let go
    assert again.status_code == 200 and again.json["imported"] == 0


def test_an_import_is_refused_while_the_same_instructor_imports_elsewhere(world, client):
    other = courses.create_course(world.svc, world.teacher.actor, "Other").id
    busy = [f"roster:user:{world.teacher.id}"]
    with leases.held(world.svc.db, busy, 60) as taken:
        assert taken is None
        response = _import(client, world, GOOD, dry_run=False)
        assert response.status_code == 429
        assert (
            "your roster import into another course is still running"
            in (response.json["error"]["message"])
        )
        assert _import(client, world, GOOD).status_code == 200  # a dry run needs no lease
    assert "ada" not in _members(world) and other
    assert _import(client, world, GOOD, dry_run=False).json["imported"] == 4


def test_a_lease_whose_process_died_is_taken_over(world, client):
    with world.svc.db.write() as session:
        past = time.time() - 10
        session.add(
            Lease(key=f"roster:course:{world.course_id}", holder="x", since=past - 300, until=past)
        )
    assert _import(client, world, GOOD, dry_run=False).json["imported"] == 4


def test_an_import_that_fails_lets_go_of_its_lease(world, client, monkeypatch):
    def broken(_password):
        raise RuntimeError("hasher down")

    monkeypatch.setattr(users, "hash_password", broken)
    with pytest.raises(RuntimeError):
        roster.import_roster(world.svc, world.teacher.actor, world.course_id, GOOD, False)
    monkeypatch.undo()
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    assert _import(client, world, GOOD, dry_run=False).json["imported"] == 4


def test_malformed_rows_are_reported_with_the_line_they_start_on(world, client):
    text = (
        "username,role,display_name\n"  # 1
        'ada,student,"Ada\nLovelace"\n'  # 2-3: one row over two lines
        "\n"  # 4: empty, skipped
        "b d,student,\n"  # 5
        "too,student,x,y\n"  # 6
        ",student,\n"  # 7
        "cy,student,\n"  # 8
        'dee,student,"un"closed\n'  # 9: the reader stops at a broken quote
    )
    rows = _import(client, world, text).json["rows"]
    assert [(r["line"], r["ok"]) for r in rows] == [
        (2, True),
        (5, False),
        (6, False),
        (7, False),
        (8, True),
        (9, False),
    ]
    assert "only letters" in rows[1]["error"] and "4 fields" in rows[2]["error"]
    assert "empty" in rows[3]["error"] and "unreadable CSV" in rows[5]["error"]


def test_another_instructor_cannot_import_into_the_course(world, client):
    response = _import(client, world, GOOD, dry_run=False, person=world.other_teacher)
    assert response.status_code == 403
    assert "ada" not in _members(world)
