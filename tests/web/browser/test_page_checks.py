"""The page checks every browser test gets (page_checks.py) find what they should."""

from __future__ import annotations

import pytest

from tests.web.browser import page_checks

pytestmark = pytest.mark.browser

BROKEN = (
    '<html lang="en"><head><meta name="viewport" content="width=device-width"></head><body>'
    '<button style="background:none;color:#fff">Remove</button>'
    '<a href="#" style="color:#9ca3af">faint link</a>'
    '<button style="background:#1d4ed8;color:#fff">fine</button>'
    '<button class="sr" style="position:absolute;width:1px;height:1px;overflow:hidden;'
    'clip:rect(0 0 0 0);color:#fff">hidden for screen readers</button>'
    '<input value="typed" style="color:#eee;background:#fff">'
    '<div style="width:600px">a wide row</div></body></html>'
)


@pytest.mark.page_checks_off
def test_the_page_checks_catch_sideways_scroll_and_faint_controls(phone):
    phone.set_content(BROKEN)
    phone.add_script_tag(path=str(page_checks.SCRIPT))  # init scripts skip set_content
    problems = phone.evaluate("() => window.__checkPage()")
    text = "\n".join(problems)
    assert "scrolls sideways: 608px wide in a 390px window" in text  # 600 + body margins
    assert 'button "Remove"' in text and "1.00:1" in text  # white on white
    assert 'a "faint link"' in text and 'input "typed"' in text
    assert '"fine"' not in text and "hidden for screen readers" not in text
    assert len(problems) == 4, problems


def test_a_clean_page_has_no_problems(page):
    page.set_content(
        BROKEN.replace('color:#fff">Remove', 'color:#1d4ed8">Remove')
        .replace("#9ca3af", "#1d4ed8")
        .replace("#eee", "#111")
        .replace("width:600px", "width:100px")
    )
    page.add_script_tag(path=str(page_checks.SCRIPT))
    assert page.evaluate("() => window.__checkPage()") == []


WIDE_AFTER_POST = (
    '<html lang="en"><head><meta name="viewport" content="width=device-width"></head><body>'
    '<h1>Shown once</h1><div style="width:600px">a wide result</div></body></html>'
)


@pytest.mark.page_checks_off
def test_a_page_only_a_form_post_shows_is_checked_at_the_other_width(page, browser, live_url):
    """A wrong password posted at desktop width: the page sent back is kept as received; a
    page a POST showed is shown again at phone width, where a wide one is caught."""
    from playwright.sync_api import expect

    from tests.web.browser.conftest import PHONE_CONTEXT

    page.goto(live_url + "/login")
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong username or password.")).to_be_visible()
    kept = [p for p in page.posted if p["url"] == live_url + "/login"]
    assert len(kept) == 1 and kept[0]["status"] == 401
    assert b"Wrong username or password." in kept[0]["body"]
    assert page_checks.verify(browser, page.context, page, PHONE_CONTEXT) == []
    page.posted.append(
        {
            "url": live_url + "/teach/shown-once",
            "status": 200,
            "headers": {"content-type": "text/html; charset=utf-8"},
            "body": WIDE_AFTER_POST.encode(),
        }
    )
    problems = page_checks.verify(browser, page.context, page, PHONE_CONTEXT)
    assert problems == [
        "/teach/shown-once (after a form POST) at 390px: scrolls sideways: 608px wide in a "
        "390px window"
    ]
