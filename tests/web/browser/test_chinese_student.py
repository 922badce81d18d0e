"""A student in Chinese (#29), in Chromium at desktop and phone widths: the switch on the
sign-in page, a chain-rule mistake typed with a Chinese input method (full width), the
preview, the feedback naming the chain rule in Chinese, and the worked solution in Chinese."""

from __future__ import annotations

import re

import pytest

from tests.web.browser.conftest import PASSWORD, checked_tab, shot

pytestmark = pytest.mark.browser


def _student_in_chinese(page, live_url, web, name: str) -> None:
    from playwright.sync_api import expect

    page.goto(live_url + "/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="简体中文").click()  # the switch, before signing in
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_label("用户名").fill("stu")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的课程")).to_be_visible()

    page.get_by_role("link", name="Chain rule through an intermediate variable").click()
    expect(page.locator("#statement-language")).to_contain_text("English")  # no Chinese text
    page.locator("#answer-dz-at-10-0").fill("２００")
    page.locator("#answer-grad-0").fill("２０ｘ")
    answer = page.locator("#answer-dz-0")
    answer.press_sequentially("４ｘ", delay=20)  # dy/dx alone: the chain rule's factor missed
    preview = page.locator("#answer-dz-0-preview")
    expect(preview).to_contain_text("我们把你的答案读作")
    expect(preview.locator("math")).to_be_visible()
    shot(page, f"{name}-01-preview")

    page.get_by_role("button", name="提交答案").click()
    expect(page.locator("#score")).to_have_text("2 / 3")  # the full-width answers were read
    diagnosis = page.locator(".diagnosis", has_text="链式法则")
    expect(diagnosis).to_be_visible()
    expect(diagnosis).not_to_contain_text("chain rule")
    solution = page.locator("details.solution").nth(1)
    expect(solution.locator("summary").first).to_have_text("详细解答：计算图")
    expect(solution.locator(".solution-missed")).to_contain_text("出错的地方")
    expect(solution.locator(".solution-missed")).to_contain_text("链式法则")
    expect(solution.locator("img.solution-graph").first).to_have_attribute(
        "alt", re.compile("的计算图")
    )
    shot(page, f"{name}-02-feedback")


def test_a_student_works_in_chinese_on_a_desktop(page, live_url, web):
    _student_in_chinese(page, live_url, web, "zh-desktop")


def test_a_student_works_in_chinese_on_a_phone(phone, live_url, web):
    _student_in_chinese(phone, live_url, web, "zh-phone")


def test_a_chinese_browser_gets_chinese_pages_without_choosing(browser, live_url, web):
    from playwright.sync_api import expect

    with checked_tab(browser, locale="zh-CN") as tab:
        tab.goto(live_url + "/login")
        expect(tab.locator("html")).to_have_attribute("lang", "zh-CN")
        expect(tab.get_by_role("heading", name="登录")).to_be_visible()
