"""Every visible word of the student pages is marked for translation (#29): the pages are
served in a pseudo-language whose catalogue transforms every letter of every message (the
engine's feedback included), so an English word still on a page was never marked."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations
from flask_babel import Domain

from grader import languages
from grader.engine.skills import skill_map
from grader.services import assignments, translation
from grader.translations import DIRECTORY
from tests.helpers import EXERCISE_YAML

ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "ȧƀċđḗƒġħīĵķŀḿƞǿƥɋřşŧŭṽẇẋẏẑȦƁĊĐḖƑĠĦĪĴĶĿḾȠǾƤɊŘŞŦŬṼẆẊẎẐ",
)
# kept as they are: %(name)s and {name} placeholders, markup, and entities
KEEP = re.compile(r"%\(\w+\)[sd]|\{\w+\}|<[^>]*>|&\w+;")


def pseudo(text: str) -> str:
    out, last = [], 0
    for m in KEEP.finditer(text):
        out.append(text[last : m.start()].translate(ACCENTED))
        out.append(m.group(0))
        last = m.end()
    out.append(text[last:].translate(ACCENTED))
    return "".join(out)


@pytest.fixture
def pseudo_language(monkeypatch):
    """The Chinese catalogue's messages, each one transformed (served as zh-CN)."""
    path = DIRECTORY / languages.catalogue_name("zh-CN") / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalog = read_po(source)
    table = Translations()
    for message in catalog:
        if not message.id:
            continue
        ident = message.id if isinstance(message.id, str) else message.id[0]
        key = f"{message.context}\x04{ident}" if message.context else ident
        table._catalog[key] = pseudo(ident)
        if not isinstance(message.id, str):
            table._catalog[(message.id[0], 0)] = pseudo(message.id[0])
            table._catalog[(message.id[1], 0)] = pseudo(message.id[1])
            table._catalog[(ident, 0)] = pseudo(ident)
    table.plural = lambda n: 0
    monkeypatch.setattr(Domain, "get_translations", lambda self: table)
    translation.engine_words.cache_clear()
    monkeypatch.setattr(translation, "catalogue", lambda tag: table)
    yield
    translation.engine_words.cache_clear()


