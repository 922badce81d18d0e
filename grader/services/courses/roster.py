"""Enrolling a class from a CSV roster: a dry run that checks every row, then an import that
applies all rows in one transaction or none of them.

The CSV has a header row naming its columns: `username` and `role` (student or instructor),
and optionally `display_name` and `password`. Missing students are created: with the password
given, or with a generated one returned once (the instructor downloads them as CSV).
Instructor rows must name an existing instructor account: an instructor cannot create accounts
that may author exercises and open courses.
"""

from __future__ import annotations

import csv
import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grader.db.models import Course, Membership, User
from grader.services.accounts import users
from grader.services.accounts.access import require_course_staff
from grader.services.accounts.users import USERNAME
from grader.services.context import Actor, Services
from grader.services.errors import Conflict, Forbidden, Invalid
from grader.services.infra.csvfile import to_csv
from grader.vocabulary import COURSE_ROLES

COLUMNS = ("username", "role", "display_name", "password")
MAX_ROWS = 2000
MAX_FIELD_CHARS = 1024
MAX_DISPLAY_NAME = 200
HASH_THREADS = 8


@dataclass
class Row:
    line: int
    username: str
    role: str = ""
    display_name: str = ""
    password: str = ""
    error: str | None = None
    action: str = ""  # create, enrol, unchanged
    generated: str = field(default="", repr=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "line": self.line,
            "username": self.username,
            "role": self.role,
            "ok": self.error is None,
            "error": self.error,
            "action": self.action if self.error is None else None,
        }
        if self.generated:
            out["password"] = self.generated
        return out


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")  # Excel writes a byte-order mark
    except UnicodeDecodeError as exc:
        raise Invalid(f"the roster is not UTF-8 text (byte {exc.start})") from None


def parse(data: bytes | str) -> list[Row]:
    """The roster's rows with the errors that need no database (empty rows skipped)."""
    text = _decode(data)
    if "\x00" in text:
        raise Invalid("the roster contains a NUL character; send a CSV text file")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise Invalid(f"line 1: {exc}") from None
    if header is None:
        raise Invalid("the roster is empty; send a header row and one row per person")
    names = [h.strip().lower() for h in header]
    unknown = [n for n in names if n not in COLUMNS]
    if unknown or len(set(names)) != len(names) or not {"username", "role"} <= set(names):
        raise Invalid(
            "line 1: the header must name the columns username,role and optionally "
            f"display_name,password (got {','.join(header)[:200]!r})",
            details={"rows": [{"line": 1, "username": "", "ok": False, "error": "bad header"}]},
        )
    rows: list[Row] = []
    seen: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.append(Row(line, "", error=f"unreadable CSV: {exc}"))
            break  # the reader cannot go on after a broken quote
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise Invalid(f"a roster has at most {MAX_ROWS} rows; split it into several files")
        rows.append(_row(line, names, values, seen))
    if not rows:
        raise Invalid("the roster has a header but no rows")
    return rows


def _row(line: int, names: list[str], values: list[str], seen: dict[str, int]) -> Row:
    if len(values) != len(names):
        return Row(line, "", error=f"{len(values)} fields; the header names {len(names)}")
    cells = {n: v.strip() for n, v in zip(names, values, strict=True)}
    row = Row(line, cells["username"][:64], cells["role"].lower()[:32])
    row.display_name = cells.get("display_name", "")
    row.password = values[names.index("password")] if "password" in names else ""
    row.error = _field_error(cells["username"], row, seen)
    if row.error is None:
        seen[row.username.lower()] = line
    return row


def _field_error(username: str, row: Row, seen: dict[str, int]) -> str | None:
    if not username:
        return "the username is empty"
    if len(username) > 64:
        return "the username is longer than 64 characters"
    if not USERNAME.match(username):
        return (
            "the username may hold only letters, digits and ._@- (starting with a letter or digit)"
        )
    if (first := seen.get(username.lower())) is not None:
        return f"duplicate: {username!r} is already on line {first}"
    if row.role not in COURSE_ROLES:
        return f"unknown role {row.role!r}; use student or instructor"
    if len(row.display_name) > MAX_DISPLAY_NAME:
        return f"the display name is longer than {MAX_DISPLAY_NAME} characters"
    if row.password and not (
        users.MIN_PASSWORD_CHARS <= len(row.password) <= users.MAX_PASSWORD_CHARS
    ):
        return f"a password has {users.MIN_PASSWORD_CHARS} to {users.MAX_PASSWORD_CHARS} characters"
    if row.role == "instructor" and row.password:
        return "an instructor row cannot set a password (instructor accounts are not created)"
    return None


