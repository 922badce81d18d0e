"""Request helpers for the views: the shared services and the authenticated actor."""

from __future__ import annotations

from flask import current_app, request

from grader.services import users
from grader.services.context import Actor, Services
from grader.services.errors import Unauthorized

PREFIX = "/api/v1"


def svc() -> Services:
    return current_app.extensions["grader"]


def actor() -> Actor:
    """The user of the bearer token in the Authorization header (401 without one)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send your API token as 'Authorization: Bearer <token>'")
    return users.authenticate(svc(), token.strip())
