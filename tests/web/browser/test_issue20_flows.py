"""Flows of issue 20 in the browser, where people met them: an extension on the home page, the
same answers submitted again, removing people, and passwords (changed, and reset by an
instructor). Each runs at phone or desktop width; the page checks cover the other width."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grader.db.models import Assignment, utcnow
from grader.services.gradebook import scores as gradebook
from tests.web.browser.conftest import PASSWORD, shot, sign_in

pytestmark = pytest.mark.browser


def test_an_extension_shows_on_the_home_page(phone, live_url, web):
    from playwright.sync_api import expect

    due = utcnow() + timedelta(hours=3)
    with web.svc.db.write() as session:
        row = session.get(Assignment, web.assignment_id)
        row.max_attempts, row.due_at = 1, due
    sign_in(phone, live_url, then=f"/assignments/{web.assignment_id}")
    phone.locator("#answer-dz-0").fill("4x")
    phone.get_by_role("button", name="Submit answers").click()
    phone.get_by_role("button", name="Submit anyway").click()
    expect(phone.get_by_text("No attempts left.")).to_be_visible()
    later = due + timedelta(days=2)
    gradebook.set_extension(web.svc, web.teacher.actor, web.assignment_id, "stu", later, 2)
    phone.goto(live_url + "/")
    expect(phone.locator("td.attempts").first).to_have_text("1 used, 2 left")
    expect(phone.get_by_text(f"{later:%Y-%m-%d %H:%M} UTC")).to_be_visible()
    shot(phone, "30-extension-on-home")


def test_the_same_answers_again_show_their_feedback_and_use_no_attempt(page, live_url, web):
    from playwright.sync_api import expect

    sign_in(page, live_url, then=f"/assignments/{web.assignment_id}")
    for _ in range(2):
        page.locator("#answer-dz-at-10-0").fill("200")
        page.locator("#answer-dz-0").fill("4x")
        page.locator("#answer-grad-0").fill("20x")
        page.get_by_role("button", name="Submit answers").click()
        expect(page.get_by_role("heading", name="Attempt 1")).to_be_visible()
        page.goto(live_url + f"/assignments/{web.assignment_id}")
    page.locator("#answer-dz-0").fill("4x")  # the boxes hold the last answers already
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator("#notice")).to_contain_text("same answers as attempt 1")
    expect(page.locator("#attempts-left")).to_have_text("4")


def test_removing_asks_first_and_the_only_instructor_stays(page, live_url, web):
    from playwright.sync_api import expect

    sign_in(page, live_url, "tess", then=f"/teach/courses/{web.course_id}")
    people = page.locator("#member-tess")
    expect(people).to_contain_text("only instructor: add another before leaving")
    expect(people.get_by_role("link", name="Remove tess")).to_have_count(0)
    page.get_by_role("link", name="Remove stu").click()
    expect(page.get_by_role("heading", name="Remove stu (student) from Calculus?")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("#member-stu")).to_be_visible()
    page.get_by_role("link", name="Remove stu").click()
    page.get_by_role("button", name="Remove stu").click()
    expect(page.get_by_text("stu was removed from the course")).to_be_visible()
    expect(page.locator("#member-stu")).to_have_count(0)
    shot(page, "31-people-removed")


def test_a_student_changes_a_password_and_an_instructor_resets_one(browser, live_url, web):
    from playwright.sync_api import expect

    from tests.web.browser.conftest import checked_tab

    new = "my own new passphrase"
    with checked_tab(browser, phone=True) as tab:
        sign_in(tab, live_url)
        tab.get_by_role("link", name="stu (student)").click()
        tab.get_by_label("Current password").fill(PASSWORD)
        tab.get_by_label("New password", exact=False).first.fill(new)
        tab.get_by_label("New password again").fill(new)
        tab.get_by_role("button", name="Change password").click()
        expect(tab.locator("#account-notice")).to_contain_text("signed out everywhere else")
        shot(tab, "32-password-changed")
    with checked_tab(browser) as tab:
        sign_in(tab, live_url, "tess", then=f"/teach/courses/{web.course_id}")
        tab.get_by_role("link", name="Reset the password of stu").click()
        tab.get_by_role("button", name="Make a new password").click()
        given = tab.locator("#new-password").inner_text()
        assert len(given) == 16
    with checked_tab(browser) as tab:
        tab.goto(live_url + "/login")
        tab.get_by_label("Username").fill("stu")
        tab.get_by_label("Password").fill(given)
        tab.get_by_role("button", name="Sign in").click()
        expect(tab.get_by_role("heading", name="My courses")).to_be_visible()


def test_an_instructor_hands_a_student_a_one_time_sign_in_link(browser, live_url, web):
    """The instructor makes a link (desktop); the student opens it on a phone, signs in once,
    chooses a password and signs in with it later; the link then no longer works."""
    from playwright.sync_api import expect

    from tests.web.browser.conftest import checked_tab

    with checked_tab(browser) as tab:
        sign_in(tab, live_url, "tess", then=f"/teach/courses/{web.course_id}")
        tab.get_by_role("link", name="Reset the password of stu").click()
        tab.get_by_role("button", name="Make a one-time sign-in link").click()
        expect(tab.get_by_role("heading", name="New sign-in link for stu")).to_be_visible()
        link = tab.locator("#sign-in-link").inner_text()
        shot(tab, "33-sign-in-link-made")
    mine = "chosen after the link"
    with checked_tab(browser, phone=True) as tab:
        tab.goto(link)
        tab.get_by_role("button", name="Sign in as stu").click()
        expect(tab.locator("#account-notice")).to_contain_text("one-time link")
        expect(tab.get_by_label("Current password")).to_have_count(0)
        tab.get_by_label("New password", exact=False).first.fill(mine)
        tab.get_by_label("New password again").fill(mine)
        tab.get_by_role("button", name="Choose password").click()
        expect(tab.locator("#account-notice")).to_contain_text("Your password was changed")
        shot(tab, "34-password-chosen-after-link")
        tab.get_by_role("button", name="Sign out").click()
        tab.goto(link)
        expect(tab.get_by_role("alert")).to_contain_text("used already")
        tab.goto(live_url + "/login")
        tab.get_by_label("Username").fill("stu")
        tab.get_by_label("Password").fill(mine)
        tab.get_by_role("button", name="Sign in").click()
        expect(tab.get_by_role("heading", name="My courses")).to_be_visible()