def _check_against_accounts(session: Any, course_id: int, rows: list[Row]) -> None:
    """Decide each good row's action from the accounts and memberships that exist."""
    wanted = [r.username for r in rows if r.error is None]
    accounts = {
        u.username: u for u in session.scalars(select(User).where(User.username.in_(wanted)))
    }
    members = dict(
        session.execute(
            select(Membership.user_id, Membership.role).where(Membership.course_id == course_id)
        ).all()
    )
    for row in rows:
        if row.error is not None:
            continue
        user = accounts.get(row.username)
        if user is None:
            if row.role == "instructor":
                row.error = f"no instructor account {row.username!r}; ask an admin to create it"
            else:
                row.action = "create"
            continue
        if row.role == "instructor" and user.role == "student":
            row.error = f"{row.username!r} is a student account and cannot teach a course"
        elif row.role == "student" and user.role != "student":
            row.error = f"{row.username!r} is an {user.role} account; enrol it as instructor"
        elif user.id in members:
            if members[user.id] != row.role:
                row.error = f"{row.username!r} is already in the course as {members[user.id]}"
            else:
                row.action = "unchanged"
        else:
            row.action = "enrol"


def import_roster(
    svc: Services, actor: Actor, course_id: int, data: bytes | str, dry_run: bool = True
) -> dict[str, Any]:
    """Check every row; unless `dry_run` and when every row is good, apply them all at once.

    Returns {"rows": [{line, username, role, ok, error, action[, password]}], "valid",
    "imported"}; a generated password appears once, in the import's answer."""
    rows = parse(data)
    with svc.db.read() as session:
        require_course_staff(session, actor, course_id)
        if session.get_one(Course, course_id).archived_at is not None:
            raise Forbidden(f"course {course_id} is archived; bring it back to enrol students")
        _check_against_accounts(session, course_id, rows)
    valid = all(r.error is None for r in rows)
    if dry_run or not valid:
        return {"rows": [r.to_dict() for r in rows], "valid": valid, "imported": 0}
    hashes = _hash_new_passwords([r for r in rows if r.action == "create"])
    try:
        with svc.db.write() as session:
            _apply(session, course_id, rows, hashes)
    except IntegrityError:
        raise Conflict(
            "the accounts or the course changed during the import; nothing was imported, "
            "run the import again"
        ) from None
    applied = sum(r.action != "unchanged" for r in rows)
    return {"rows": [r.to_dict() for r in rows], "valid": True, "imported": applied}


def _hash_new_passwords(created: list[Row]) -> dict[int, str]:
    """line -> argon2 hash of each new account's password (generated when none is given).

    argon2 costs tens of milliseconds a hash and releases the GIL, so a class is hashed on a
    few threads, before the write transaction (which then holds the write lock briefly)."""
    for row in created:
        if not row.password:
            row.generated = users.generate_password()
    hasher = users._hasher
    with ThreadPoolExecutor(max_workers=min(HASH_THREADS, os.cpu_count() or 1)) as pool:
        digests = pool.map(hasher.hash, [r.password or r.generated for r in created])
        return {row.line: digest for row, digest in zip(created, digests, strict=True)}


def _apply(session: Any, course_id: int, rows: list[Row], hashes: dict[int, str]) -> None:
    ids = dict(
        session.execute(
            select(User.username, User.id).where(User.username.in_([r.username for r in rows]))
        ).all()
    )
    for row in rows:
        if row.action == "create":
            user = User(
                username=row.username,
                role="student",
                password_hash=hashes[row.line],
                display_name=row.display_name or None,
            )
            session.add(user)
            session.flush()  # IntegrityError when someone took the name meanwhile
            ids[row.username] = user.id
        if row.action in ("create", "enrol"):
            session.add(Membership(course_id=course_id, user_id=ids[row.username], role=row.role))
    session.flush()


def credentials_csv(result: dict[str, Any]) -> str:
    """The generated passwords of an import, as CSV (username,password) to hand out."""
    rows = [["username", "password"]]
    rows += [[r["username"], r["password"]] for r in result["rows"] if r.get("password")]
    return to_csv(rows, bom=False)
