"""LTI 1.3 login and launch: valid launches sign users in; every invalid one is a 4xx page
that says why (the scenarios of shared/notes/lti13.md)."""

from __future__ import annotations

import time

import jwt
import pytest
from sqlalchemy import select

from grader.db.models import Membership, User
from grader.services.integrations.lti import platforms as lti_platforms
from tests.lti.conftest import link_assignment
from tests.lti.fake_platform import CLAIM, CLIENT_ID, INSTRUCTOR, LEARNER, RsaKey


def test_login_initiation_by_get_redirects_to_the_platform_with_every_parameter(lms):
    auth = lms.auth_request(lms.login("GET"))
    assert auth["scope"] == "openid" and auth["response_type"] == "id_token"
    assert auth["response_mode"] == "form_post" and auth["prompt"] == "none"
    assert auth["client_id"] == CLIENT_ID and auth["login_hint"] == "hint-1"
    assert auth["lti_message_hint"] == "msg-hint-1"  # sent back unchanged
    assert auth["redirect_uri"] == "http://localhost/lti/launch"
    assert len(auth["state"]) > 30 and len(auth["nonce"]) > 30


def test_login_initiation_by_post_works_too_and_sets_a_cross_site_state_cookie(lms):
    response = lms.login("POST")
    lms.auth_request(response)
    cookie = response.headers["Set-Cookie"]
    assert "lti_state=" in cookie and "SameSite=None" in cookie
    assert "Secure" in cookie and "Partitioned" in cookie and "HttpOnly" in cookie


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"iss": "https://unknown.example"}, 403, "no LMS platform"),
        ({"client_id": "someone-else"}, 403, "no LMS platform"),
        ({"target_link_uri": "https://evil.example/lti/launch"}, 400, "not a page of this tool"),
        ({"login_hint": ""}, 400, "login_hint"),
        ({"lti_deployment_id": "dep-unknown"}, 403, "deployment"),
    ],
)
def test_a_bad_login_initiation_is_refused_with_the_reason(lms, page_text, params, status, words):
    response = lms.login(**params)
    assert response.status_code == status
    assert words.lower() in page_text(response)


def test_a_learner_launch_signs_in_a_new_student_of_a_new_course(lms, world, page_text):
    response = lms.launch(LEARNER)
    assert response.status_code == 200
    assert "not set up yet" in page_text(response).lower()  # no assignment linked yet
    with world.svc.db.read() as session:
        user = session.scalar(select(User).where(User.username.like("Ada-%")))
        assert user.role == "student" and user.password_hash is None
        member = session.scalar(select(Membership).where(Membership.user_id == user.id))
        assert member.role == "student"


def test_a_launch_of_a_linked_activity_lands_on_the_exercise_signed_in(lms, world, client):
    lms.launch(LEARNER)
    link_assignment(world)
    response = lms.launch(LEARNER)
    assert response.status_code == 200
    target = f"/assignments/{world.assignment_id}"
    assert f'href="{target}"' in response.get_data(as_text=True)
    cookie = [c for c in response.headers.getlist("Set-Cookie") if "grader_session" in c][0]
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie
    page = client.get(target)
    assert page.status_code == 200
    # the LMS (and only it) may frame the pages of this session
    policy = page.headers["Content-Security-Policy"]
    assert f"frame-ancestors {lms.platform.url}" in policy and "X-Frame-Options" not in page.headers


def test_an_instructor_launch_makes_a_course_instructor_who_picks_the_exercise(
    lms, world, page_text
):
    response = lms.launch(INSTRUCTOR, sub="teacher-1", given_name="Grace")
    assert response.status_code == 200
    assert "choose an exercise" in page_text(response)
    with world.svc.db.read() as session:
        user = session.scalar(select(User).where(User.username.like("Grace-%")))
        assert user.role == "student"  # site-wide: a launch never grants more
        member = session.scalar(select(Membership).where(Membership.user_id == user.id))
        assert member.role == "instructor"


def test_an_unlinked_activity_is_linked_by_the_instructor_and_opened(lms, world, client):
    import re

    page = lms.launch(INSTRUCTOR, sub="teacher-1").get_data(as_text=True)
    code = re.search(r'name="code" value="([^"]+)"', page).group(1)
    response = client.post("/lti/link", data={"code": code, "exercise_id": "chain-rule-intro"})
    assert response.status_code == 303
    assert client.get(response.headers["Location"]).status_code == 200
    again = client.post("/lti/link", data={"code": code, "exercise_id": "chain-rule-intro"})
    assert again.status_code == 400  # the form's code works once
    student = lms.launch(LEARNER)  # students now land on it
    assert response.headers["Location"] in student.get_data(as_text=True)


