"""One-time sign-in links: what an instructor hands a student instead of a new password.

A link carries the user's id and session stamp (users.session_stamp), signed with the app's
secret and dated: nothing is stored. Using it moves the user's session version, so the stamp
no longer matches and the link is dead; so is every earlier link after a new reset, and any
link after a password change. It expires after LINK_S seconds even when unused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from grader.services.context import Services
from grader.services.errors import Conflict, Invalid

LINK_S = 24 * 3600
MAX_TOKEN_CHARS = 500
SALT = "one-time-sign-in"


def _signer(svc: Services) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(svc.config.secret_key, salt=SALT)


def issue(svc: Services, user_id: int, stamp: str) -> dict:
    """{"sign_in_token", "expires_at"} for the user as they are now (their `stamp`)."""
    token = _signer(svc).dumps({"u": user_id, "s": stamp})
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LINK_S)
    return {"sign_in_token": token, "expires_at": expires.isoformat()}


def read(svc: Services, token: str) -> tuple[int, str]:
    """The user id and stamp a link was made for; 422 for a link that is not one of ours or
    has expired (saying so, and what to do)."""
    try:
        if len(token) > MAX_TOKEN_CHARS:
            raise BadSignature("too long")
        data = _signer(svc).loads(token, max_age=LINK_S)
        return int(data["u"]), str(data["s"])
    except SignatureExpired:
        raise Invalid(
            "this sign-in link has expired (links work for 24 hours); ask your instructor "
            "for a new one",
            code="link_expired",
        ) from None
    except (BadSignature, KeyError, TypeError, ValueError):
        raise Invalid(
            "this is not a working sign-in link (it may have been cut short when copied); "
            "ask your instructor for a new one",
            code="link_invalid",
        ) from None


def used() -> Conflict:
    return Conflict(
        "this sign-in link was used already, or a newer password or link replaced it; sign in "
        "with your password, or ask your instructor for a new link",
        code="link_used",
    )
