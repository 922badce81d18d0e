"""Single-use values with a deadline: login state and nonce, launch codes, deep-link forms.

`use()` burns a value with one conditional UPDATE, so of two requests racing with the same
value exactly one wins, whichever process each runs in.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from grader.db.core import rowcount
from grader.db.integrations import LtiOneTime
from grader.db.models import utcnow
from grader.services.context import Services

KEEP_USED_S = 86400.0  # burnt values are kept a day (a replay names them "already used")


def issue(svc: Services, kind: str, payload: dict[str, Any], ttl_s: float) -> str:
    """Store a fresh random value of `kind` and return it."""
    value = secrets.token_urlsafe(32)
    now = utcnow()
    with svc.db.write() as session:
        session.add(
            LtiOneTime(
                key=f"{kind}:{value}",
                kind=kind,
                payload=payload,
                created_at=now,
                expires_at=now + timedelta(seconds=ttl_s),
            )
        )
        # tidy up: values long expired are of no use, not even to name a replay
        session.execute(
            delete(LtiOneTime).where(LtiOneTime.expires_at < now - timedelta(seconds=KEEP_USED_S))
        )
    return value


def burn(svc: Services, kind: str, value: str, ttl_s: float) -> bool:
    """Mark `value` used without having issued it (a signed login's nonce): True the first
    time, False ever after. Only launches the platform signed get here, so what is written
    is bounded by the platform's own launches."""
    now = utcnow()
    try:
        with svc.db.write() as session:
            session.add(
                LtiOneTime(
                    key=f"{kind}:{value}"[:128],
                    kind=kind,
                    payload={},
                    created_at=now,
                    expires_at=now + timedelta(seconds=ttl_s),
                    used_at=now,
                )
            )
            session.flush()
            session.execute(
                delete(LtiOneTime).where(
                    LtiOneTime.expires_at < now - timedelta(seconds=KEEP_USED_S)
                )
            )
    except IntegrityError:
        return False
    return True


def peek(svc: Services, kind: str, value: str) -> tuple[dict[str, Any] | None, str]:
    """The payload of an unused, unexpired value, or None with the reason."""
    if not value or len(value) > 100:
        return None, "missing"
    with svc.db.read() as session:
        row = session.get(LtiOneTime, f"{kind}:{value}")
    if row is None:
        return None, "unknown"
    if row.used_at is not None:
        return None, "used"
    if row.expires_at <= utcnow():
        return None, "expired"
    return row.payload, "ok"


def use(svc: Services, kind: str, value: str) -> tuple[dict[str, Any] | None, str]:
    """Burn the value: its payload the first time, (None, reason) ever after."""
    payload, reason = peek(svc, kind, value)
    if payload is None:
        return None, reason
    now = utcnow()
    with svc.db.write() as session:
        burnt = rowcount(
            session.execute(
                update(LtiOneTime)
                .where(
                    LtiOneTime.key == f"{kind}:{value}",
                    LtiOneTime.used_at.is_(None),
                    LtiOneTime.expires_at > now,
                )
                .values(used_at=now)
            )
        )
    return (payload, "ok") if burnt == 1 else (None, "used")
