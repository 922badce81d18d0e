"""Matrix answers in a real browser: the grid of boxes, Tab along the rows, paste of a nested
list, the live preview of the matrix read, and per-entry feedback after submitting."""

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
from tests.web.conftest import assign

pytestmark = pytest.mark.browser

PASTE = """(text) => {
  const box = document.activeElement;
  const data = new DataTransfer();
  data.setData('text/plain', text);
  box.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                 cancelable: true}));
}"""


@pytest.fixture
def page(browser, request, live_url):
    """A desktop tab that lets the test inject axe-core past the page's CSP (checked like
    every tab: page_checks; the server stays up for the checks)."""
    yield from _checked_tab(
        browser, request, {**DESKTOP_CONTEXT, "bypass_csp": True}, PHONE_CONTEXT
    )


def test_student_types_a_matrix_in_a_grid_pastes_one_and_gets_per_entry_feedback(
    page, live_url, web
):
    from playwright.sync_api import expect

    aid = assign(web, "linear-layer-mse")
    sign_in(page, live_url, then=f"/assignments/{aid}")
    expect(page.locator(".statement math mtable").first).to_be_visible()  # W as a matrix

    grid = page.get_by_role("group", name="2 by 3 matrix, one number per box")
    expect(grid).to_be_visible()
    expect(page.locator("#answer-dL-dW-at-0")).to_have_attribute("aria-hidden", "true")
    page.locator("#answer-dL-dW-at-0-0-0").click()
    for i, number in enumerate(["-3", "-6", "-9", "4", "8", "13"]):
        page.keyboard.type(number)
        if i < 5:
            page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.id")
    assert focused == "answer-dL-dW-at-0-1-2"  # Tab went along row 0, then to row 1
    preview = page.locator("#answer-dL-dW-at-0-preview")
    expect(preview).to_contain_text("We read your answer as")
    expect(preview.locator("mtable mtr")).to_have_count(2)
    shot(page, "20-matrix-grid-typed")

    page.locator("#answer-dL-dW-at-0-0-0").focus()
    page.evaluate(PASTE, "[[-3, -6, -9],\n [4, 8, 12.5]]")
    expect(page.locator("#answer-dL-dW-at-0-1-2")).to_have_value("12.5")
    expect(page.locator("#answer-dL-dW-at-0")).to_have_value("[[-3, -6, -9], [4, 8, 12.5]]")
    expect(preview.locator("mtable mtd")).to_have_count(6)
    page.locator("#answer-dL-dW-0").fill("outer(y - t, x)")
    page.locator("#answer-dL-dW-0").press("Enter")  # to the next empty box: dL/db's
    assert page.evaluate("() => document.activeElement.id") == "answer-dL-db-0"
    page.keyboard.type("y - t")
    page.locator("#answer-dL-dx-0").fill("W^T @ (y - t)")
    assert axe_problems(page) == []
    shot(page, "21-matrix-grid-pasted")

    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator("#score")).to_have_text("5.67 / 6")
    expect(page.get_by_text("Row 2, column 3 is wrong; the other 5 are right.")).to_be_visible()
    shot(page, "22-matrix-feedback")


def test_a_matrix_with_a_missing_entry_is_refused_without_using_an_attempt(page, live_url, web):
    from playwright.sync_api import expect

    aid = assign(web, "linear-layer-mse")
    sign_in(page, live_url, then=f"/assignments/{aid}")
    page.locator("#answer-dL-dW-at-0-0-0").focus()
    page.evaluate(PASTE, "-3\t-6\t-9\n4\t8")  # rows copied from a spreadsheet, one short
    expect(page.locator("#answer-dL-dW-at-0-0-2")).to_have_value("-9")
    expect(page.locator("#answer-dL-dW-at-0-1-2")).to_have_value("")
    for box, text in (("dL-dW", "outer(y - t, x)"), ("dL-db", "y - t"), ("dL-dx", "W^T @ t")):
        page.locator(f"#answer-{box}-0").fill(text)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("no attempt was used")).to_be_visible()


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_decimal_comma_in_a_grid_box_is_named_by_row_and_column(browser, live_url, web, width):
    from playwright.sync_api import expect

    from tests.web.browser.conftest import checked_tab

    with checked_tab(browser, phone=width == "phone") as tab:
        aid = assign(web, "linear-layer-mse")
        sign_in(tab, live_url, then=f"/assignments/{aid}")
        for k, number in enumerate(["-3", "-6", "-9", "4", "8"]):
            tab.locator(f"#answer-dL-dW-at-0-{k // 3}-{k % 3}").fill(number)
        box = tab.locator("#answer-dL-dW-at-0-1-2")
        box.focus()
        tab.evaluate(PASTE, "12,5")  # one number with a decimal comma, not a row of two
        expect(tab.locator("#answer-dL-dW-at-0-0-0")).to_have_value("-3")  # grid not refilled
        expect(tab.locator("#answer-dL-dW-at-0-0-1")).to_have_value("-6")
        box.fill("12,5")
        preview = tab.locator("#answer-dL-dW-at-0-preview")
        expect(preview).to_contain_text("Row 2, column 3: '12,5' has a decimal comma")
        expect(preview).to_contain_text("write 12.5")
        shot(tab, f"23-matrix-decimal-comma-{width}")
        box.fill("13")  # fixed, but one off: the feedback names the entry as the grid does
        for part, text in (("dL-dW", "outer(y - t, x)"), ("dL-db", "y - t"), ("dL-dx", "x")):
            tab.locator(f"#answer-{part}-0").fill(text)
        tab.get_by_role("button", name="Submit answers").click()
        expect(tab.get_by_text("Row 2, column 3 is wrong; the other 5 are right.")).to_be_visible()
        width_px = tab.evaluate("() => document.documentElement.scrollWidth")
        assert width_px <= tab.viewport_size["width"]  # no sideways scroll


