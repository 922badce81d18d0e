"""The tool's RSA keys: the newest unretired key signs, every unretired key is published.

Rotation adds a key that signs from then on; the old one stays in the JWKS (platforms cache
it) until an administrator retires it. The first key is made on first use.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select

from grader.db.integrations import LtiKey
from grader.db.models import utcnow
from grader.services.context import Services
from grader.services.errors import Conflict, NotFound
from grader.services.integrations.results import KeyList, SigningKeyOut

KEY_BITS = 2048


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: str


def _new_key() -> LtiKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return LtiKey(kid=secrets.token_urlsafe(12), private_pem=pem)


def key_out(key: LtiKey, signing: bool = False) -> SigningKeyOut:
    return SigningKeyOut(
        kid=key.kid,
        created_at=key.created_at.isoformat(),
        retired_at=key.retired_at.isoformat() if key.retired_at else None,
        signing=signing,
    )


def _active(session: Any) -> list[LtiKey]:
    query = select(LtiKey).where(LtiKey.retired_at.is_(None)).order_by(LtiKey.id.desc())
    return list(session.scalars(query))


def signing_key(svc: Services) -> SigningKey:
    """The key that signs our JWTs now (created when there is none)."""
    with svc.db.read() as session:
        keys = _active(session)
    if not keys:
        with svc.db.write() as session:
            keys = _active(session)  # another process may have made one meanwhile
            if not keys:
                session.add(key := _new_key())
                session.flush()
                keys = [key]
    return SigningKey(keys[0].kid, keys[0].private_pem)


def jwks(svc: Services) -> dict:
    """The public JWKS of every unretired key (what /lti/jwks serves)."""
    signing_key(svc)
    with svc.db.read() as session:
        keys = _active(session)
    published = []
    for key in keys:
        private = serialization.load_pem_private_key(key.private_pem.encode(), password=None)
        assert isinstance(private, rsa.RSAPrivateKey)  # the tool makes RSA keys only
        jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
        published.append({**jwk, "kid": key.kid, "alg": "RS256", "use": "sig"})
    return {"keys": published}


def list_keys(svc: Services) -> KeyList:
    with svc.db.read() as session:
        rows = list(session.scalars(select(LtiKey).order_by(LtiKey.id)))
    current = max((k.id for k in rows if k.retired_at is None), default=None)
    return KeyList(items=[key_out(k, k.id == current) for k in rows])


def rotate(svc: Services) -> SigningKeyOut:
    """Add a key that signs from now on; older keys stay published until retired."""
    with svc.db.write() as session:
        session.add(key := _new_key())
        session.flush()
        return key_out(key, signing=True)


def retire(svc: Services, kid: str) -> SigningKeyOut:
    """Stop publishing a key. The signing key cannot be retired: rotate first."""
    with svc.db.write() as session:
        key = session.scalar(select(LtiKey).where(LtiKey.kid == kid))
        if key is None:
            raise NotFound(f"no tool key with kid {kid!r}")
        active = _active(session)
        if active and active[0].id == key.id:
            raise Conflict("this key signs the tool's messages; rotate to a new key first")
        if key.retired_at is None:
            key.retired_at = utcnow()
        return key_out(key)


def sign(svc: Services, claims: dict[str, Any]) -> str:
    """A JWT of `claims` signed RS256 with the current key, its kid in the header."""
    import jwt

    key = signing_key(svc)
    return jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})
