"""The instructor's path in a real browser: a course, a roster, an exercise written with a
mistake and fixed, two seeds previewed, an assignment, then the gradebook and what the class
got wrong."""

from __future__ import annotations

import re

import pytest

from grader.services.grading import submissions
from tests.helpers import FIXTURES
from tests.web.browser.conftest import (
    DESKTOP_CONTEXT,
    PHONE_CONTEXT,
    _checked_tab,
    axe_problems,
    shot,
    sign_in,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, request, live_url):
    """A desktop tab that lets the test inject axe-core past the page's CSP (checked like
    every tab: page_checks; the server stays up for the checks)."""
    yield from _checked_tab(
        browser, request, {**DESKTOP_CONTEXT, "bypass_csp": True}, PHONE_CONTEXT
    )


ROSTER = (
    "username,role,display_name,password\n"
    "ann,student,Ann A.,ann-password-1\n"
    "bob,student,Bob B.,bob-password-1\n"
    "cyd,student,,cyd-password-1\n"
)
# the exercise as first typed, with a mistake in its definition (^^)
EXERCISE = (FIXTURES / "scaled-square.yaml").read_text().replace("a*x^2", "a*x^^2")


def test_instructor_runs_a_course_from_the_browser(page, live_url, web):
    from playwright.sync_api import expect

    sign_in(page, live_url, "tess", then="/teach")
    expect(page.get_by_role("heading", name="Teach", exact=True)).to_be_visible()
    page.get_by_label("Title").fill("Backprop 101")
    page.get_by_role("button", name="Create course").click()
    expect(page.get_by_role("heading", name="Backprop 101")).to_be_visible()
    course_url = page.url

    page.get_by_label("Roster (paste CSV)").fill(ROSTER)
    page.get_by_role("button", name="Check (dry run)").click()
    expect(page.locator("#roster-result")).to_contain_text("every row is right")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#roster-result")).to_contain_text("3 change(s) made")
    for name in ("ann", "bob", "cyd"):
        expect(page.get_by_role("cell", name=name, exact=True).first).to_be_visible()
    shot(page, "i01-course-roster")
    assert axe_problems(page) == []

    page.goto(live_url + "/teach/exercises/new")
    page.get_by_label("Exercise YAML").fill(EXERCISE)
    page.get_by_role("button", name="Check", exact=True).click()
    line = EXERCISE.splitlines().index("  y: a*x^^2") + 1
    problem_line = page.locator(f"#line-{line}")
    expect(problem_line).to_have_class(re.compile("bad"))
    expect(page.get_by_role("link", name=f"line {line}")).to_be_visible()
    shot(page, "i02-editor-problem-at-line")
    page.get_by_label("Exercise YAML").fill(EXERCISE.replace("a*x^^2", "a*x^2"))
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("Saved as version 1.")).to_be_visible()

    page.get_by_role("link", name="Preview", exact=True).click()
    expect(page.get_by_text("Self-tests: all pass")).to_be_visible()
    params = page.locator(".side-by-side section p.muted code")
    expect(params).to_have_count(2)
    first, second = params.nth(0).inner_text(), params.nth(1).inner_text()
    assert first.startswith("a = ") and first != second
    shot(page, "i03-preview-two-seeds")

    page.goto(course_url)
    page.get_by_role("link", name="New assignment").click()
    page.get_by_label("Exercise (type to search the library)").fill("scaled-square")
    page.get_by_label("Attempts allowed (empty: no limit)").fill("3")
    page.get_by_label("Students see the correct answer").select_option("after_last_attempt")
    page.get_by_role("button", name="Create assignment").click()
    expect(page.get_by_text("Assignment created.")).to_be_visible()
    expect(page.get_by_role("cell", name="after the last attempt")).to_be_visible()

    assignment_id = int(page.locator("tr[id^=assignment-]").first.get_attribute("id").split("-")[1])
    people = {p.username: p for p in _students(web)}
    for name, answer in (("ann", "2*x"), ("bob", "x*2"), ("cyd", "2x+1")):
        submissions.submit(web.svc, people[name], assignment_id, {"dy": answer})
    submissions.submit(web.svc, people["ann"], assignment_id, {"dy": "2a x"})

    page.get_by_role("link", name="Gradebook").click()
    expect(page.get_by_role("rowheader", name=re.compile("^ann"))).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(3)
    shot(page, "i04-gradebook")
    assert axe_problems(page) == []

    page.goto(course_url)
    page.get_by_role("link", name="Analytics").click()
    expect(page.locator("svg.chart")).to_be_visible()
    # the wrong-answer groups, not the item-statistics table above them
    groups = page.locator("table:not(#item-statistics) tbody tr")
    expect(groups).to_have_count(2)
    expect(groups.nth(0).locator("td").nth(1)).to_have_text("2")  # 2*x and x*2: one group
    expect(groups.nth(1)).to_contain_text("2x+1")
    shot(page, "i05-analytics")
    assert axe_problems(page) == []
    # the only error status is the editor's 422 for the exercise with the mistake
    assert [f.split()[0] for f in page.failed] == ["422"]
    assert page.failed[0].endswith("/teach/exercises/edit")


def _students(web):
    from grader.db.models import User
    from grader.services.context import Actor

    with web.svc.db.read() as session:
        rows = session.query(User).filter(User.username.in_(["ann", "bob", "cyd"])).all()
        return [Actor(u.id, u.username, u.role) for u in rows]