def test_on_a_phone_the_grid_is_named_by_rows_and_columns_and_takes_a_minus(phone, live_url, web):
    """The grid's boxes ask for a full keyboard (a decimal keypad may have no minus), the part
    says what it takes in rows and columns, and nothing scrolls sideways (page checks)."""
    from playwright.sync_api import expect

    aid = assign(web, "linear-layer-mse")
    sign_in(phone, live_url, then=f"/assignments/{aid}")
    legend = phone.locator("fieldset.part").filter(has=phone.locator("#answer-dL-dW-at-0"))
    expect(legend.locator("legend")).to_contain_text("a 2×3 matrix (2 rows, 3 columns)")
    cells = phone.locator("#answer-dL-dW-at-0-0-0")
    expect(phone.get_by_label("row 2, column 3")).to_be_visible()
    cells.tap()
    phone.keyboard.type("-3")  # a keyboard still types into the boxes
    expect(cells).to_have_value("-3")
    expect(phone.get_by_text("A matrix is typed row by row")).to_be_visible()
    shot(phone, "24-matrix-grid-phone")


def test_on_a_phone_the_grid_has_its_own_keypad_with_a_minus(phone, live_url, web):
    """Tapping a box of the grid opens the grid's keypad (digits, minus, point, delete, next)
    instead of the phone's keyboard; a whole matrix is typed with it alone and graded."""
    from playwright.sync_api import expect

    aid = assign(web, "linear-layer-mse")
    sign_in(phone, live_url, then=f"/assignments/{aid}")
    pad = phone.get_by_role("group", name="Number keys for the grid")
    expect(pad).to_be_hidden()
    first = phone.locator("#answer-dL-dW-at-0-0-0")
    first.tap()
    expect(pad).to_be_visible()
    expect(first).to_have_attribute("inputmode", "none")  # no phone keyboard over the grid
    names = {"-": "Minus", ".": "Decimal point"}
    for i, number in enumerate(["-3", "-6", "-9", "4", "8", "12.5"]):
        for char in number:
            pad.get_by_role("button", name=names.get(char, char), exact=True).tap()
        if i < 5:
            pad.get_by_role("button", name="Next box").tap()
    pad.get_by_role("button", name="Delete").tap()
    pad.get_by_role("button", name="Delete").tap()  # 12.5 -> 12
    expect(phone.locator("#answer-dL-dW-at-0")).to_have_value("[[-3, -6, -9], [4, 8, 12]]")
    expect(phone.locator("#answer-dL-dW-at-0-preview mtable mtd")).to_have_count(6)
    shot(phone, "25-matrix-keypad-phone")
    pad.get_by_role("button", name="Phone keyboard").tap()
    expect(first).to_have_attribute("inputmode", "text")
    pad.get_by_role("button", name="Number keys").tap()
    expect(first).to_have_attribute("inputmode", "none")
    phone.locator("#answer-dL-dW-0").fill("outer(y - t, x)")
    expect(pad).to_be_hidden()  # the keypad belongs to the grid
    phone.locator("#answer-dL-db-0").fill("y - t")
    phone.locator("#answer-dL-dx-0").fill("W^T @ (y - t)")
    phone.get_by_role("button", name="Submit answers").click()
    expect(phone.locator("#score")).to_have_text("6 / 6")


def test_on_a_desktop_the_grid_has_no_keypad(page, live_url, web):
    from playwright.sync_api import expect

    aid = assign(web, "linear-layer-mse")
    sign_in(page, live_url, then=f"/assignments/{aid}")
    page.locator("#answer-dL-dW-at-0-0-0").click()
    expect(page.get_by_role("group", name="Number keys for the grid")).to_be_hidden()
    expect(page.locator("#answer-dL-dW-at-0-0-0")).to_have_attribute("inputmode", "text")
