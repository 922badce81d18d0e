"""Sign-out ends the session for good (a saved cookie is worthless), a revoked token can do
nothing sensitive even where it was cached, and throttles hold across service processes."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from grader.services.accounts import users
from grader.services.context import Services
from grader.services.errors import TooManyRequests, Unauthorized
from grader.services.infra.ratelimit import RateLimiter, SignInThrottle

ROOT = Path(__file__).resolve().parents[2]
COOKIE = "grader_session"


def _saved_cookie(pages) -> str:
    cookie = pages.client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def _signed_in_with(app, cookie: str) -> bool:
    """Whether a fresh browser holding only `cookie` is signed in."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie)
    return other.get("/").status_code == 200


def test_a_cookie_saved_before_sign_out_no_longer_signs_in(app, pages, web):
    pages.sign_in(web.student)
    saved = _saved_cookie(pages)
    assert _signed_in_with(app, saved)
    assert pages.post("/logout").status_code == 303
    assert not _signed_in_with(app, saved)
    assert pages.sign_in(web.student).status_code == 303  # signing in again works
    assert pages.get("/").status_code == 200


def test_a_password_change_ends_every_session(app, pages, web):
    pages.sign_in(web.student)
    saved = _saved_cookie(pages)
    users.set_password(web.svc, web.student.username, "another good password")
    assert not _signed_in_with(app, saved)
    assert pages.get("/").status_code == 302


def test_an_admin_signs_a_user_out_everywhere_through_the_api(app, client, pages, web):
    pages.sign_in(web.student)
    saved = _saved_cookie(pages)
    url = f"/api/v1/users/{web.student.id}/sign-out"
    assert client.post(url, headers=web.teacher.headers).status_code == 403
    response = client.post(url, headers=web.admin.headers)
    assert response.status_code == 200 and response.json["sessions_ended"] is True
    assert not _signed_in_with(app, saved)
    # the user's API token is a separate credential and still works
    assert client.get("/api/v1/users/me", headers=web.student.headers).status_code == 200


def test_sign_out_everywhere_from_the_command_line(app, pages, web, tmp_path):
    pages.sign_in(web.student)
    saved = _saved_cookie(pages)
    env = {
        "GRADER_DATABASE_URL": web.svc.config.database_url,
        "GRADER_INSTANCE_PATH": str(tmp_path / "cli"),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-m", "grader", "users", "sign-out", "--name", "stu"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "every web session of 'stu' has ended" in done.stdout
    assert not _signed_in_with(app, saved)


def _other_process(world) -> Services:
    """Another service process on the same database: its own caches and counters."""
    return Services(world.svc.config)


def test_a_revoked_token_cached_elsewhere_cannot_mint_tokens(client, world):
    world.svc.config = replace(world.svc.config, auth_cache_s=60.0)
    headers = world.student.headers
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200  # now cached
    other = _other_process(world)
    try:
        users.revoke_token(other, world.student.actor, world.student.token_id)
    finally:
        other.close()
    # this process still holds the token in its cache, but sensitive actions look again
    response = client.post("/api/v1/tokens", json={"name": "more"}, headers=headers)
    assert response.status_code == 401
    assert (
        client.delete(f"/api/v1/tokens/{world.student.token_id}", headers=headers).status_code
        == 401
    )
    url = f"/api/v1/users/{world.student.id}/sign-out"
    assert client.post(url, headers=headers).status_code == 401
    with pytest.raises(Unauthorized):
        users.authenticate(world.svc, world.student.token, fresh=True)


def test_failed_sign_ins_are_counted_across_processes(world):
    one = SignInThrottle(world.svc.db, 5, 300)
    other = _other_process(world)
    try:
        two = SignInThrottle(other.db, 5, 300)
        for throttle in (one, two, one, two, one):
            throttle.attempt("stu", "10.0.0.1")
        with pytest.raises(TooManyRequests) as refused:
            two.attempt("stu", "10.0.0.1")
        assert int(refused.value.headers["Retry-After"]) > 0
        one.attempt("tess", "10.0.0.1")  # another account from the address: still allowed
    finally:
        other.close()


def test_the_per_user_rate_is_shared_across_processes(world):
    other = _other_process(world)
    try:
        one = RateLimiter(world.svc.db, 0.01, burst=3)
        two = RateLimiter(other.db, 0.01, burst=3)
        for limiter in (one, two, one):
            limiter.check(world.student.id)
        with pytest.raises(TooManyRequests):
            two.check(world.student.id)
        one.check(world.teacher.id)  # another user has a bucket of their own
    finally:
        other.close()
