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
