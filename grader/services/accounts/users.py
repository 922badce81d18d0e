"""Users, their API tokens (only a SHA-256 of each token is stored) and their passwords for the
web pages (argon2 hashes)."""

from __future__ import annotations

import hashlib
import re
import secrets
import string
import time
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader.db.core import rowcount
from grader.db.models import ApiToken, Membership, User, utcnow
from grader.languages import check_language
from grader.services.accounts import sign_in_links
from grader.services.accounts.access import require_course_staff, require_role
from grader.services.accounts.results import (
    PasswordReset,
    SessionsEnded,
    TokenCreated,
    TokenOut,
    TokenPage,
    UserCreated,
    UserOut,
    UserPage,
)
from grader.services.context import Actor, Services
from grader.services.errors import N_, Conflict, Forbidden, Invalid, NotFound, Unauthorized
from grader.services.pagination import page
from grader.vocabulary import ROLES

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
TOKEN_PREFIX = "gt_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        role=user.role,
        created_at=user.created_at.isoformat(),
        locale=user.locale,
    )


def _token_fields(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "user_id": token.user_id,
        "created_at": token.created_at.isoformat(),
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


def token_out(token: ApiToken) -> TokenOut:
    return TokenOut(**_token_fields(token))


def _issue_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_hash=hash_token(value), prefix=value[:10], name=name)
    session.add(token)
    session.flush()
    return token, value


def create_user(
    svc: Services, username: str, role: str, token_name: str = "initial"
) -> UserCreated:
    """Create a user with a first token; the token value is returned once and never stored."""
    if not USERNAME.match(username):
        raise Invalid(
            "a username is 1-64 letters, digits or ._@- and starts with a letter or digit",
            details=[{"path": "username", "message": "invalid username"}],
        )
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    try:
        with svc.db.write() as session:
            user = User(username=username, role=role)
            session.add(user)
            session.flush()
            token, value = _issue_token(session, user, token_name)
            return UserCreated(**user_out(user).model_dump(), token=value, token_id=token.id)
    except IntegrityError:
        raise Conflict(f"the username {username!r} is taken") from None


def create_user_as(svc: Services, actor: Actor, username: str, role: str) -> UserCreated:
    require_role(actor, "admin")
    return create_user(svc, username, role)


def list_users(svc: Services, actor: Actor, limit: int, offset: int, role: str | None) -> UserPage:
    require_role(actor, "admin")
    query = select(User).order_by(User.id)
    if role:
        query = query.where(User.role == role)
    with svc.db.read() as session:
        rows, total = page(session, query, limit, offset)
        return UserPage(items=[user_out(u) for u in rows], total=total, limit=limit, offset=offset)


def get_user(svc: Services, actor: Actor, user_id: int) -> UserOut:
    if actor.id != user_id:
        require_role(actor, "admin")
    with svc.db.read() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"no user {user_id}")
        return user_out(user)


def set_locale(svc: Services, actor: Actor, locale: str | None) -> UserOut:
    """Save the actor's language (a tag of grader.languages; None: chosen per request again)."""
    tag = check_language(locale)
    with svc.db.write() as session:
        user = session.get_one(User, actor.id)
        user.locale = tag
        session.flush()
        out = user_out(user)
    for digest, (_, cached) in list(svc.token_cache.items()):
        if cached.id == actor.id:  # the user's tokens say the new language at once
            svc.token_cache.pop(digest, None)
    return out