def test_open_in_a_new_window_signs_in_once_with_a_short_lived_code(lms, world, app):
    import re

    lms.launch(LEARNER)
    link_assignment(world)
    page = lms.launch(LEARNER).get_data(as_text=True)
    href = re.search(r'href="(/lti/open/[^"]+)"', page).group(1)
    fresh = app.test_client()  # a new window: none of the frame's cookies
    response = fresh.get(href)
    assert response.status_code == 303
    assert fresh.get(response.headers["Location"]).status_code == 200
    assert app.test_client().get(href).status_code == 400  # used up


def test_jwks_publishes_the_signing_key_and_keeps_a_rotated_one_until_retired(client, world):
    from grader.services.integrations.lti import keys as lti_keys

    first = client.get("/lti/jwks").get_json()["keys"]
    assert len(first) == 1 and first[0]["alg"] == "RS256" and "d" not in first[0]
    new = lti_keys.rotate(world.svc)
    kids = {k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]}
    assert kids == {first[0]["kid"], new.kid}
    assert lti_keys.signing_key(world.svc).kid == new.kid
    lti_keys.retire(world.svc, first[0]["kid"])
    assert [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]] == [new.kid]


def test_the_signing_key_cannot_be_retired(world):
    from grader.services.errors import Conflict
    from grader.services.integrations.lti import keys as lti_keys

    with pytest.raises(Conflict):
        lti_keys.retire(world.svc, lti_keys.signing_key(world.svc).kid)


def test_a_platform_key_rotation_is_followed_by_refetching_on_an_unknown_kid(lms, monkeypatch):
    monkeypatch.setattr(lti_platforms, "REFETCH_MIN_S", 0.0)
    assert lms.launch().status_code == 200
    lms.platform.rotate()
    assert lms.launch().status_code == 200
    assert lms.platform.jwks_requests == 2


def test_a_key_rotated_under_the_same_kid_is_refetched_once(lms, monkeypatch):
    """The platform replaces its key but keeps the kid: the cached key no longer verifies;
    the keys are fetched once more (bounded per platform) and the launch goes through."""
    monkeypatch.setattr(lti_platforms, "REFETCH_MIN_S", 0.0)
    assert lms.launch().status_code == 200
    kid = lms.platform.key.kid
    lms.platform.key = RsaKey()
    lms.platform.key.kid = kid
    lms.platform.published = [lms.platform.key]
    assert lms.launch().status_code == 200
    assert lms.platform.jwks_requests == 2


def test_a_bad_signature_refetches_at_most_once_per_interval(lms, page_text):
    assert lms.launch().status_code == 200
    forged = RsaKey()
    forged.kid = lms.platform.key.kid
    for _ in range(5):
        response = lms.launch(key=forged)
        assert response.status_code == 401 and "signature" in page_text(response)
    assert lms.platform.jwks_requests <= 2  # forged tokens cannot make us hammer the LMS


def now() -> int:
    return int(time.time())


