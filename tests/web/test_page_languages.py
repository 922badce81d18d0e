"""The language of the pages (#29): the user's saved choice, else the LMS launch's locale, else
the browser's Accept-Language, else the course's default, else English; `lang` on every page,
the switch on every page, feedback worded in the reader's language."""

from __future__ import annotations

import re

from grader.services.courses import course as courses

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


def _lang(response) -> str:
    found = re.search(r'<html lang="([^"]+)" dir="ltr">', response.get_data(as_text=True))
    assert found, "the page has no lang and dir"
    return found.group(1)


def test_english_without_any_choice_and_chinese_for_a_chinese_browser(pages, web):
    assert _lang(pages.get("/login")) == "en"
    page = pages.get("/login", headers=ZH)
    assert _lang(page) == "zh-CN"
    assert "跳到正文" in page.get_data(as_text=True)  # "Skip to content"
    assert _lang(pages.get("/login", headers={"Accept-Language": "zh-TW"})) == "en"


def test_the_switch_is_on_every_page_and_a_signed_in_choice_is_saved(pages, web):
    home = pages.get("/login").get_data(as_text=True)
    assert 'name="locale" value="zh-CN" lang="zh-CN">简体中文</button>' in home
    pages.sign_in(web.student)
    answer = pages.post("/language", {"locale": "zh-CN", "next": "/"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    page = pages.get("/", headers={"Accept-Language": "en"})  # the saved choice comes first
    assert _lang(page) == "zh-CN" and "退出登录" in page.get_data(as_text=True)
    pages.client.delete_cookie("grader_session")  # another browser: the choice is the account's
    pages.sign_in(web.student)
    assert _lang(pages.get("/", headers={"Accept-Language": "en"})) == "zh-CN"
    pages.post("/language", {"locale": "en", "next": "/"})
    assert _lang(pages.get("/", headers=ZH)) == "en"


def test_the_switch_goes_back_only_to_a_page_of_this_site(pages, web):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        answer = pages.post("/language", {"locale": "zh-CN", "next": target})
        assert answer.status_code == 303 and answer.headers["Location"] == "/"
    assert pages.post("/language", {"locale": "klingon", "next": "/"}).status_code == 422


def test_a_signed_out_choice_lasts_for_the_session(pages, web):
    pages.post("/language", {"locale": "zh-CN", "next": "/login"})
    assert _lang(pages.get("/login", headers={"Accept-Language": "en"})) == "zh-CN"


def test_the_course_default_serves_users_who_chose_nothing(pages, web):
    courses.update_course(
        web.svc, web.teacher.actor, web.course_id, title=None, archived=None, locale="zh-CN"
    )
    pages.sign_in(web.student)
    url = f"/courses/{web.course_id}"
    assert _lang(pages.get(url, headers={"Accept-Language": ""})) == "zh-CN"
    assert _lang(pages.get(url, headers={"Accept-Language": "en"})) == "en"


def test_feedback_of_a_chain_rule_mistake_is_worded_in_chinese(pages, web, page_text):
    pages.sign_in(web.student)
    pages.post("/language", {"locale": "zh-CN", "next": "/"})
    done = pages.submit({"answer-dz-at-10-0": "200", "answer-dz-0": "4x", "answer-grad-0": "20x"})
    text = page_text(pages.get(done.headers["Location"]))
    assert "这只是" in text and "链式法则" in text and "alone;" not in text
    pages.post("/language", {"locale": "en", "next": "/"})
    english = page_text(pages.get(done.headers["Location"]))
    assert "(chain rule)" in english and "链式法则" not in english


def test_dates_are_written_as_each_language_writes_them_in_the_courses_zone(pages, web):
    from datetime import UTC, datetime

    from grader.services.assignments import assignment as assignments

    courses.update_course(
        web.svc,
        web.teacher.actor,
        web.course_id,
        title=None,
        archived=None,
        time_zone="Asia/Shanghai",
    )
    due = datetime(2031, 3, 1, 17, 0, tzinfo=UTC)  # 01:00 the next day in Shanghai
    assignments.update_assignment(web.svc, web.teacher.actor, web.assignment_id, {"due_at": due})
    pages.sign_in(web.student)
    chinese = pages.get(f"/assignments/{web.assignment_id}", headers=ZH).get_data(as_text=True)
    assert "2031年3月2日 01:00 Asia/Shanghai" in chinese
    english = pages.get(f"/assignments/{web.assignment_id}").get_data(as_text=True)
    assert "2031-03-02 01:00 Asia/Shanghai" in english


def test_an_instructor_sets_the_courses_default_language_on_its_page(pages, web):
    pages.sign_in(web.teacher)
    page = pages.get(f"/teach/courses/{web.course_id}").get_data(as_text=True)
    assert 'name="locale"' in page and "Default language" in page
    done = pages.post(
        f"/teach/courses/{web.course_id}/settings", {"action": "locale", "locale": "zh-CN"}
    )
    assert done.status_code == 303
    assert courses.get_course(web.svc, web.teacher.actor, web.course_id).locale == "zh-CN"
    wrong = pages.post(
        f"/teach/courses/{web.course_id}/settings", {"action": "locale", "locale": "xx"}
    )
    assert wrong.status_code == 422
