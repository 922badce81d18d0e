"""Every page state the browser tests visit is checked at phone and desktop width: no
horizontal scroll, and every visible control's text has contrast >= 4.5:1 (3:1 large text)
against what it is drawn on — computed, since axe only marks such cases "needs review".

`install` puts page_checks.js into a browser context: it checks each page once loaded and
again after each change to the page (a dialog, a preview, a message), and reports on the
console. `verify` (the `page` and `phone` fixtures call it when a test ends) checks the last
state, then opens every page the test loaded (GET, same cookies) at the other width, and fails
the test with every problem found.

A page that only a form's POST shows (a password shown once, an import's result, a form sent
back with its errors) cannot be fetched again by GET: `install` keeps each such HTML answer as
the browser received it, and `verify` shows it again at the other width (the same address,
answered from what was kept), so it is checked at both widths too.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

SCRIPT = Path(__file__).with_name("page_checks.js")
PREFIX = "PAGE-CHECK "
NOT_REVISITED = ("/api/", "/lti/", "/logout", "/assets/")


MAX_POSTED = 40  # POST answers kept per test, for the other width


def install(context, page) -> None:
    context.add_init_script(path=str(SCRIPT))
    page.checked = []  # [{"url", "width", "problems"}]
    page.posted = []  # [{"url", "status", "headers", "body"}]: pages a form POST showed

    def keep(route, request) -> None:
        if request.method != "POST" or not request.is_navigation_request():
            route.fallback()
            return
        response = route.fetch(max_redirects=0)  # a redirect is followed by the browser
        body = response.body()
        html = "text/html" in response.headers.get("content-type", "")
        shown = not 300 <= response.status < 400  # a form sent back with errors is shown too
        if html and shown and len(page.posted) < MAX_POSTED:
            found = {"url": request.url, "status": response.status, "body": body}
            page.posted.append({**found, "headers": response.headers})
        route.fulfill(response=response, body=body)

    context.route("**/*", keep)

    def heard(message) -> None:
        if message.text.startswith(PREFIX):
            page.checked.append(json.loads(message.text[len(PREFIX) :]))

    page.on("console", heard)


def _check_now(page) -> dict | None:
    try:
        problems = page.evaluate("() => window.__checkPage ? window.__checkPage() : null")
    except Exception:  # the page is gone or mid-navigation: its reports are in already
        return None
    if problems is None:
        return None
    path = urlsplit(page.url)
    url = path.path + (f"?{path.query}" if path.query else "")
    return {"url": url, "width": page.viewport_size["width"], "problems": problems}


def _show_again(tab, kept: dict) -> dict | None:
    """The page a form POST showed, shown again in `tab` (at the other width) from what was
    kept: its address answers once with that status, those headers and that HTML."""

    def answer(route) -> None:
        route.fulfill(status=kept["status"], headers=kept["headers"], body=kept["body"])

    tab.route(kept["url"], answer, times=1)
    try:
        tab.goto(kept["url"])
        tab.wait_for_load_state("load")
    finally:
        tab.unroute(kept["url"], answer)
    return _check_now(tab)


def verify(browser, context, page, other: dict) -> list[str]:
    """Every problem of every state the test's `page` reached, and of its pages at the
    `other` viewport (a dict for new_context)."""
    final = _check_now(page)
    reports = [*page.checked, *([final] if final else [])]
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    urls = []
    for report in reports:
        if report["url"] not in urls and not report["url"].startswith(NOT_REVISITED):
            urls.append(report["url"])
    posted = getattr(page, "posted", [])
    if (urls or posted) and origin.startswith("http"):
        second = browser.new_context(storage_state=context.storage_state(), **other)
        second.add_init_script(path=str(SCRIPT))
        tab = second.new_page()
        tab.set_default_timeout(10_000)
        try:
            for url in urls:
                response = tab.goto(origin + url)
                if response is None or response.request.method != "GET":
                    continue
                tab.wait_for_load_state("load")
                found = _check_now(tab)
                if found:
                    reports.append(found)
            for kept in posted:
                found = _show_again(tab, kept)
                if found:
                    reports.append({**found, "url": found["url"] + " (after a form POST)"})
        finally:
            second.close()
    out = []
    for report in reports:
        for problem in report["problems"]:
            line = f"{report['url']} at {report['width']}px: {problem}"
            if line not in out:
                out.append(line)
    return out
