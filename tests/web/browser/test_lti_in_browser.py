"""An LTI launch in a real browser: the LMS's login, the auto-posted id_token, the landing
page that goes on to the exercise, and "open in a new window" when the cookie is blocked."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from grader.db.integrations import LtiContext
from grader.services.integrations.lti import platforms as lti_platforms
from tests.lti.conftest import allow_loopback
from tests.lti.fake_platform import CLAIM, CLIENT_ID, DEPLOYMENT, FakePlatform

pytestmark = pytest.mark.browser


@pytest.fixture
def lms(web, live_url):
    """A fake LMS whose course `course-1` is `web`'s course, with its assignment placed."""
    import httpx

    allow_loopback(web)
    fake = FakePlatform(lambda: httpx.get(live_url + "/lti/jwks").json()).start()
    fake.tool_url = live_url
    fake.auth_claims = {CLAIM + "custom": {"assignment_id": str(web.assignment_id)}}
    platform = lti_platforms.register(web.svc, **fake.registration())
    with web.svc.db.write() as session:
        session.add(
            LtiContext(
                platform_id=platform.id,
                deployment_id=DEPLOYMENT,
                context_id="course-1",
                course_id=web.course_id,
            )
        )
    yield fake
    fake.stop()


def login_url(live_url: str, lms: FakePlatform) -> str:
    query = {
        "iss": lms.issuer,
        "login_hint": "u1",
        "target_link_uri": f"{live_url}/lti/launch",
        "client_id": CLIENT_ID,
    }
    return f"{live_url}/lti/login?{urlencode(query)}"


def test_a_launch_lands_on_the_exercise_signed_in(page, live_url, lms, web):
    from playwright.sync_api import expect

    page.goto(login_url(live_url, lms))
    page.wait_for_url(f"**/assignments/{web.assignment_id}")
    expect(page.locator(".statement")).to_be_visible()
    expect(page.get_by_text("(student)")).to_be_visible()


def test_a_blocked_cookie_offers_a_new_window_that_signs_in_once(page, live_url, lms, web):
    from playwright.sync_api import expect

    # the browser kept no cookie inside the LMS frame: the session check says so
    page.route("**/lti/session", lambda route: route.fulfill(json={"signed_in": False}))
    page.goto(login_url(live_url, lms))
    link = page.get_by_role("link", name="Open in a new window")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    with page.expect_popup() as opened:
        link.click()
    window = opened.value
    window.wait_for_url(f"**/assignments/{web.assignment_id}")
    expect(window.locator(".statement")).to_be_visible()
    again = window.context.new_page()
    again.goto(live_url + href)  # the code works once
    expect(again.get_by_text("already used")).to_be_visible()
