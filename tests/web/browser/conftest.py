"""Browser tests: Debian's Chromium, headless, driven by Playwright, against the app served
in a thread. They run on SQLite only (the browser path does not depend on the database)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.web.browser import page_checks

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[3] / "test-output" / "web"
PASSWORD = "correct horse battery"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# axe-core ships inside the pinned axe-playwright-python wheel (requirements-dev.txt)
AXE_JS = resources.files("axe_playwright_python").joinpath("axe.min.js")


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: the browser path does not depend on the database."""
    return sqlite_url


@pytest.fixture
def live_url(app, web) -> Iterator[str]:
    """The app served on 127.0.0.1 at a random port, in a thread, for this test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def _new_page(browser, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    page_checks.install(context, page)
    page.set_default_timeout(10_000)
    page.failed = []  # responses of 400 and above, as "STATUS URL"
    page.on(
        "response",
        lambda r: page.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return context, page


DESKTOP_CONTEXT = {"viewport": DESKTOP}
PHONE_CONTEXT = {"viewport": PHONE, "is_mobile": True, "has_touch": True}


def _checked_tab(browser, request, mine: dict, other: dict):
    """A tab whose every page state is checked (page_checks) at its width and the other one
    when the test ends; a test that passed fails on what the checks found. A test marked
    `@pytest.mark.page_checks_off` (one that shows a broken page on purpose) is not checked."""
    context, tab = _new_page(browser, **mine)
    yield tab
    try:
        failed = getattr(request.node, "rep_call", None)
        checked = "page_checks_off" not in request.node.keywords
        if checked and failed is not None and failed.passed:
            problems = page_checks.verify(browser, context, tab, other)
            assert not problems, "page checks:\n" + "\n".join(problems[:30])
    finally:
        context.close()


@contextlib.contextmanager
def checked_tab(browser, phone: bool = False, **options):
    """A tab for a test that needs its own context options (a time zone, say), checked like
    `page` and `phone` when the block ends without an error."""
    mine, other = (PHONE_CONTEXT, DESKTOP_CONTEXT) if phone else (DESKTOP_CONTEXT, PHONE_CONTEXT)
    context, tab = _new_page(browser, **mine, **options)
    try:
        yield tab
        problems = page_checks.verify(browser, context, tab, {**other, **options})
        assert not problems, "page checks:\n" + "\n".join(problems[:30])
    finally:
        context.close()


@pytest.fixture
def page(browser, request, live_url):
    """A desktop browser tab (1280×800). It needs `live_url`, so that the server is still up
    when the page checks visit the test's pages again at the end."""
    yield from _checked_tab(browser, request, DESKTOP_CONTEXT, PHONE_CONTEXT)


@pytest.fixture
def phone(browser, request, live_url):
    """A phone-sized tab (390×844, touch); see `page`."""
    yield from _checked_tab(browser, request, PHONE_CONTEXT, DESKTOP_CONTEXT)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item (the tab fixtures check only passed tests)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def sign_in(page, live_url: str, username: str = "stu", then: str = "/") -> None:
    """Sign in through the form and land on `then`."""
    from playwright.sync_api import expect

    page.goto(live_url + "/login?next=" + then)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Username")).to_have_count(0)
    # deferred scripts (the Enter-key and blank-part handling) run before DOMContentLoaded:
    # a test that types at once must not race them into a plain form submission
    page.wait_for_load_state("domcontentloaded")


def shot(page, name: str) -> None:
    """A full-page screenshot under test-output/web, for people reviewing a change."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def axe_problems(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of `impacts` on the page as it is now: 'rule: target …'."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))  # not a <script>: the CSP allows none
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
        "v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))})))"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(v['nodes'][:5])}"
        for v in result
        if v["impact"] in impacts
    ]


def contrast(rgb_a: str, rgb_b: str) -> float:
    """WCAG contrast ratio of two CSS colours given as 'rgb(r, g, b)' or 'rgba(...)'."""

    def luminance(css: str) -> float:
        r, g, b = (int(float(c)) for c in css[css.index("(") + 1 : -1].split(",")[:3])

        def channel(c: int) -> float:
            s = c / 255
            return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    high, low = sorted((luminance(rgb_a), luminance(rgb_b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
