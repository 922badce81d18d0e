"""Enrolling a class from a CSV roster: a dry run that checks every row, then an import that
applies all rows in one transaction or none of them.

The CSV has a header row naming its columns: `username` and `role` (student or instructor),
and optionally `display_name` and `password`. Missing students are created: with the password
given, or with a generated one returned once (the instructor downloads them as CSV).
Instructor rows must name an existing instructor account: an instructor cannot create accounts
that may author exercises and open courses.

What one import may cost is bounded: at most MAX_ROWS rows; generated passwords get a cheap
hash (they are random: see users.new_generated_password); at most MAX_GIVEN_PASSWORDS rows
may give a password, whose slow hashes run on a pool of HASH_THREADS threads that every
import of the process shares, at most GIVEN_PASSWORDS_PER_HOUR per instructor; and one import
at a time per course and per instructor, across every process (a lease taken before any
account is read or any password hashed), so parallel posts of the same roster are refused at
once instead of all hashing and then losing with 409.
"""

from __future__ import annotations

import csv
import io
import math
import time
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
from grader.services.errors import Conflict, Forbidden, Invalid, ServiceError, TooManyRequests
from grader.services.infra import leases
from grader.services.infra.csvfile import to_csv
from grader.vocabulary import COURSE_ROLES

COLUMNS = ("username", "role", "display_name", "password")
MAX_ROWS = 2000
MAX_GIVEN_PASSWORDS = 30  # each a slow argon2 hash (about 0.2 CPU-seconds) while the user waits
GIVEN_PASSWORDS_PER_HOUR = 300  # per instructor, every import and process together
MAX_FIELD_CHARS = 1024
MAX_DISPLAY_NAME = 200
HASH_THREADS = 2  # per process, shared by its imports
IMPORT_LEASE_S = 300.0  # a course's import lock, if its process dies while importing
_hash_pool = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="roster-hash")


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
    given = 0
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
            raise Invalid(
                f"line {line}: a roster has at most {MAX_ROWS} rows; split it into several files"
            )
        rows.append(_row(line, names, values, seen))
        if rows[-1].password and (given := given + 1) > MAX_GIVEN_PASSWORDS:
            raise Invalid(
                f"line {line}: at most {MAX_GIVEN_PASSWORDS} rows of one roster may give a "
                "password (each is hashed slowly while you wait); leave the others empty and "
                "they get generated passwords to hand out, or split the roster"
            )
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
    "imported"}; a generated password appears once, in the import's answer. An import while
    another runs for the same course (409) or by the same instructor (429) is refused before
    any work."""
    rows = parse(data)
    with svc.db.read() as session:
        require_course_staff(session, actor, course_id)
        if session.get_one(Course, course_id).archived_at is not None:
            raise Forbidden(f"course {course_id} is archived; bring it back to enrol students")
        if dry_run:
            _check_against_accounts(session, course_id, rows)
    if dry_run:
        return _result(rows, 0)
    keys = [f"roster:course:{course_id}", f"roster:user:{actor.id}"]
    with leases.held(svc.db, keys, IMPORT_LEASE_S) as busy:
        if busy is not None:
            raise _running(busy, keys)
        with svc.db.read() as session:
            _check_against_accounts(session, course_id, rows)
        if not all(r.error is None for r in rows):
            return _result(rows, 0)
        created = [r for r in rows if r.action == "create"]
        _budget(svc, actor, sum(bool(r.password) for r in created))
        hashes = _hash_new_passwords(created)
        try:
            with svc.db.write() as session:
                _apply(session, course_id, rows, hashes)
        except IntegrityError:
            raise Conflict(
                "the accounts or the course changed during the import; nothing was imported, "
                "run the import again"
            ) from None
    return _result(rows, sum(r.action != "unchanged" for r in rows))


def _result(rows: list[Row], imported: int) -> dict[str, Any]:
    valid = all(r.error is None for r in rows)
    return {"rows": [r.to_dict() for r in rows], "valid": valid, "imported": imported}


def _running(busy: leases.Taken, keys: list[str]) -> ServiceError:
    """The refusal of an import while another holds the course's or the instructor's lease."""
    ago = max(0, round(time.time() - busy.since))
    retry = {"Retry-After": "5"}
    if busy.key == keys[0]:
        return Conflict(
            f"another roster import into this course is running (started {ago} s ago); "
            "nothing was imported: check the roster again once it has finished",
            code="import_running",
            headers=retry,
        )
    return TooManyRequests(
        f"your roster import into another course is still running (started {ago} s ago); "
        "one import at a time: try again once it has finished",
        code="import_running",
        headers=retry,
    )


def _budget(svc: Services, actor: Actor, slow: int) -> None:
    """Count the import's slow hashes against the instructor's hourly budget, or refuse (429)
    before hashing any: one instructor cannot keep the hashing threads busy import after
    import."""
    if not slow:
        return
    wait = svc.roster_hashes.check(str(actor.id), GIVEN_PASSWORDS_PER_HOUR, slow)
    if wait is not None:
        minutes = max(1, math.ceil(wait / 60))
        raise TooManyRequests(
            f"at most {GIVEN_PASSWORDS_PER_HOUR} passwords given in rosters are hashed per "
            f"instructor an hour; nothing was imported: try again in {minutes} minutes, or "
            "leave the password column empty to hand out generated passwords",
            code="password_budget",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


def _hash_new_passwords(created: list[Row]) -> dict[int, str]:
    """line -> argon2 hash of each new account's password: a cheap one for a generated
    password, a slow one for a password given (at most MAX_GIVEN_PASSWORDS), on the
    process's shared hashing threads."""
    hashes = {}
    for row in created:
        if not row.password:
            row.generated, hashes[row.line] = users.new_generated_password()
    given = [r for r in created if r.password]
    digests = _hash_pool.map(users.hash_password, [r.password for r in given])
    hashes.update({row.line: digest for row, digest in zip(given, digests, strict=True)})
    return hashes


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