class Visible(HTMLParser):
    """The words a reader sees or hears: text and labelling attributes, leaving out math, code,
    scripts, what is typed in text areas, and whatever is marked as being in a language of its
    own (`lang`)."""

    SKIP = {"script", "style", "math", "code", "pre", "svg", "textarea"}  # textarea: typed text
    SAID = ("aria-label", "placeholder", "title", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.stack: list[bool] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = bool(self.stack and self.stack[-1]) or tag in self.SKIP
        hidden = hidden or (tag != "html" and "lang" in attrs)
        if tag not in ("br", "img", "input", "meta", "link", "source", "hr"):
            self.stack.append(hidden)
        if not hidden:
            self.words += [attrs[a] for a in self.SAID if attrs.get(a)]
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.words.append(attrs["value"])

    def handle_endtag(self, tag):
        if self.stack and tag not in ("br", "img", "input", "meta", "link", "source", "hr"):
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.words.append(data)


def english_words(html: str, data: list[str]) -> list[str]:
    parser = Visible()
    parser.feed(html)
    text = " ".join(parser.words)
    for known in sorted(data, key=len, reverse=True):  # names, titles and statements are data
        text = text.replace(known, " ")
    return sorted(set(re.findall(r"\b[A-Za-z]{3,}\b", text)))


def test_every_student_page_is_fully_marked(pseudo_language, pages, web):
    ids = {"aid": web.assignment_id, "cid": web.course_id}
    pages.sign_in(web.student)
    done = pages.submit({"answer-dz-at-10-0": "10", "answer-dz-0": "4x", "answer-grad-0": "20x"})
    wrong = done.headers["Location"]
    data = [
        web.student.username,
        "Calculus",
        "Chain rule through an intermediate variable",
        "Let",  # the exercise's English statement (it has no Chinese text; the page says so)
        "and",
        "UTC",  # the course's time zone, by its IANA name
    ]
    urls = [
        "/",
        f"/courses/{ids['cid']}",
        f"/assignments/{ids['aid']}",
        wrong,
        f"/assignments/{ids['aid']}/submissions",
        "/account",
        "/no/such/page",
    ]
    found = {}
    for url in urls:
        page = pages.get(url, headers={"Accept-Language": "zh-CN"})
        html = page.get_data(as_text=True)
        assert '<html lang="zh-CN"' in html, url
        left = english_words(html, data)
        if left:
            found[url] = left
    pages.client.post("/logout", data={"csrf_token": pages.csrf()})
    for url in ("/login",):
        html = pages.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
        if left := english_words(html, data):
            found[url] = left
    assert not found, f"English words not marked for translation: {found}"


def test_the_check_finds_an_unmarked_word():
    assert english_words("<p>ȦƀċǾ Submit</p>", []) == ["Submit"]
    assert english_words('<p lang="en">English</p><math><mi>sin</mi></math>', []) == []


# the instructor's pages translated so far (#29); each one joins this list when it is marked
INSTRUCTOR_PAGES = [
    "/teach/courses/{cid}",
    "/teach/courses/{cid}/members/{stu}/remove",
    "/teach/courses/{cid}/members/{stu}/password",
    "/teach/courses/{cid}/members/{stu}/accommodations",
    "/teach/assignments/{exam}/exam",
    "/teach/assignments/{exam}/students/{stu}",
    "/teach/assignments/{aid}/students/{stu}",
    "/teach/courses/{cid}/skills",
    "/teach/exercises/chain-rule-intro/preview",
    "/teach/exercises/new",
    "/teach/exercises/chain-rule-intro/edit",
    "/teach/exercises/chain-rule-intro/versions",
    "/teach/exercises/chain-rule-intro/diff?from=1&to=2",
]


def test_every_translated_instructor_page_is_fully_marked(pseudo_language, pages, web):
    spec = {"exercise_id": "chain-rule-intro", "kind": "exam", "time_limit_minutes": 30}
    exam = assignments.create_assignment(web.svc, web.teacher.actor, web.course_id, spec)["id"]
    assignments.start(web.svc, web.student.actor, exam)
    ids = {"cid": web.course_id, "stu": web.student.username, "exam": exam}
    ids["aid"] = web.assignment_id
    pages.sign_in(web.student)  # a submission for the student's record to list
    pages.submit({"answer-dz-at-10-0": "10", "answer-dz-0": "4x", "answer-grad-0": "20x"})
    pages.client.post("/logout", data={"csrf_token": pages.csrf()})
    pages.sign_in(web.teacher)
    second = EXERCISE_YAML.replace("Chain rule through", "The chain rule through")
    saved = pages.post(
        "/teach/exercises/edit", {"yaml": second, "action": "save", "slug": "chain-rule-intro"}
    )
    assert saved.status_code == 303  # a second version, for the diff
    data = [
        web.student.username,
        web.teacher.username,
        "Calculus",
        "Chain rule through an intermediate variable",
        "chain-rule-intro",  # the exercise's id
        "UTC",
        "Asia",  # the time zones' IANA names
        "America",
        "Europe",
        "Africa",
        "Australia",
        "Pacific",
        "Atlantic",
        "Indian",
        "Antarctica",
        "Arctic",
        "English",  # the language switch names each language in its own words
        "CSV",
        "LMS",
        *(skill.name for skill in skill_map().skills.values()),  # not yet translated
        "chain",  # a misconception's skill, by its id
        "Let",  # the exercise's English statement, in the preview
        "and",
        "grad",  # the preview names each part by its YAML id and kind
        "expression",
        "gradient",
        "value",
        "The chain rule through an intermediate variable",  # the second version's title, and
        # the lines of the version diff (its YAML)
        *(line.strip() for line in (EXERCISE_YAML + second).splitlines() if line.strip()),
    ]
    found = {}
    for url in INSTRUCTOR_PAGES:
        page = pages.get(url.format(**ids), headers={"Accept-Language": "zh-CN"})
        assert page.status_code == 200, url
        if left := english_words(page.get_data(as_text=True), data):
            found[url] = left
    for how in ("password", "link"):  # the new password or sign-in link, shown once
        url = "/teach/courses/{cid}/members/{stu}/password".format(**ids)
        page = pages.post(url, {"how": how}, headers={"Accept-Language": "zh-CN"})
        assert page.status_code == 200, how
        link = re.findall(r'id="sign-in-link">([^<]*)<', page.get_data(as_text=True))
        if left := english_words(page.get_data(as_text=True), data + link):
            found[f"{url} ({how})"] = left
    assert not found, f"English words not marked for translation: {found}"
