"""Dates in a course's time zone: the browser's zone is offered for a new course; an
assignment's dates shown in the form and saved unchanged stay exactly as they were (an
instructor in America/Chicago or Asia/Shanghai opens Edit and presses Save); every page names
the zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from grader.db.models import Assignment
from tests.web.browser.conftest import checked_tab, sign_in

pytestmark = pytest.mark.browser


def _due(web, assignment_id: int) -> datetime:
    with web.svc.db.read() as session:
        return session.get(Assignment, assignment_id).due_at


@pytest.mark.parametrize("zone", ["America/Chicago", "Asia/Shanghai"])
def test_edit_and_save_unchanged_keeps_every_date(browser, live_url, web, zone):
    from playwright.sync_api import expect

    with checked_tab(browser, timezone_id=zone) as tab:
        sign_in(tab, live_url, "tess", then="/teach")
        expect(tab.get_by_label("Time zone", exact=True)).to_have_value(zone)  # the browser's
        tab.get_by_label("Title").fill("Zoned course")
        tab.get_by_role("button", name="Create course").click()
        expect(tab.get_by_role("heading", name="Zoned course")).to_be_visible()
        course_url = tab.url
        tab.get_by_label("Add", exact=True).fill("stu")
        tab.get_by_role("button", name="Add", exact=True).click()

        tab.get_by_role("link", name="New assignment").click()
        expect(tab.get_by_text(f"Dates are in {zone}, the course's time zone")).to_be_visible()
        tab.get_by_label("Exercise (type to search the library)").fill("chain-rule-intro")
        tab.get_by_label("Opens (empty: open now)").fill("2030-02-20T08:30")
        tab.get_by_label("Due (empty: no due date)").fill("2030-03-01T17:00")
        tab.get_by_role("button", name="Create assignment").click()
        expect(tab.get_by_text("Assignment created.")).to_be_visible()
        expect(tab.get_by_role("cell", name=f"2030-03-01 17:00 {zone}")).to_be_visible()
        assignment_id = int(tab.url.split("created=")[1])
        local = datetime(2030, 3, 1, 17, 0, tzinfo=ZoneInfo(zone))
        assert _due(web, assignment_id) == local.astimezone(UTC)

        for _ in range(2):  # open Edit, press Save: nothing moves, however often
            tab.goto(course_url)
            tab.get_by_role("link", name="Edit").first.click()
            expect(tab.get_by_label("Due (empty: no due date)")).to_have_value("2030-03-01T17:00")
            expect(tab.get_by_label("Opens (empty: open now)")).to_have_value("2030-02-20T08:30")
            tab.get_by_role("button", name="Save").click()
            expect(tab.get_by_role("cell", name=f"2030-03-01 17:00 {zone}")).to_be_visible()
            assert _due(web, assignment_id) == local.astimezone(UTC)

        # a due date set through the API to the second survives the form (shown to the minute)
        exact = datetime(2030, 3, 1, 23, 59, 30, tzinfo=UTC)
        with web.svc.db.write() as session:
            session.get(Assignment, assignment_id).due_at = exact
        tab.goto(course_url)
        tab.get_by_role("link", name="Edit").first.click()
        tab.get_by_role("button", name="Save").click()
        expect(tab.get_by_text("Assignments")).to_be_visible()
        assert _due(web, assignment_id) == exact

    # a student whose browser is on UTC reads the course's zone, named
    with checked_tab(browser, phone=True, timezone_id="UTC") as tab:
        sign_in(tab, live_url, "stu")
        shown = exact.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
        expect(tab.get_by_text(f"{shown} {zone}").first).to_be_visible()


def test_a_time_the_clocks_skip_is_refused_with_the_reason(browser, live_url, web):
    from playwright.sync_api import expect

    with web.svc.db.write() as session:
        from grader.db.models import Course

        session.get(Course, web.course_id).time_zone = "America/Chicago"
    with checked_tab(browser, timezone_id="America/Chicago") as tab:
        sign_in(tab, live_url, "tess", then=f"/teach/courses/{web.course_id}/assignments/new")
        tab.get_by_label("Exercise (type to search the library)").fill("chain-rule-intro")
        tab.get_by_label("Due (empty: no due date)").fill("2030-03-10T02:30")
        tab.get_by_role("button", name="Create assignment").click()
        expect(tab.get_by_text("does not exist in America/Chicago")).to_be_visible()
