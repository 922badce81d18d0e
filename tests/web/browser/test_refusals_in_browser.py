"""The pages that refuse something for issue #21, in a real browser at phone and desktop
width (page_checks: no sideways scroll, readable controls): a refused LTI launch, LMS logins
over their limit, too many wrong passwords, a roster import while another runs, and an
exercise broken for the student's parameters. Each says what happened and what to do."""

from __future__ import annotations

from dataclasses import replace

import pytest

from grader.services.infra import leases
from grader.services.infra.ratelimit import SignInThrottle
from tests.web.browser.conftest import sign_in
from tests.web.test_broken_exercise import bomb  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(params=["desktop", "phone"])
def tab(request):
    """A checked tab at desktop width, then at phone width (LTI pages are not revisited at
    the other width by the checks, and a POST's answer cannot be, so each width runs)."""
    return request.getfixturevalue("page" if request.param == "desktop" else "phone")


def _post(tab, url: str, fields: dict[str, str]) -> None:
    """Submit a form to `url` from the tab's page, as a browser posting it would."""
    tab.evaluate(
        """([url, fields]) => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = url;
            for (const [name, value] of Object.entries(fields)) {
                const input = document.createElement("input");
                input.type = "hidden";
                input.name = name;
                input.value = value;
                form.appendChild(input);
            }
            document.body.appendChild(form);
            form.submit();
        }""",
        [url, fields],
    )


def test_a_forged_lti_launch_is_refused_with_a_page_that_says_why(tab, live_url, web):
    from playwright.sync_api import expect

    tab.goto(live_url + "/login")
    _post(tab, live_url + "/lti/launch", {"id_token": "not.a.token", "state": "forged"})
    tab.wait_for_url("**/lti/launch")
    expect(tab.get_by_role("heading", name="Launch refused")).to_be_visible()
    expect(tab.get_by_role("alert")).to_contain_text(
        "This launch's state is unknown; launch the activity again from the LMS"
    )
    expect(tab.get_by_text("Open the activity again from your course in the LMS")).to_be_visible()
    expect(tab.get_by_text("(student)")).to_have_count(0)  # no one was signed in


def test_lms_logins_over_the_limit_get_a_slow_down_page(tab, live_url, web):
    from playwright.sync_api import expect

    web.svc.config = replace(web.svc.config, lti=replace(web.svc.config.lti, logins_per_minute=1))
    url = live_url + "/lti/login?iss=https%3A%2F%2Fnot-registered.example&login_hint=u1"
    first = tab.goto(url)
    assert first is not None and first.status == 400
    expect(tab.get_by_role("heading", name="Launch refused")).to_be_visible()
    second = tab.goto(url)
    assert second is not None and second.status == 429
    assert 1 <= int(second.headers["retry-after"]) <= 60
    expect(tab.get_by_role("heading", name="Slow down")).to_be_visible()
    expect(tab.get_by_role("alert")).to_contain_text("at most 1 a minute. Try again in")


def test_too_many_wrong_passwords_are_refused_on_the_sign_in_page(tab, live_url, web):
    from playwright.sync_api import expect

    web.svc.sign_in_throttle = SignInThrottle(web.svc.db, 2, 300)
    tab.goto(live_url + "/login")
    for _ in range(3):
        tab.get_by_label("Username").fill("stu")
        tab.get_by_label("Password").fill("not the password")
        tab.get_by_role("button", name="Sign in").click()
        tab.wait_for_load_state("domcontentloaded")
    expect(tab.get_by_role("alert")).to_contain_text("Too many failed sign-ins; try again in")
    expect(tab.get_by_label("Password")).to_be_visible()  # the form stays, to try later


def test_a_roster_import_during_another_is_refused_and_imports_nothing(tab, live_url, web):
    from playwright.sync_api import expect

    sign_in(tab, live_url, "tess", f"/teach/courses/{web.course_id}")
    tab.get_by_label("Roster (paste CSV)").fill("username,role\nann,student\n")
    with leases.held(web.svc.db, [f"roster:course:{web.course_id}"], 60):
        tab.get_by_role("button", name="Import", exact=True).click()
        expect(tab.get_by_role("heading", name="Not possible now")).to_be_visible()
    expect(tab.get_by_text("Another roster import into this course is running")).to_be_visible()
    expect(tab.get_by_text("nothing was imported")).to_be_visible()
    tab.go_back()
    tab.get_by_role("button", name="Import", exact=True).click()
    expect(tab.get_by_text("every row is right; 1 change(s) made")).to_be_visible()


def test_a_student_whose_parameters_break_the_exercise_is_told_so(tab, live_url, web, bomb):  # noqa: F811
    from playwright.sync_api import expect

    sign_in(tab, live_url, "stu", "/")
    response = tab.goto(f"{live_url}/assignments/{bomb}")
    assert response is not None and response.status == 409
    expect(tab.get_by_text("broken for your parameters")).to_be_visible()
    expect(tab.get_by_text("your instructor has been told")).to_be_visible()
