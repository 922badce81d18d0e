"""An LMS launch in Chinese lands in Chinese (#29): the `launch_presentation.locale` claim
chooses the language, after the user's own saved choice."""

from __future__ import annotations

import re

from grader.services.accounts import users
from grader.services.integrations.lti.launch import CLAIM
from tests.lti.conftest import LEARNER, link_assignment

CHINESE = {CLAIM + "launch_presentation": {"locale": "zh-CN", "document_target": "iframe"}}


def _lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def test_a_launch_with_locale_zh_cn_lands_in_chinese(lms, world, client, app):
    lms.launch(LEARNER)
    link_assignment(world)
    landing = lms.launch(LEARNER, **CHINESE)
    html = landing.get_data(as_text=True)
    assert _lang(html) == "zh-CN"
    assert "正在打开练习" in html and "在新窗口中打开" in html  # the landing page itself
    page = client.get(f"/assignments/{world.assignment_id}", headers={"Accept-Language": "en"})
    assert _lang(page.get_data(as_text=True)) == "zh-CN" and "退出登录" in page.get_data(
        as_text=True
    )
    href = re.search(r'href="(/lti/open/[^"]+)"', html).group(1)
    fresh = app.test_client()  # "open in a new window": the language goes along
    target = fresh.get(href).headers["Location"]
    assert _lang(fresh.get(target).get_data(as_text=True)) == "zh-CN"


def test_an_english_launch_stays_english_and_a_saved_choice_wins(lms, world, client):
    lms.launch(LEARNER)
    link_assignment(world)
    lms.launch(LEARNER, **{CLAIM + "launch_presentation": {"locale": "en-US"}})
    url = f"/assignments/{world.assignment_id}"
    assert _lang(client.get(url, headers={"Accept-Language": "zh"}).get_data(as_text=True)) == "en"
    lms.launch(LEARNER, **CHINESE)
    with client.session_transaction() as session:
        uid = session["uid"]
    from grader.services.context import Actor

    users.set_locale(world.svc, Actor(uid, "", "student"), "en")
    assert _lang(client.get(url).get_data(as_text=True)) == "en"


def test_a_locale_the_grader_does_not_speak_falls_through(lms, world, client):
    lms.launch(LEARNER)
    link_assignment(world)
    lms.launch(LEARNER, **{CLAIM + "launch_presentation": {"locale": ["zh"]}})  # not a string
    url = f"/assignments/{world.assignment_id}"
    assert _lang(client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)) == "en"