def authenticate(svc: Services, token: str, fresh: bool = False) -> Actor:
    """The actor a bearer token belongs to; cached for `auth_cache_s` seconds unless `fresh`
    (sensitive actions look in the database: a revocation binds them at once everywhere)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise Unauthorized("the bearer token is not a grader token")
    digest = hash_token(token)
    cached = svc.token_cache.get(digest)
    now = time.monotonic()
    if cached and cached[0] > now and not fresh:
        return cached[1]
    with svc.db.read() as session:
        row = session.execute(
            select(User.id, User.username, User.role, User.locale)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
        ).first()
    if row is None:
        svc.token_cache.pop(digest, None)
        raise Unauthorized("the token is unknown or revoked")
    actor = Actor(row.id, row.username, row.role, row.locale)
    if len(svc.token_cache) > 10_000:
        svc.token_cache.clear()
    svc.token_cache[digest] = (now + svc.config.auth_cache_s, actor)
    return actor


def create_token(svc: Services, actor: Actor, name: str) -> TokenCreated:
    """A new token for the actor (shown once)."""
    with svc.db.write() as session:
        user = session.get_one(User, actor.id)
        token, value = _issue_token(session, user, name)
        return TokenCreated(**_token_fields(token), token=value)


def list_tokens(svc: Services, actor: Actor, limit: int, offset: int) -> TokenPage:
    query = select(ApiToken).order_by(ApiToken.id)
    if not actor.is_admin:
        query = query.where(ApiToken.user_id == actor.id)
    with svc.db.read() as session:
        rows, total = page(session, query, limit, offset)
        items = [token_out(t) for t in rows]
        return TokenPage(items=items, total=total, limit=limit, offset=offset)


def revoke_token(svc: Services, actor: Actor | None, token_id: int) -> TokenOut:
    """Revoke one token; `actor=None` is the command line (allowed everything)."""
    with svc.db.write() as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            raise NotFound(f"no token {token_id}")
        if actor is not None and not actor.is_admin and token.user_id != actor.id:
            raise Forbidden("you may revoke only your own tokens")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
        svc.token_cache.pop(token.token_hash, None)
        return token_out(token)


def revoke_matching(svc: Services, *, token: str | None = None, username: str | None = None) -> int:
    """Revoke a token by its value, or every token of a user; returns how many were revoked."""
    stamp: datetime = utcnow()
    with svc.db.write() as session:
        query = update(ApiToken).where(ApiToken.revoked_at.is_(None))
        if token is not None:
            query = query.where(ApiToken.token_hash == hash_token(token))
        elif username is not None:
            user_id = session.scalar(select(User.id).where(User.username == username))
            if user_id is None:
                raise NotFound(f"no user {username!r}")
            query = query.where(ApiToken.user_id == user_id)
        else:
            raise Invalid("name a token or a user")
        count = rowcount(session.execute(query.values(revoked_at=stamp)))
    svc.token_cache.clear()
    return int(count or 0)


# --- passwords for web sign-in -----------------------------------------------------------

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024
_hasher = PasswordHasher()
_dummy_hash: list[str] = []  # verified for unknown users so timing does not reveal them


def session_stamp(user: User) -> str:
    """What a web session must still match: a fingerprint of the stored password hash and the
    user's session version. Changing the password or bumping the version (sign-out, "sign out
    everywhere") ends every session signed in before."""
    digest = hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]
    return f"{digest}.{user.session_version or 0}"


def end_sessions(svc: Services, actor: Actor | None, user_id: int) -> SessionsEnded:
    """Sign the user out everywhere: every web session of theirs ends at its next request.
    Allowed to the user and to admins (`actor=None`: the command line)."""
    if actor is not None and not actor.is_admin and actor.id != user_id:
        raise Forbidden("you may sign out only yourself")
    with svc.db.write() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"no user {user_id}")
        user.session_version = (user.session_version or 0) + 1
        return SessionsEnded(id=user.id, username=user.username, sessions_ended=True)


def set_role(svc: Services, username: str, role: str) -> dict:
    """Change a user's site-wide role (the command line: an administrator on purpose; LMS
    launches never grant one). Returns {username, role, previous}.

    The role is read from the database at every web request, so it binds the user's next page;
    API tokens follow within `auth_cache_s`. The last admin is never demoted (no one could
    manage the site afterwards). Course memberships are left as they are."""
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    with svc.db.write() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user {username!r}")
        previous = user.role
        if previous == "admin" and role != "admin":
            admins = session.scalars(select(User.id).where(User.role == "admin")).all()
            if len(admins) <= 1:
                raise Conflict(f"{username!r} is the only admin; make another admin first")
        user.role = role
    svc.token_cache.clear()
    return {"username": username, "role": role, "previous": previous}