# Times are read when the test runs (a lambda), not when the module is collected: a long
# suite reaches these tests minutes later, and "too old" must not have expired by then.
REFUSALS = {
    "expired": (lambda: {"exp": now() - 3600, "iat": now() - 4000}, 401, "expired"),
    "future": (lambda: {"iat": now() + 3600, "exp": now() + 7200}, 401, "future"),
    "too old": (lambda: {"iat": now() - 3000, "exp": now() + 300}, 401, "too long ago"),
    "wrong aud": ({"aud": "another-tool"}, 401, "not meant for this tool"),
    "several aud, no azp": ({"aud": [CLIENT_ID, "other"]}, 401, "no azp"),
    "several aud, wrong azp": ({"aud": [CLIENT_ID, "other"], "azp": "other"}, 401, "azp"),
    "wrong azp": ({"azp": "other"}, 401, "azp"),
    "wrong iss": ({"iss": "https://evil.example"}, 401, "issuer"),
    "exp a numeric string": (lambda: {"exp": str(now() + 300)}, 401, "exp is not a number"),
    "iat a numeric string": (lambda: {"iat": str(now())}, 401, "iat is not a number"),
    "exp true": ({"exp": True}, 401, "exp is not a number"),
    "unknown deployment": ({CLAIM + "deployment_id": "dep-x"}, 403, "deployment"),
    "message type": ({CLAIM + "message_type": "LtiSubmissionReviewRequest"}, 400, "message type"),
    "version": ({CLAIM + "version": "1.1"}, 400, "version"),
    "no resource link": ({CLAIM + "resource_link": None}, 400, "resource_link"),
    "resource link without id": ({CLAIM + "resource_link": {"title": "x"}}, 400, "resource_link"),
    "no roles": ({CLAIM + "roles": None}, 400, "roles"),
    "foreign target": (
        {CLAIM + "target_link_uri": "https://evil.example/x"},
        400,
        "target_link_uri",
    ),
    "no sub": ({"sub": None}, 400, "anonymous"),
    "no context": ({CLAIM + "context": None}, 400, "context"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_an_invalid_id_token_is_refused_with_a_page_saying_why(lms, page_text, case):
    claims, status, words = REFUSALS[case]
    response = lms.launch(**(claims() if callable(claims) else claims))
    assert response.status_code == status, page_text(response)
    assert words.lower() in page_text(response)
    with lms.client.session_transaction() as session:
        assert "uid" not in session  # nobody was signed in


def test_a_bad_signature_is_refused(lms, page_text):
    auth = lms.begin()
    forged = RsaKey()
    forged.kid = lms.platform.key.kid  # the platform's kid, someone else's key
    token = lms.platform.id_token(lms.platform.claims(auth["nonce"]), forged)
    response = lms.post(token, auth["state"])
    assert response.status_code == 401 and "signature" in page_text(response)


def test_an_unknown_kid_is_refused(lms, page_text):
    response = lms.launch(key=RsaKey())
    assert response.status_code == 401 and "key" in page_text(response)


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_unsigned_and_hmac_tokens_are_refused(lms, page_text, alg):
    auth = lms.begin()
    claims = lms.platform.claims(auth["nonce"])
    if alg == "none":
        token = jwt.encode(claims, None, algorithm="none")
    else:  # the classic confusion: the platform's *public* key as an HMAC secret
        public = lms.platform.key.private.public_key().public_bytes(
            __import__("cryptography").hazmat.primitives.serialization.Encoding.PEM,
            __import__(
                "cryptography"
            ).hazmat.primitives.serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        token = jwt.api_jws.PyJWS().encode(
            __import__("json").dumps(claims).encode(),
            public[:32],
            algorithm="HS256",
            headers={"kid": lms.platform.key.kid},
        )
    response = lms.post(token, auth["state"])
    assert response.status_code == 401 and "rs256" in page_text(response)


def test_a_replayed_launch_is_refused(lms, page_text):
    auth = lms.begin()
    token = lms.platform.id_token(lms.platform.claims(auth["nonce"]))
    assert lms.post(token, auth["state"]).status_code == 200
    again = lms.post(token, auth["state"])
    assert again.status_code == 400 and "already used" in page_text(again)
    # ... and with a fresh state of its own, the old nonce does not match
    other = lms.begin()
    replay = lms.post(token, other["state"])
    assert replay.status_code == 401 and "nonce" in page_text(replay)


def test_a_nonce_we_never_issued_is_refused(lms, page_text):
    auth = lms.begin()
    token = lms.platform.id_token(lms.platform.claims("made-up-nonce"))
    response = lms.post(token, auth["state"])
    assert response.status_code == 401 and "nonce" in page_text(response)


def test_a_missing_or_mismatched_state_is_refused(lms, page_text, client):
    auth = lms.begin()
    token = lms.platform.id_token(lms.platform.claims(auth["nonce"]))
    missing = lms.post(token, "")
    assert missing.status_code == 400 and "no state" in page_text(missing)
    unknown = lms.post(token, "not-a-state-we-issued")
    assert unknown.status_code == 400 and "unknown" in page_text(unknown)
    forged = lms.post(token, auth["state"][:-4] + "AAAA")  # not signed by us
    assert forged.status_code == 400 and "unknown" in page_text(forged)
    lms.client.delete_cookie("lti_state", path="/lti/")  # a new browser cookie from here on
    other = lms.begin()
    mismatched = lms.post(token, auth["state"])  # the first login named the old cookie
    assert mismatched.status_code == 400 and "does not match" in page_text(mismatched)
    assert other


def test_a_launch_from_an_unregistered_platform_is_refused_at_login(lms, world, page_text):
    lti_platforms.delete_platform(world.svc, lti_platforms.list_platforms(world.svc).items[0].id)
    response = lms.login()
    assert response.status_code == 403 and "registered" in page_text(response)


def test_the_lti_pages_may_be_framed_by_registered_platforms_only(lms, client):
    response = lms.launch()
    assert f"frame-ancestors {lms.platform.url}" in response.headers["Content-Security-Policy"]
    plain = client.application.test_client().get("/login")
    assert "frame-ancestors 'none'" in plain.headers["Content-Security-Policy"]


def test_a_normal_sign_in_keeps_a_lax_session_cookie(pages, page_text):
    response = pages.sign_in(pages.world.student)
    cookie = [c for c in response.headers.getlist("Set-Cookie") if "grader_session" in c][0]
    assert "SameSite=Lax" in cookie and "Partitioned" not in cookie


@pytest.mark.parametrize(
    "token",
    ["not-a-jwt", "a.b.c", "x" * 70_000, "eyJhbGciOiJSUzI1NiJ9.e30.", ""],
    ids=["text", "three-parts", "huge", "empty-claims", "empty"],
)
def test_garbage_instead_of_an_id_token_is_a_4xx_page(lms, token):
    auth = lms.begin()
    response = lms.post(token, auth["state"])
    assert 400 <= response.status_code < 500
    assert "launch refused" in response.get_data(as_text=True).lower()


def test_a_platform_whose_keys_cannot_be_fetched_is_refused_not_crashed(lms, page_text):
    auth = lms.begin()
    token = lms.platform.id_token(lms.platform.claims(auth["nonce"]))
    lms.platform.stop()
    response = lms.post(token, auth["state"])
    assert response.status_code == 401 and "could not be fetched" in page_text(response)


def test_a_get_of_the_launch_url_is_a_page_not_a_crash(client):
    response = client.get("/lti/launch")
    assert response.status_code == 405


def test_a_login_initiation_for_a_shared_issuer_needs_the_client_id(lms, world, page_text):
    second = {**lms.platform.registration(), "client_id": "tool-client-2"}
    lti_platforms.register(world.svc, **second)
    response = lms.login(client_id="")
    assert response.status_code == 400 and "client_id" in page_text(response)


def test_an_attackers_unused_launch_posted_from_a_victims_browser_signs_no_one_in(
    lms, app, page_text
):
    """Login CSRF: the attacker starts a login in their own browser, keeps the id_token and
    state, and has the victim's browser post them. The victim's browser did not start that
    login, so nothing signs it in as the attacker, with or without a login cookie of its own."""
    auth = lms.begin()  # the attacker's browser
    token = lms.platform.id_token(lms.platform.claims(auth["nonce"], sub="attacker"))
    victim = app.test_client()
    response = victim.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert response.status_code == 401 and "window of its own" in page_text(response)
    assert victim.get("/lti/session").get_json() == {"signed_in": False}
    victim_lms = type(lms)(victim, lms.platform)
    victim_lms.begin()  # the victim has a login cookie of her own (another launch)
    response = victim.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert response.status_code == 400 and "does not match" in page_text(response)
    assert victim.get("/lti/session").get_json() == {"signed_in": False}
    # the attacker's own browser can still use it: nothing was burnt by the refusals
    assert lms.post(token, auth["state"]).status_code == 200


def test_a_browser_that_blocks_the_cookie_is_offered_the_same_login_in_a_new_window(
    lms, app, page_text
):
    """Safari in an LMS frame: the cookie set at login is not sent back. The launch is
    refused with a link that starts the same login in a window of its own, where the cookie
    is first-party, and the launch there goes through."""
    import html
    import re
    from urllib.parse import parse_qs, urlsplit

    auth = lms.begin()
    token = lms.platform.id_token(lms.platform.claims(auth["nonce"]))
    framed = app.test_client()  # the frame: its cookies are blocked
    response = framed.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert response.status_code == 401
    link = html.unescape(
        re.search(r'href="([^"]*/lti/login\\?[^"]*)"', response.get_data(as_text=True)).group(1)
    )
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert query["login_hint"] == "hint-1" and query["lti_message_hint"] == "msg-hint-1"
    window = type(lms)(app.test_client(), lms.platform)  # a top-level window
    again = window.auth_request(window.client.get(urlsplit(link).path, query_string=query))
    fresh = lms.platform.id_token(lms.platform.claims(again["nonce"]))
    assert window.post(fresh, again["state"]).status_code == 200


def test_login_initiation_keeps_no_state_and_is_rate_limited_per_address(lms, world):
    """No login state is stored; the address's one counter row is counted up to the first
    refusal, after which refusals come from memory (a flood writes nothing)."""
    from dataclasses import replace

    from sqlalchemy import func, select

    from grader.db.integrations import LtiOneTime
    from grader.db.models import SignInCounter

    world.svc.config = replace(
        world.svc.config, lti=replace(world.svc.config.lti, logins_per_minute=20)
    )
    with world.svc.db.read() as session:
        before = session.scalar(select(func.count()).select_from(LtiOneTime))
    responses = [lms.login(lti_deployment_id="") for _ in range(25)]
    codes = [r.status_code for r in responses]
    assert codes[:20] == [302] * 20 and set(codes[20:]) == {429}
    assert 1 <= int(responses[-1].headers["Retry-After"]) <= 60
    with world.svc.db.read() as session:
        assert session.scalar(select(func.count()).select_from(LtiOneTime)) == before
        counters = session.execute(select(SignInCounter.key, SignInCounter.count)).all()
    assert [(key, count) for key, count in counters if key.startswith("lti-login:")] == [
        ("lti-login:127.0.0.1", 21)
    ]
