"""What every page looks like in Chromium: phone layout, contrast, focus, favicon, 404, links."""

from __future__ import annotations

import pytest

from tests.web.browser.conftest import contrast, shot, sign_in

pytestmark = pytest.mark.browser


def test_phone_courses_show_attempts_and_best_score_without_sideways_scrolling(
    phone, live_url, web
):
    from playwright.sync_api import expect

    sign_in(phone, live_url)
    for cell in ("td.attempts", "td.best"):
        box = phone.locator(cell).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, cell
    expect(phone.locator("td.attempts").first).to_contain_text("5 left")
    assert (
        phone.locator("td.attempts").first.evaluate("e => getComputedStyle(e, '::before').content")
        == '"Attempts"'
    )
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the home page scrolls sideways on a phone ({width}px)"
    shot(phone, "phone-home-cards")


def test_code_chips_and_focus_rings_have_enough_contrast(page, live_url, web):
    page.goto(live_url + "/login")
    sign_in(page, live_url, then=f"/assignments/{web.assignment_id}")
    chip = page.locator(".hint code").first
    colour, background = chip.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    )
    assert contrast(colour, background) >= 4.5
    page.locator("#answer-dz-0").focus()
    page.keyboard.press("Shift+Tab")  # keyboard focus: :focus-visible draws the ring
    for _ in range(3):
        page.keyboard.press("Tab")
        ring = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, s.outlineColor, s.outlineWidth]; }"
        )
        assert ring[0] != "none" and float(ring[2].rstrip("px")) >= 2
        assert contrast(ring[1], "rgb(255, 255, 255)") >= 3, ring
    page.locator(".brand").focus()
    header_ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineColor")
    header = page.evaluate("() => getComputedStyle(document.querySelector('.top')).backgroundColor")
    assert contrast(header_ring, header) >= 3


def test_no_request_fails_on_a_fresh_load_favicon_included(page, live_url, web):
    sign_in(page, live_url)
    for url in ("/", f"/courses/{web.course_id}", f"/assignments/{web.assignment_id}"):
        page.goto(live_url + url)
        page.wait_for_load_state("networkidle")
    assert page.failed == []
    icon = page.evaluate("() => document.querySelector('link[rel=icon]').href")
    assert page.request.get(icon).status == 200


def test_unknown_address_shows_the_styled_404_page(page, live_url, web):
    from playwright.sync_api import expect

    response = page.goto(live_url + "/assignments/1/nothing-here")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    background = page.evaluate(
        "() => getComputedStyle(document.querySelector('.top')).backgroundColor"
    )
    assert background == "rgb(17, 24, 39)"  # the site's own header, so the stylesheet loaded
    page.get_by_role("link", name="Back to my courses").click()
    expect(page.get_by_label("Username")).to_be_visible()


def test_breadcrumb_course_name_leads_to_the_course_page(page, live_url, web):
    from playwright.sync_api import expect

    sign_in(page, live_url, then=f"/assignments/{web.assignment_id}")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Calculus").click()
    expect(page.get_by_role("heading", name="Calculus")).to_be_visible()
    page.get_by_role("link", name="Chain rule through an intermediate variable").click()
    expect(page.locator("#answer-dz-0")).to_be_visible()
