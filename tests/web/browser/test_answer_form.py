"""The answer form in Chromium: Enter, blank parts, coming back, closing, focus, the preview."""

from __future__ import annotations

import pytest

from grader.db.models import Assignment, Submission
from tests.web.browser.conftest import shot, sign_in
from tests.web.conftest import assign

pytestmark = pytest.mark.browser


def _attempts(web) -> int:
    with web.svc.db.read() as session:
        return session.query(Submission).count()


def _focused(page) -> str:
    return page.evaluate("() => document.activeElement.id")


def test_enter_moves_to_the_next_blank_box_and_submits_when_all_are_filled(page, live_url, web):
    from playwright.sync_api import expect

    sign_in(page, live_url, then=f"/assignments/{web.assignment_id}")
    page.locator("#answer-dz-at-10-0").fill("200")
    page.keyboard.press("Enter")
    assert _focused(page) == "answer-dz-0" and _attempts(web) == 0
    page.keyboard.type("20 x")
    page.keyboard.press("Enter")
    assert _focused(page) == "answer-grad-0" and _attempts(web) == 0
    page.keyboard.type("20*x")
    page.keyboard.press("Enter")
    expect(page.locator("#score")).to_have_text("3 / 3")
    assert _attempts(web) == 1


def test_enter_skips_filled_boxes_and_wraps_to_an_earlier_blank_one(page, live_url, web):
    sign_in(page, live_url, then=f"/assignments/{web.assignment_id}")
    page.locator("#answer-dz-0").fill("20x")
    page.locator("#answer-grad-0").fill("20x")
    page.locator("#answer-dz-0").press("Enter")
    assert _focused(page) == "answer-dz-at-10-0" and _attempts(web) == 0


def test_submitting_with_blank_parts_asks_first(page, live_url, web):
    from playwright.sync_api import expect

    sign_in(page, live_url, then=f"/assignments/{web.assignment_id}")
    page.locator("#answer-dz-at-10-0").fill("200")
    page.get_by_role("button", name="Submit answers").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("2 parts are blank (Part 2, Part 3) — submit anyway?")
    shot(page, "blank-parts-dialog")
    dialog.get_by_role("button", name="Go back and fill them in").click()
    expect(dialog).to_be_hidden()
    assert _focused(page) == "answer-dz-0" and _attempts(web) == 0
    page.get_by_role("button", name="Submit answers").click()
    dialog.get_by_role("button", name="Submit anyway").click()
    expect(page.locator("#score")).to_have_text("1 / 3")
    assert _attempts(web) == 1


def test_blank_parts_are_asked_about_without_javascript(browser, live_url, web):
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_url, then=f"/assignments/{web.assignment_id}")
        page.locator("#answer-dz-at-10-0").fill("200")
        page.locator("#answer-dz-at-10-0").press("Enter")  # the browser's own submit
        expect(page.get_by_role("alert")).to_contain_text("2 parts are blank")
        assert _attempts(web) == 0 and _focused(page) == "answer-dz-0"
        expect(page.locator("#answer-dz-at-10-0")).to_have_value("200")
        page.get_by_role("button", name="Submit anyway").click()
        expect(page.locator("#score")).to_have_text("1 / 3")
        assert _attempts(web) == 1
    finally:
        context.close()


def test_try_again_brings_back_all_six_sigmoid_answers(page, live_url, web):
    from playwright.sync_api import expect

    aid = assign(web, "sigmoid-neuron")
    sign_in(page, live_url, then=f"/assignments/{aid}")
    typed = {
        "#answer-grad-0": "sigmoid(w x + b)(1 - sigmoid(w x + b)) w",  # w and x swapped
        "#answer-grad-1": "sigmoid(w x + b)(1 - sigmoid(w x + b))",
        "#answer-grad-2": "sigmoid(w x + b)(1 - sigmoid(w x + b)) x",
        "#answer-grad-at-point-0": "-1/4",
        "#answer-grad-at-point-1": "1/4",
        "#answer-grad-at-point-2": "1/2",
    }
    for box, text in typed.items():
        page.locator(box).fill(text)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator("#score")).to_be_visible()
    page.get_by_role("link", name="Try again").click()
    for box, text in typed.items():
        expect(page.locator(box)).to_have_value(text)
    right = page.locator("fieldset.was-right")
    expect(right).to_have_count(1)
    expect(right).to_contain_text("right last time")
    shot(page, "try-again-prefilled")


def test_no_attempts_left_closes_the_form_and_the_home_badge(page, live_url, web):
    from playwright.sync_api import expect

    with web.svc.db.write() as session:
        session.get(Assignment, web.assignment_id).max_attempts = 1
    sign_in(page, live_url, then=f"/assignments/{web.assignment_id}")
    for box, text in (("dz-at-10", "200"), ("dz", "4x"), ("grad", "20x")):
        page.locator(f"#answer-{box}-0").fill(text)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator("#closed")).to_have_text("No attempts left.")
    expect(page.get_by_role("link", name="Try again")).to_have_count(0)
    page.get_by_role("link", name="The exercise").click()
    expect(page.locator("#closed-reason")).to_contain_text("You have used all 1 attempt")
    for box in page.locator("input[data-part]").all():
        expect(box).to_be_disabled()
    expect(page.get_by_role("button", name="Submit answers")).to_be_disabled()
    shot(page, "no-attempts-left")
    page.goto(live_url + "/")
    expect(page.locator("td .badge").first).to_have_text("done: no attempts left")


def test_a_refused_submission_puts_focus_on_the_first_unreadable_answer(page, live_url, web):
    from playwright.sync_api import expect

    sign_in(page, live_url, then=f"/assignments/{web.assignment_id}")
    page.locator("#answer-dz-at-10-0").fill("200")
    page.locator("#answer-dz-0").fill("4x+")
    page.locator("#answer-grad-0").fill("20x")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("no attempt was used")).to_be_visible()
    expect(page.locator("#answer-dz-0")).to_be_focused()  # autofocus: once the page settles


def test_the_preview_announces_only_settled_states(page, live_url, web):
    from playwright.sync_api import expect

    sign_in(page, live_url, then=f"/assignments/{web.assignment_id}")
    page.evaluate(
        "() => { window.spoken = []; const s = document.getElementById('preview-status');"
        " new MutationObserver(() => window.spoken.push(s.textContent))"
        ".observe(s, {childList: true, characterData: true, subtree: true}); }"
    )
    box = page.locator("#answer-dz-0")
    preview = page.locator("#answer-dz-0-preview .error")
    box.press_sequentially("4x*", delay=30)
    expect(preview).to_be_visible()  # shown while typing...
    transient = preview.inner_text()
    page.wait_for_timeout(400)
    box.press_sequentially("x", delay=30)
    expect(page.locator("#answer-dz-0-preview")).to_contain_text("We read your answer as")
    page.wait_for_function("() => window.spoken.length > 0", timeout=5000)
    spoken = page.evaluate("() => window.spoken")
    assert all(transient not in text for text in spoken), spoken  # ...never announced
    assert spoken[-1] == "dz/dx: read as 4*x*x"
    box.press_sequentially("+", delay=30)
    box.blur()  # a state that stays is announced (leaving the box, or a pause)
    page.wait_for_function("() => !window.spoken[window.spoken.length - 1].includes('read as')")