def user_id_of(svc: Services, username: str) -> int:
    with svc.db.read() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise NotFound(f"no user {username!r}")
    return user_id


# Generated passwords: letters and digits only (a leading '-' or '=' would make a spreadsheet
# read a downloaded CSV cell as a formula), 16 of them: about 95 bits.
PASSWORD_ALPHABET = string.ascii_letters + string.digits
GENERATED_PASSWORD_CHARS = 16


def generate_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(GENERATED_PASSWORD_CHARS))


# A generated password is 95 random bits: no one guesses it however fast each guess is, so its
# hash need not be slow (API tokens are stored as SHA-256 for the same reason). A roster of
# 2,000 new students costs 0.2 s of hashing this way, not 400 CPU-seconds of argon2's
# defaults; the first sign-in stores the hash again with those defaults (check_needs_rehash).
# Passwords people choose always get the slow hash.
_generated_hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


def new_generated_password() -> tuple[str, str]:
    """A generated password and its (cheap) argon2 hash."""
    password = generate_password()
    return password, _generated_hasher.hash(password)


def hash_password(password: str) -> str:
    """The slow argon2 hash of a password a person chose."""
    return _hasher.hash(password)


def _check_password(password: str, path: str = "password") -> None:
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise Invalid(
            N_("a password has %(least)s to %(most)s characters"),
            values={"least": MIN_PASSWORD_CHARS, "most": MAX_PASSWORD_CHARS},
            details=[{"path": path}],
        )


def _store_password(user: User, password: str) -> None:
    """Store an argon2 hash of `password`; every web session of the user signed in before
    ends (the session version moves, and so does the hash's fingerprint in the stamp)."""
    user.password_hash = _hasher.hash(password)
    user.session_version = (user.session_version or 0) + 1


def set_password(svc: Services, username: str, password: str) -> str:
    """Store an argon2 hash of `password` for `username` (the command line, tests); returns
    the hash."""
    _check_password(password)
    with svc.db.write() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user {username!r}")
        _store_password(user, password)
        return user.password_hash or ""


def change_password(svc: Services, actor: Actor, current: str, new: str, address: str) -> str:
    """The actor's own password, changed: the current one is required (a user who has none
    yet, from an LMS, sets a first one). Wrong current passwords count as failed sign-ins
    (the same throttle, by username and address). Every other session of the user ends;
    returns the new session stamp, for the session that asked to go on."""
    _check_password(new, "new_password")
    svc.sign_in_throttle.attempt(actor.username, address)  # counted before the check
    with svc.db.read() as session:
        user = session.get(User, actor.id)
        stored = user.password_hash if user else None
    if user is None:
        raise NotFound(f"no user {actor.id}")
    if stored is not None and not _verify(stored, current[:MAX_PASSWORD_CHARS]):
        raise Invalid(
            N_("the current password is not right; the password was not changed"),
            code="wrong_password",
            details=[{"path": "current_password"}],
        )
    svc.sign_in_throttle.succeeded(actor.username, address)
    with svc.db.write() as session:
        user = session.get_one(User, actor.id)
        _store_password(user, new)
        session.flush()
        return session_stamp(user)


def _revoke_tokens_of(session: Session, user_id: int) -> int:
    """Revoke every API token of the user (in the caller's transaction); how many."""
    done = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(rowcount(done) or 0)


