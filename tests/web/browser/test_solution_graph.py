"""The worked solution's graph in a real browser: drawn, described, readable on a phone."""

from __future__ import annotations

import pytest

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


def test_the_graph_renders_with_its_text_alternative_on_desktop_and_phone(
    page, phone, live_url, web
):
    from playwright.sync_api import expect

    sign_in(page, live_url, then=f"/assignments/{web.assignment_id}")
    page.locator("#answer-dz-0").fill("4x")
    page.locator("#answer-dz-at-10-0").fill("40")
    page.locator("#answer-grad-0").fill("20x")
    page.get_by_role("button", name="Submit answers").click()
    if page.get_by_role("button", name="Submit anyway").count():
        page.get_by_role("button", name="Submit anyway").click()
    expect(page.locator("#score")).to_be_visible()
    graph = page.locator("details.solution img.solution-graph").first
    expect(graph).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('details.solution > .graph-scroll img')]"
        ".every(img => img.complete && img.naturalWidth > 100)"
    )
    assert "Edge y to z" in graph.get_attribute("alt")
    expect(page.get_by_text("Where it went wrong").first).to_be_visible()
    shot(page, "solution-graph-desktop")
    assert axe_problems(page) == []
    assert page.failed == []

    url = page.url
    sign_in(phone, live_url, then=url.split(live_url, 1)[1])
    img = phone.locator("details.solution img.solution-graph").first
    expect(img).to_be_visible()
    phone.wait_for_function(
        "() => document.querySelector('details.solution img.solution-graph').naturalWidth > 100"
    )
    # the picture keeps its size (text at 13 px) and its box scrolls sideways instead
    box = img.bounding_box()
    assert box["width"] == phone.evaluate(
        "() => document.querySelector('details.solution img.solution-graph').naturalWidth"
    )
    overflow = phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert overflow, "the page itself must not scroll sideways"
    shot(phone, "solution-graph-phone")
