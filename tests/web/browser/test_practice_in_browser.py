"""A practice session in a real browser, checked at desktop and phone widths: the reason for
each exercise, preview, the diagnosis and the mastery it moved, the worked solution, the next
exercise chosen from the mistake; the student's skills; the instructor's grid."""

from __future__ import annotations

import re

import pytest

from grader.db.practice import PracticeItem
from grader.engine.generate import builtin_templates, generate
from tests.web.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser


def _drawn(web, page):
    """The item on the page, regenerated from its template and seed (its answers known)."""
    action = page.locator("form.answers").get_attribute("action")
    item_id = int(re.search(r"/practice/items/(\d+)/answer", action).group(1))
    with web.svc.db.read() as session:
        row = session.get(PracticeItem, item_id)
        return generate(builtin_templates()[row.template], row.seed)


def test_a_practice_session_follows_the_diagnosed_mistake(page, live_url, web):
    from playwright.sync_api import expect

    sign_in(page, live_url, then=f"/courses/{web.course_id}")
    page.get_by_role("link", name="Practice").click()
    expect(page.locator("#practice-reason")).to_contain_text("Why this exercise")
    page.get_by_label("Practise").select_option("chain")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_role("heading", name="Practice: Chain rule")).to_be_visible()
    shot(page, "practice-01-chain")

    item = _drawn(web, page)
    box = page.locator("#answer-df-0")
    box.press_sequentially(item.mistakes["df"], delay=5)
    expect(page.locator("#answer-df-0-preview math")).to_be_visible()
    page.get_by_role("button", name="Check my answer").click()
    feedback = page.locator("#practice-feedback")
    expect(feedback.locator(".diagnosis")).to_contain_text("(chain rule)")
    expect(feedback.locator(".mastery-moved")).to_contain_text("Chain rule: attempted")
    graph = feedback.locator("img.solution-graph").first
    expect(graph).to_be_visible()
    page.wait_for_function("() => document.querySelector('img.solution-graph').naturalWidth > 0")
    shot(page, "practice-02-diagnosed")

    page.get_by_role("link", name="Next exercise →").click()
    expect(page.locator("#practice-reason")).to_contain_text(
        "You forgot the inner derivative (1× recently): 3 more Chain rule exercises."
    )
    item = _drawn(web, page)
    page.locator("#answer-df-0").fill(item.answers["df"])
    page.get_by_role("button", name="Check my answer").click()
    expect(page.locator("#practice-feedback .badge.ok")).to_be_visible()
    shot(page, "practice-03-right")


def test_a_student_practises_on_a_phone_and_sees_their_skills(phone, live_url, web):
    from playwright.sync_api import expect

    sign_in(phone, live_url, then=f"/courses/{web.course_id}/practice?skill=power")
    item = _drawn(web, phone)
    phone.locator("#answer-df-0").fill(item.answers["df"])
    phone.get_by_role("button", name="Check my answer").click()
    expect(phone.locator("#practice-feedback")).to_contain_text("Power rule")
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the practice page scrolls sideways on a phone ({width}px)"
    shot(phone, "practice-04-phone")
    phone.get_by_role("link", name="All your skills").click()
    expect(phone.get_by_role("heading", name="Your skills")).to_be_visible()
    row = phone.get_by_role("row", name=re.compile("Power rule"))
    expect(row).to_contain_text("1")
    shot(phone, "practice-05-phone-skills")


def test_the_instructor_sees_the_skills_grid_and_misconceptions(page, live_url, web):
    from playwright.sync_api import expect

    from grader.services import practice

    served = practice.next_item(web.svc, web.student.actor, web.course_id, "chain")
    item = generate(builtin_templates()[served.item.template], served.item.seed)
    practice.submit(web.svc, web.student.actor, served.item.id, item.mistakes)
    sign_in(page, live_url, username="tess", then=f"/teach/courses/{web.course_id}")
    page.get_by_role("link", name="Skills × students").click()
    grid = page.get_by_role("table", name="Mastery by student and skill")
    expect(grid).to_contain_text("stu")
    expect(grid).to_contain_text("attempted")
    seen = page.get_by_role("table", name="Diagnosed misconceptions per week")
    expect(seen).to_contain_text("chain")
    shot(page, "practice-06-grid")


def test_the_instructor_makes_a_practice_assignment_on_the_assignment_form(phone, live_url, web):
    from playwright.sync_api import expect

    sign_in(phone, live_url, username="tess", then=f"/teach/courses/{web.course_id}")
    phone.get_by_role("link", name="New assignment").click()
    phone.get_by_label("Title").first.fill("Chain and product by Friday")
    phone.get_by_label("Kind").select_option("practice")
    goal = phone.get_by_role("group", name="Skills to reach")
    goal.get_by_label("Chain rule").check()
    goal.get_by_label("Product rule").check()
    phone.get_by_label("Level to reach in each").select_option("familiar")
    phone.get_by_label("Due (empty: no due date)").fill("2030-03-08T17:00")
    shot(phone, "practice-07-assignment-form")
    phone.get_by_role("button", name="Create assignment").click()
    expect(phone.get_by_text("Chain and product by Friday").first).to_be_visible()
    shot(phone, "practice-08-course")