def reset_password(
    svc: Services, actor: Actor, course_id: int, username: str, link: bool = False
) -> PasswordReset:
    """Reset a course member's password, by the course's instructors or an admin: a new one
    generated and returned once (only its hash is stored), or with `link` no password at all
    and a one-time sign-in link (see sign_in_links.py) through which the student signs in
    and chooses one. An instructor may reset only a student account enrolled as a student in
    that course; an admin, any member's. Either way the old password stops working, every web
    session of the user ends and every API token of theirs is revoked (whoever knew the old
    password may have made one)."""
    with svc.db.write() as session:
        require_course_staff(session, actor, course_id)
        found = session.execute(
            select(User, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.course_id == course_id, User.username == username)
        ).first()
        if found is None:
            raise NotFound(f"{username!r} is not a member of course {course_id}")
        user, role = found
        if not actor.is_admin and (role != "student" or user.role != "student"):
            raise Forbidden("instructors may reset only their students' passwords; ask an admin")
        revoked = _revoke_tokens_of(session, user.id)
        done = PasswordReset(username=user.username, sessions_ended=True, tokens_revoked=revoked)
        if link:
            user.password_hash = None
            user.session_version = (user.session_version or 0) + 1
            session.flush()
            issued = sign_in_links.issue(svc, user.id, session_stamp(user))
            done = done.model_copy(update={"expires_at": issued["expires_at"]})
            done.sign_in_token = issued["sign_in_token"]
        else:
            done = done.model_copy(update={"password": generate_password()})
            _store_password(user, done.password or "")
    svc.token_cache.clear()  # the revoked tokens stop at once in this process
    return done


def redeem_sign_in_link(svc: Services, token: str) -> tuple[Actor, str]:
    """Sign in through a one-time link: the actor and a session stamp. The link works once
    (its use moves the user's session version, which the link was bound to), and not after a
    later reset or password change; else 409 `link_used` (410-like, but a person reads it)."""
    user_id, stamp = sign_in_links.read(svc, token)
    with svc.db.write() as session:
        user = session.get(User, user_id)
        if user is None or session_stamp(user) != stamp:
            raise sign_in_links.used()
        version = user.session_version or 0
        moved = session.execute(
            update(User)
            .where(User.id == user_id, User.session_version == version)
            .values(session_version=version + 1)
        )
        if rowcount(moved) != 1:  # used at the same moment in another request
            raise sign_in_links.used()
    with svc.db.read() as session:
        user = session.get_one(User, user_id)
        return Actor(user.id, user.username, user.role, user.locale), session_stamp(user)


def sign_in_link_user(svc: Services, token: str) -> str:
    """The username a one-time link still signs in (without using it), for the page that
    asks before it is used; the same errors as redeem_sign_in_link."""
    user_id, stamp = sign_in_links.read(svc, token)
    with svc.db.read() as session:
        user = session.get(User, user_id)
        if user is None or session_stamp(user) != stamp:
            raise sign_in_links.used()
        return user.username


def has_password(svc: Services, actor: Actor) -> bool:
    with svc.db.read() as session:
        return bool(session.scalar(select(User.password_hash).where(User.id == actor.id)))


def _verify(stored: str | None, password: str) -> bool:
    if stored is None:
        if not _dummy_hash:
            _dummy_hash.append(_hasher.hash("no such user"))
        stored = _dummy_hash[0]
        password = "\x00" + password  # never matches
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def sign_in(svc: Services, username: str, password: str) -> tuple[Actor, str]:
    """The actor for a correct username and password, and its session stamp; else 401."""
    with svc.db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user else None
    if not _verify(stored, password[:MAX_PASSWORD_CHARS]) or user is None or stored is None:
        raise Unauthorized(N_("wrong username or password"))
    if _hasher.check_needs_rehash(stored):
        _rehash(svc, user.id, password)
        with svc.db.read() as session:
            user = session.get_one(User, user.id)
    return Actor(user.id, user.username, user.role, user.locale), session_stamp(user)


def _rehash(svc: Services, user_id: int, password: str) -> None:
    """Store the hash again with today's parameters (the same password: sessions go on)."""
    with svc.db.write() as session:
        user = session.get_one(User, user_id)
        user.password_hash = _hasher.hash(password)


def session_actor(svc: Services, user_id: int, stamp: str) -> Actor | None:
    """The signed-in actor, checked against the database on every request: None when the
    user is gone, changed their password or was signed out (here or everywhere).

    Users who came from an LMS have no password: their stamp is that of no password, and
    setting one ends their LMS sessions."""
    with svc.db.read() as session:
        user = session.get(User, user_id)
    if user is None or session_stamp(user) != stamp:
        return None
    return Actor(user.id, user.username, user.role, user.locale)
