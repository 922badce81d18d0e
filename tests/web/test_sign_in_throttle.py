"""The sign-in throttle holds under parallel load (each attempt is counted atomically before
the password is checked), per account and per address separately, and a shared address under
attack does not shut out the people who use it; behind a configured proxy the client's own
address counts."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from grader.services.accounts import users
from grader.services.errors import TooManyRequests, Unauthorized
from grader.services.infra.ratelimit import SignInThrottle
from tests.web.conftest import PASSWORD


def test_sixty_parallel_wrong_passwords_get_exactly_the_limit_of_checks(web):
    throttle = SignInThrottle(web.svc.db, 5, 300)
    checked, refused, lock = [], [], threading.Lock()

    def one(_):
        try:
            throttle.attempt("stu", "10.9.9.9")
        except TooManyRequests:
            with lock:
                refused.append(1)
            return
        with lock:
            checked.append(1)
        try:
            users.sign_in(web.svc, "stu", "wrong password")
        except Unauthorized:
            pass

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(one, range(60)))
    assert len(checked) == 5 and len(refused) == 55


def _guess(client, csrf, username, password, address):
    data = {"csrf_token": csrf, "username": username, "password": password}
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address})


def _fresh(app):
    client = app.test_client()
    with client.session_transaction() as session:
        session["csrf"] = "t"
    return client


def test_random_usernames_from_one_address_do_not_lock_out_its_known_users(app, web):
    address = "203.0.113.7"  # a school's NAT
    teacher = _fresh(app)
    assert _guess(teacher, "t", "tess", PASSWORD, address).status_code == 303  # earlier, once
    attacker = _fresh(app)
    for _ in range(50):
        name = "x" + secrets.token_hex(4)
        assert _guess(attacker, "t", name, "guess", address).status_code == 401
    # the address is now locked for browsers it has not seen sign anyone in
    assert _guess(attacker, "t", "stu", "guess", address).status_code == 429
    assert _guess(_fresh(app), "t", "stu", PASSWORD, address).status_code == 429
    # the teacher's browser proves she signed in here before: her right password still works
    assert _guess(_fresh_with(app, teacher), "t", "tess", PASSWORD, address).status_code == 303
    # and the student elsewhere is untouched
    assert _guess(_fresh(app), "t", "stu", PASSWORD, "198.51.100.4").status_code == 303


def _fresh_with(app, other):
    """A new session in the same browser: `other`'s device cookie, nothing else."""
    client = _fresh(app)
    cookie = other.get_cookie("grader_device", path="/login")
    assert cookie is not None
    client.set_cookie("grader_device", cookie.value, path="/login")
    return client


def test_a_known_device_still_meets_the_per_account_and_address_limit(app, web):
    browser = _fresh(app)
    assert _guess(browser, "t", "stu", PASSWORD, "10.1.1.1").status_code == 303
    guesser = _fresh_with(app, browser)
    for _ in range(5):
        assert _guess(guesser, "t", "stu", "wrong", "10.1.1.1").status_code == 401
    assert _guess(guesser, "t", "stu", PASSWORD, "10.1.1.1").status_code == 429


def test_a_forged_device_cookie_counts_for_nothing(app, web):
    client = _fresh(app)
    client.set_cookie("grader_device", "stu.forged", path="/login")
    for _ in range(50):
        _guess(client, "t", "y" + secrets.token_hex(4), "guess", "10.2.2.2")
    assert _guess(client, "t", "stu", PASSWORD, "10.2.2.2").status_code == 429


def test_behind_a_configured_proxy_each_client_address_is_throttled_apart(web):
    from grader.app import create_app

    web.svc.config = replace(web.svc.config, web=replace(web.svc.config.web, proxy_hops=1))
    app = create_app(services=web.svc)
    app.config["TESTING"] = True
    client = _fresh(app)

    def via(forwarded, password="wrong"):
        data = {"csrf_token": "t", "username": "stu", "password": password}
        headers = {"X-Forwarded-For": forwarded}
        return client.post(
            "/login", data=data, headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"}
        )

    for _ in range(5):
        assert via("192.0.2.10").status_code == 401
    assert via("192.0.2.10", PASSWORD).status_code == 429
    assert via("192.0.2.20", PASSWORD).status_code == 303  # another client of the proxy


def test_without_a_configured_proxy_the_forwarded_header_is_ignored(app, web):
    client = _fresh(app)
    for i in range(5):
        data = {"csrf_token": "t", "username": "stu", "password": "wrong"}
        headers = {"X-Forwarded-For": f"192.0.2.{i}"}  # spoofed: each guess "from" elsewhere
        client.post("/login", data=data, headers=headers, environ_base={"REMOTE_ADDR": "10.3.3.3"})
    assert _guess(client, "t", "stu", PASSWORD, "10.3.3.3").status_code == 429
