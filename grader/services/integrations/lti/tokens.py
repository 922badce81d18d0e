"""OAuth2 access tokens from a platform, by a JWT client assertion signed with the tool's key.

Tokens are cached per platform and scope until shortly before they expire; `forget()` drops
one after the LMS answered 401, so the next call gets a fresh token.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

import httpx

from grader.services.context import Services
from grader.services.integrations import outbound
from grader.services.integrations.lti import keys as lti_keys

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
EARLY_S = 300.0  # a token is renewed this long before it expires
_cache: dict[tuple[str, str, str, str], tuple[float, str]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Platform:
    id: int
    client_id: str
    token_url: str


class TokenError(Exception):
    """The platform gave no token. `retry` says whether trying later can help."""

    def __init__(self, message: str, retry: bool):
        super().__init__(message)
        self.message, self.retry = message, retry


def _key(svc: Services, platform: Platform, scope: str) -> tuple[str, str, str, str]:
    return (svc.config.database_url, platform.token_url, platform.client_id, scope)


def client_assertion(svc: Services, platform: Platform) -> str:
    now = int(time.time())
    claims = {
        "iss": platform.client_id,
        "sub": platform.client_id,
        "aud": platform.token_url,
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    return lti_keys.sign(svc, claims)


def token(svc: Services, http: outbound.OutboundClient, platform: Platform, scope: str) -> str:
    """A bearer token for `scope` (space-separated), from the cache while it is fresh."""
    key = _key(svc, platform, scope)
    with _lock:
        cached = _cache.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion(svc, platform),
        "scope": scope,
    }
    try:
        response = http.post(platform.token_url, data=form, headers={"Accept": "application/json"})
    except httpx.TransportError as exc:
        retry, message = outbound.unreachable(exc, "the token endpoint")
        raise TokenError(message, retry=retry) from None
    if outbound.verdict(response.status_code, response.headers) is outbound.Verdict.RETRY:
        raise TokenError("the token endpoint: " + outbound.describe(response), retry=True)
    try:
        body = response.json()
        value, lifetime = str(body["access_token"]), float(body.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError):
        raise TokenError(
            "the token endpoint refused: " + outbound.describe(response), retry=False
        ) from None
    if response.status_code != 200:
        raise TokenError("the token endpoint refused: " + outbound.describe(response), retry=False)
    with _lock:
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[key] = (time.monotonic() + max(lifetime - EARLY_S, lifetime / 2), value)
    return value


def forget(svc: Services, platform: Platform, scope: str) -> None:
    with _lock:
        _cache.pop(_key(svc, platform, scope), None)
