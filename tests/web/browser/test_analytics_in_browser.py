"""The analytics page in Chromium, at phone and desktop widths: one mistake made by students
with different params is one row, shown as typed and in the exercise's params."""

from __future__ import annotations

import pytest

from tests.helpers import forgotten_inner_derivatives
from tests.web.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("tab", ["page", "phone"])
def test_one_mistake_across_parameter_draws_is_one_row_with_its_form(request, tab, live_url, web):
    from playwright.sync_api import expect

    page = request.getfixturevalue(tab)
    aid, ks = forgotten_inner_derivatives(web, ["p1", "p2", "p3", "p4", "p5"])
    draws = len(set(ks.values()))
    assert draws >= 2
    sign_in(page, live_url, "tess", then=f"/teach/assignments/{aid}/analytics")
    # the wrong-answer groups, not the item-statistics table above them
    rows = page.locator("table:not(#item-statistics) tbody tr")
    expect(rows).to_have_count(1)  # cos(3x^2), cos(4x^2), ...: one forgotten inner derivative
    row = rows.first
    expect(row.locator("td").nth(1)).to_have_text("5")
    expect(row.locator(".form")).to_have_text(
        f"in the parameters: cos(k*x^2) ({draws} parameter sets)"
    )
    typed = row.locator("td").first.locator("code").first.inner_text()
    assert typed in {f"cos({k}x^2)" for k in ks.values()}
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # no sideways scroll
    shot(page, f"analytics-one-mistake-{tab}")
