"""Steps and hints in a real browser (#26), at desktop and phone widths: a student opens a
part's steps in place, answers them, then the whole part; a wrong step carried into the
whole earns follow-through credit, right steps are shown how they combine; hints are a
disclosure list revealed one at a time, the penalty written on the button."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.services.assignments import assignment as assignments
from grader.services.exercises import library as exercises
from tests.web.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser

TUTORIAL = (Path(__file__).parents[3] / "exercises" / "tutorial-chain.yaml").read_text()
HINTED = TUTORIAL.replace(
    '    points: 1\n    mistakes:\n      - answer: "40"',
    "    points: 1\n    hints:\n      - Differentiate $y$ first.\n"
    '      - {text: "$dz/dy = 5$", penalty: 0.3}\n    mistakes:\n      - answer: "40"',
    1,
)


@pytest.fixture
def tutorial(web):
    """The tutorial's chain exercise, with two hints on its first part, assigned."""
    exercises.upload(web.svc, web.teacher.actor, HINTED)
    spec = {"exercise_id": "tutorial-chain"}
    web.tutorial_id = assignments.create_assignment(
        web.svc, web.teacher.actor, web.course_id, spec
    )["id"]
    return web


def _open_steps(tab, live_url, world) -> None:
    from playwright.sync_api import expect

    sign_in(tab, live_url, "stu", then=f"/assignments/{world.tutorial_id}")
    tab.locator("#answer-dz-formula-0").fill("20x")  # typed before: kept through the help
    button = tab.locator("#steps-button-dz-at-10")
    expect(button).to_have_text("Break it into steps: −20%")
    button.click()
    expect(tab.locator("#steps-dz-at-10")).to_be_visible()
    expect(tab.locator("#answer-dz-formula-0")).to_have_value("20x")
    expect(tab.locator("#steps-button-dz-at-10")).to_have_count(0)
    expect(tab.locator("#steps-button-dz-formula")).to_have_count(1)  # its own steps stay shut


def test_a_student_opens_steps_answers_one_wrong_and_earns_follow_through(page, live_url, tutorial):
    from playwright.sync_api import expect

    _open_steps(page, live_url, tutorial)
    shot(page, "steps-01-opened")
    page.locator("#answer-dz-at-10\\.1-0").fill("44")
    page.locator("#answer-dz-at-10\\.2-0").fill("5")
    page.locator("#answer-dz-at-10-0").fill("220")
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url("**/submissions/**")
    expect(page.locator(".diagnosis").first).to_contain_text(
        re.compile(r"Correct given your dy/dx\s*=\s*44 \(which was wrong: see step\s*1\)")
    )
    expect(page.locator("#step-result-dz-at-10\\.1")).to_contain_text("✗")
    expect(page.locator("#step-result-dz-at-10\\.2")).to_contain_text("✓")
    expect(page.locator("#help-penalty-dz-at-10")).to_contain_text("−20%")
    # 0.8 of part 1 (follow-through, less the step penalty) and part 2 right
    expect(page.locator("#score")).to_have_text("1.8 / 2")
    shot(page, "steps-02-follow-through")


def test_on_a_phone_right_steps_are_shown_how_they_combine(phone, live_url, tutorial):
    from playwright.sync_api import expect

    _open_steps(phone, live_url, tutorial)
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    phone.locator("#answer-dz-at-10\\.1-0").fill("4")
    phone.locator("#answer-dz-at-10\\.2-0").fill("5")
    phone.locator("#steps-check-dz-at-10").click()  # checked first, no attempt used
    expect(phone.locator("#step-verdict-dz-at-10\\.1")).to_contain_text("✗")
    expect(phone.locator("#step-verdict-dz-at-10\\.2")).to_contain_text("✓")
    phone.locator("#answer-dz-at-10\\.1-0").fill("40")
    phone.locator("#steps-check-dz-at-10").click()
    # all right: shown how they combine, before answering the whole
    expect(phone.locator("#steps-note-dz-at-10")).to_contain_text(re.compile(r"5\s*·\s*40"))
    expect(phone.locator("#answer-dz-formula-0")).to_have_value("20x")
    phone.locator("#answer-dz-at-10-0").fill("200")
    phone.get_by_role("button", name="Submit answers").click()
    phone.wait_for_url("**/submissions/**")
    expect(phone.locator("#steps-note-dz-at-10")).to_contain_text(
        re.compile(r"5\s*·\s*40\s*=\s*200")
    )
    expect(phone.locator("#score")).to_have_text("1.8 / 2")
    shot(phone, "steps-03-phone-combined")


@pytest.mark.parametrize("tab_name", ["page", "phone"])
def test_hints_are_a_disclosure_list_revealed_one_at_a_time(request, tab_name, live_url, tutorial):
    from playwright.sync_api import expect

    tab = request.getfixturevalue(tab_name)
    sign_in(tab, live_url, "stu", then=f"/assignments/{tutorial.tutorial_id}")
    tab.locator("#help-dz-at-10 summary").click()
    tab.get_by_role("button", name="Show hint 1: −10%").click()
    expect(tab.locator("#hint-dz-at-10-1")).to_contain_text("Differentiate")
    tab.get_by_role("button", name="Show hint 2: −30%").click()
    expect(tab.locator("#hint-dz-at-10-2")).to_be_visible()
    expect(tab.get_by_role("button", name="Show hint 3")).to_have_count(0)
    expect(tab.locator("#help-dz-at-10 summary")).to_contain_text("2 of 2 shown")
    shot(tab, f"steps-04-hints-{tab_name}")
