"""Tokens: stored only as a hash, shown once, revocable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grader.db.models import ApiToken
from grader.services.accounts import users
from grader.services.errors import Conflict, Invalid, Unauthorized


def test_only_a_hash_of_the_token_is_stored(svc):
    created = users.create_user(svc, "ada", "student")
    with svc.db.read() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert created.token not in stored
    assert users.hash_token(created.token) in stored
    assert users.authenticate(svc, created.token).username == "ada"


def test_revoked_token_no_longer_authenticates(svc):
    created = users.create_user(svc, "ada", "student")
    users.authenticate(svc, created.token)
    assert users.revoke_matching(svc, username="ada") == 1
    with pytest.raises(Unauthorized):
        users.authenticate(svc, created.token)


def test_duplicate_username_is_a_conflict(svc):
    users.create_user(svc, "ada", "student")
    with pytest.raises(Conflict):
        users.create_user(svc, "ada", "admin")


def test_bad_username_or_role_is_invalid(svc):
    with pytest.raises(Invalid):
        users.create_user(svc, "no spaces", "student")
    with pytest.raises(Invalid):
        users.create_user(svc, "ada", "king")
