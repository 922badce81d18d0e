"""LMS platforms registered with the tool, and their public keys (fetched, cached, refetched)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grader.db.integrations import LtiDeployment, LtiPlatform
from grader.db.models import utcnow
from grader.services.context import Services
from grader.services.errors import Conflict, Invalid, NotFound
from grader.services.integrations import outbound
from grader.services.integrations.results import Platform, PlatformList

log = logging.getLogger(__name__)
REFETCH_MIN_S = 5.0  # an unknown kid refetches a platform's JWKS at most this often
MAX_JWKS_BYTES = 256 * 1024
_last_refetch: dict[int, float] = {}


def platform_out(row: LtiPlatform) -> Platform:
    return Platform(
        id=row.id,
        issuer=row.issuer,
        client_id=row.client_id,
        name=row.name,
        deployment_ids=[d.deployment_id for d in row.deployments],
        auth_url=row.auth_url,
        token_url=row.token_url,
        jwks_url=row.jwks_url,
        frame_origins=row.frame_origins.split(),
        created_at=row.created_at.isoformat(),
    )


def _text(value: str, what: str, limit: int) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit or any(ord(ch) < 0x20 for ch in value):
        raise Invalid(f"{what} must be 1 to {limit} printable characters")
    return value


def register(
    svc: Services,
    *,
    issuer: str,
    client_id: str,
    deployment_ids: list[str],
    auth_url: str,
    token_url: str,
    jwks_url: str,
    name: str = "",
    frame_origins: list[str] | None = None,
) -> Platform:
    """Register a platform, or update one (same issuer and client_id) and add deployments.

    `frame_origins`: the origins whose pages may show ours in a frame; by default the
    issuer's and the login URL's (Canvas serves courses from the school's own domain: name it).
    """
    issuer = _text(issuer, "the issuer", 500)
    client_id = _text(client_id, "the client_id", 200)
    deployments = [_text(d, "a deployment id", 255) for d in deployment_ids]
    if not deployments:
        raise Invalid("name at least one deployment id")
    urls = {
        "auth_url": outbound.check_url(auth_url, "the login (auth) URL"),
        "token_url": outbound.check_destination_url(
            token_url, svc.config.lti, "the token URL", resolve_now=False
        ),
        "jwks_url": outbound.check_destination_url(
            jwks_url, svc.config.lti, "the JWKS URL", resolve_now=False
        ),
    }
    origins = [
        outbound.origin(outbound.check_url(o, "a frame origin")) for o in frame_origins or []
    ]
    if not origins:
        origins = [outbound.origin(issuer), outbound.origin(urls["auth_url"])]
    origins = list(dict.fromkeys(o for o in origins if o.startswith(("https://", "http://"))))
    try:
        with svc.db.write() as session:
            row = session.scalar(
                select(LtiPlatform).where(
                    LtiPlatform.issuer == issuer, LtiPlatform.client_id == client_id
                )
            )
            if row is None:
                row = LtiPlatform(issuer=issuer, client_id=client_id)
                session.add(row)
            row.name = (name or row.name or "").strip()[:200]
            row.auth_url, row.token_url = urls["auth_url"], urls["token_url"]
            if row.jwks_url != urls["jwks_url"]:
                row.jwks_url, row.jwks, row.jwks_fetched_at = urls["jwks_url"], None, None
            row.frame_origins = " ".join(origins)
            known = {d.deployment_id for d in row.deployments}
            for deployment in deployments:
                if deployment not in known:
                    row.deployments.append(LtiDeployment(deployment_id=deployment))
                    known.add(deployment)
            session.flush()
            return platform_out(row)
    except IntegrityError:
        raise Conflict("this platform was being registered at the same time; try again") from None


def list_platforms(svc: Services) -> PlatformList:
    with svc.db.read() as session:
        rows = session.scalars(select(LtiPlatform).order_by(LtiPlatform.id))
        return PlatformList(items=[platform_out(r) for r in rows])


def delete_platform(svc: Services, platform_id: int) -> None:
    """Forget a platform: its launches stop working; users, courses and grades stay."""
    with svc.db.write() as session:
        row = session.get(LtiPlatform, platform_id)
        if row is None:
            raise NotFound(f"no LTI platform {platform_id}")
        session.delete(row)


def remove_deployment(svc: Services, platform_id: int, deployment_id: str) -> Platform:
    with svc.db.write() as session:
        row = session.get(LtiPlatform, platform_id)
        if row is None:
            raise NotFound(f"no LTI platform {platform_id}")
        for deployment in row.deployments:
            if deployment.deployment_id == deployment_id:
                row.deployments.remove(deployment)
                session.flush()
                return platform_out(row)
        raise NotFound(f"platform {platform_id} has no deployment {deployment_id!r}")


def frame_origins(svc: Services) -> list[str]:
    """Every registered platform's frame origins (who may frame the /lti pages)."""
    with svc.db.read() as session:
        values = session.scalars(select(LtiPlatform.frame_origins))
        return sorted({o for value in values for o in value.split()})


class UnknownKey(Exception):
    """The platform publishes no key with this kid (even after fetching its keys again)."""


def _fetch(svc: Services, platform: LtiPlatform) -> dict:
    with outbound.client(svc.config.lti) as http:
        response = http.get(platform.jwks_url, headers={"Accept": "application/json"})
    if response.status_code != 200 or len(response.content) > MAX_JWKS_BYTES:
        raise UnknownKey(f"the platform's JWKS URL answered HTTP {response.status_code}")
    keys = response.json()
    if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
        raise UnknownKey("the platform's JWKS URL did not return a key set")
    with svc.db.write() as session:
        row = session.get(LtiPlatform, platform.id)
        if row is not None:
            row.jwks, row.jwks_fetched_at = keys, utcnow()
    return keys


def _find(keys: dict | None, kid: str) -> dict | None:
    for key in (keys or {}).get("keys", []):
        if isinstance(key, dict) and key.get("kid") == kid:
            return key
    return None


def platform_key(svc: Services, platform: LtiPlatform, kid: str, refetch: bool = False) -> dict:
    """The platform's public JWK `kid`: from the cache while fresh, else fetched again.

    An unknown kid (the platform rotated its keys) refetches once, at most every few seconds
    per platform, so forged tokens with random kids cannot make us hammer the LMS. `refetch`:
    the cached key did not verify a signature (a platform that rotated its key under the same
    kid): fetch again, with the same bound."""
    fresh = platform.jwks_fetched_at and utcnow() - platform.jwks_fetched_at < timedelta(
        seconds=svc.config.lti.jwks_cache_s
    )
    keys = platform.jwks if fresh else None
    if not refetch and (key := _find(keys, kid)) is not None:
        return key
    if keys is not None and time.monotonic() - _last_refetch.get(platform.id, -1e9) < REFETCH_MIN_S:
        raise UnknownKey(f"the platform has no key {kid!r}")
    _last_refetch[platform.id] = time.monotonic()
    try:
        keys = _fetch(svc, platform)
    except (httpx.HTTPError, ValueError, UnknownKey) as exc:
        log.warning("LTI platform %s: could not fetch its keys: %s", platform.id, exc)
        raise UnknownKey(f"the platform's keys could not be fetched ({exc})") from None
    if (key := _find(keys, kid)) is None:
        raise UnknownKey(f"the platform has no key {kid!r}")
    return key
