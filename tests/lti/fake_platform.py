"""A fake LMS platform on loopback: its own RSA keys and JWKS, an OAuth2 token endpoint that
verifies the tool's client assertion against the tool's own JWKS, an AGS scores endpoint that
records scores and fails on request, and NRPS roster pages."""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, abort, jsonify, request
from jwt.algorithms import RSAAlgorithm
from werkzeug.serving import make_server

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
CLIENT_ID = "tool-client-1"
DEPLOYMENT = "deployment-1"
TOOL = "http://localhost"


class RsaKey:
    def __init__(self) -> None:
        self.kid = secrets.token_hex(6)
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def jwk(self) -> dict:
        return {
            **json.loads(RSAAlgorithm.to_jwk(self.private.public_key())),
            "kid": self.kid,
            "alg": "RS256",
            "use": "sig",
        }


class FakePlatform:
    """Serve with `start()`; script failures with `fail_scores` and `fail_tokens`."""

    def __init__(self, tool_jwks: Callable[[], dict]):
        self.tool_jwks = tool_jwks
        self.key = RsaKey()
        self.published = [self.key]
        self.scores: list[dict] = []
        self.score_requests = 0
        self.fail_scores: list[Any] = []  # status codes, ("403-rate",), or "drop"
        self.fail_tokens: list[int] = []
        self.tokens: dict[str, float] = {}
        self.token_requests = 0
        self.jwks_requests = 0
        self.seen_jti: set[str] = set()
        self.members: list[list[dict]] = []
        self.lineitems: list[dict] = []
        self.next_override: str | None = None
        self.tool_url = TOOL  # where the tool is served (the target link URI's origin)
        self.auth_claims: dict = {}  # what /auth puts in the id_tokens it posts
        self.app = self._build()
        self.server: Any = None

    # --- serving ---
    def start(self) -> FakePlatform:
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def restart(self) -> None:
        """Back on the same port after `stop()` (the LMS was down for a while)."""
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def issuer(self) -> str:
        return self.url

    def registration(self) -> dict:
        return {
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "deployment_ids": [DEPLOYMENT],
            "auth_url": f"{self.url}/auth",
            "token_url": f"{self.url}/token",
            "jwks_url": f"{self.url}/jwks",
            "name": "Fake LMS",
        }

    def rotate(self, keep_old: bool = False) -> None:
        self.key = RsaKey()
        self.published = [*self.published, self.key] if keep_old else [self.key]

    # --- id_tokens ---
    def claims(self, nonce: str, role: str = LEARNER, **extra: Any) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": "user-1",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": "Ada Lovelace",
            "given_name": "Ada",
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": DEPLOYMENT,
            CLAIM + "target_link_uri": f"{self.tool_url}/lti/launch",
            CLAIM + "roles": [role],
            CLAIM + "resource_link": {"id": "link-1", "title": "Chain rule"},
            CLAIM + "context": {"id": "course-1", "label": "CALC1", "title": "Calculus 1"},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": [SCORE_SCOPE],
                "lineitems": f"{self.url}/lineitems",
                "lineitem": f"{self.url}/lineitems/7/lineitem",
            },
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": f"{self.url}/memberships",
                "service_versions": ["2.0"],
            },
        }
        for name, value in extra.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def id_token(self, claims: dict, key: RsaKey | None = None, **header: Any) -> str:
        key = key or self.key
        headers = {"kid": key.kid, **header}
        return jwt.encode(claims, key.pem, algorithm="RS256", headers=headers)

    # --- the HTTP side ---
    def _build(self) -> Flask:
        app = Flask("fake-lms")

        @app.get("/jwks")
        def jwks() -> Any:
            self.jwks_requests += 1
            return jsonify({"keys": [k.jwk() for k in self.published]})

        @app.get("/auth")
        def auth() -> Any:
            """The platform's side of the OIDC login: post an id_token back, as an LMS does."""
            args = request.args
            token = self.id_token(self.claims(args["nonce"], **self.auth_claims))
            page = (
                f'<form method="post" action="{args["redirect_uri"]}" id="f">'
                f'<input type="hidden" name="id_token" value="{token}">'
                f'<input type="hidden" name="state" value="{args["state"]}"></form>'
                '<script>document.getElementById("f").submit()</script>'
            )
            return Response(page, mimetype="text/html")

        @app.post("/token")
        def token() -> Any:
            self.token_requests += 1
            if self.fail_tokens:
                return jsonify({"error": "server_error"}), self.fail_tokens.pop(0)
            form = request.form
            if (
                form.get("grant_type") != "client_credentials"
                or form.get("client_assertion_type")
                != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            ):
                return jsonify({"error": "unsupported_grant_type"}), 400
            assertion = form.get("client_assertion", "")
            try:
                kid = jwt.get_unverified_header(assertion)["kid"]
                keys = {k["kid"]: k for k in self.tool_jwks()["keys"]}
                key = jwt.PyJWK(keys[kid], algorithm="RS256")
                claims = jwt.decode(
                    assertion,
                    key,
                    algorithms=["RS256"],
                    audience=f"{self.url}/token",
                    issuer=CLIENT_ID,
                    options={"require": ["iss", "sub", "aud", "iat", "exp", "jti"]},
                )
            except (KeyError, jwt.InvalidTokenError):
                return jsonify({"error": "invalid_client"}), 401
            if claims["sub"] != CLIENT_ID or claims["jti"] in self.seen_jti:
                return jsonify({"error": "invalid_client"}), 401
            self.seen_jti.add(claims["jti"])
            value = secrets.token_urlsafe(16)
            self.tokens[value] = time.time() + 3600
            scope = form.get("scope", "")
            return jsonify(
                {"access_token": value, "token_type": "Bearer", "expires_in": 3600, "scope": scope}
            )

        def bearer_ok() -> bool:
            value = request.headers.get("Authorization", "").removeprefix("Bearer ")
            return value in self.tokens

        @app.post("/lineitems/<int:item>/lineitem/scores")
        def scores(item: int) -> Any:
            self.score_requests += 1
            if self.fail_scores:
                failure = self.fail_scores.pop(0)
                if failure == "drop":
                    sock = request.environ.get("werkzeug.socket")
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
                    abort(500)
                if failure == "403-rate":
                    return Response("rate limited", 403, {"X-Rate-Limit-Remaining": "0"})
                if failure == 401:
                    self.tokens.clear()  # the token was revoked
                else:
                    return Response(
                        f"scripted failure {failure}",
                        failure,
                        {"Retry-After": "1"} if failure == 429 else {},
                    )
            if not bearer_ok():
                return jsonify({"error": "invalid token"}), 401
            if request.mimetype != "application/vnd.ims.lis.v1.score+json":
                return jsonify({"error": "wrong content type"}), 415
            self.scores.append({"lineitem": item, **request.get_json(force=True)})
            return "", 204

        @app.route("/lineitems", methods=["GET", "POST"])
        def lineitems() -> Any:
            if not bearer_ok():
                return jsonify({"error": "invalid token"}), 401
            if request.method == "GET":
                wanted = request.args.get("resource_link_id")
                found = [i for i in self.lineitems if i["resourceLinkId"] == wanted]
                return jsonify(found)
            if request.mimetype != "application/vnd.ims.lis.v2.lineitem+json":
                return jsonify({"error": "wrong content type"}), 415
            item = {**request.get_json(force=True)}
            item["id"] = f"{self.url}/lineitems/{100 + len(self.lineitems)}/lineitem"
            self.lineitems.append(item)
            return jsonify(item), 201

        @app.get("/memberships")
        def memberships() -> Any:
            if not bearer_ok():
                return jsonify({"error": "invalid token"}), 401
            page = request.args.get("page", 0, type=int)
            body = {
                "id": f"{self.url}/memberships",
                "members": self.members[page] if self.members else [],
            }
            response = jsonify(body)
            response.mimetype = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
            if page + 1 < len(self.members):
                target = self.next_override or f"{self.url}/memberships?page={page + 1}"
                response.headers["Link"] = f'<{target}>; rel="next"'
            return response

        return app


def new_nonce() -> str:
    return uuid.uuid4().hex
