"""Passwords: a user changes their own (the current one required) in the page and the API;
an instructor gives a student of their course a new one, shown once. Every change ends the
user's other sessions."""

from __future__ import annotations

import pytest

from grader.services.accounts import sign_in_links, users
from grader.services.courses import course as courses
from grader.services.errors import Unauthorized
from tests.web.conftest import PASSWORD

COOKIE = "grader_session"
NEW = "a much better passphrase"


def _other_session(app, person) -> object:
    """A second browser signed in as `person`."""
    other = app.test_client()
    with other.session_transaction() as session:
        session["csrf"] = "other-csrf"
    data = {"username": person.username, "password": PASSWORD, "csrf_token": "other-csrf"}
    assert other.post("/login", data=data).status_code == 303
    assert other.get("/").status_code == 200
    return other


def test_a_student_changes_their_password_and_only_this_session_goes_on(app, pages, web, page_text):
    other = _other_session(app, web.student)
    pages.sign_in(web.student)
    assert "Change your password" in page_text(pages.get("/account"))
    done = pages.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW, "repeat_password": NEW},
    )
    assert done.status_code == 303
    text = page_text(pages.get("/account"))
    assert "Your password was changed. You were signed out everywhere else." in text
    assert pages.get("/").status_code == 200  # this session goes on
    assert other.get("/").status_code == 302  # the other one ended
    users.sign_in(web.svc, "stu", NEW)


def test_a_wrong_current_password_changes_nothing(pages, web, page_text):
    pages.sign_in(web.student)
    wrong = pages.post(
        "/account/password",
        {"current_password": "not it at all", "new_password": NEW, "repeat_password": NEW},
    )
    assert wrong.status_code == 422
    assert "The current password is not right; the password was not changed." in page_text(wrong)
    differ = pages.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW, "repeat_password": NEW + "!"},
    )
    assert differ.status_code == 422 and "differ" in page_text(differ)
    short = pages.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "short", "repeat_password": "short"},
    )
    assert short.status_code == 422 and "8 to 1024 characters" in page_text(short)
    users.sign_in(web.svc, "stu", PASSWORD)  # still the old one


def test_wrong_current_passwords_are_throttled_like_sign_ins(pages, web):
    pages.sign_in(web.student)
    body = {"current_password": "guess", "new_password": NEW, "repeat_password": NEW}
    codes = [pages.post("/account/password", body).status_code for _ in range(7)]
    assert codes[:5] == [422] * 5 and codes[-1] == 429


def test_the_api_changes_a_password_with_the_current_one(client, web):
    url = "/api/v1/users/me/password"
    wrong = client.post(
        url,
        json={"current_password": "nope nope", "new_password": NEW},
        headers=web.student.headers,
    )
    assert wrong.status_code == 422 and wrong.json["error"]["code"] == "wrong_password"
    ok = client.post(
        url, json={"current_password": PASSWORD, "new_password": NEW}, headers=web.student.headers
    )
    assert ok.status_code == 200 and ok.json["sessions_ended"] is True
    users.sign_in(web.svc, "stu", NEW)


def test_an_instructor_resets_a_students_password_shown_once(app, pages, web, page_text):
    other = _other_session(app, web.student)
    pages.sign_in(web.teacher)
    course = f"/teach/courses/{web.course_id}"
    assert "Reset password" in page_text(pages.get(course))
    asked = page_text(pages.get(course + "/members/stu/password"))
    assert "Give stu a new password?" in asked
    shown = pages.post(course + "/members/stu/password")
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    html = shown.get_data(as_text=True)
    password = html.split('id="new-password">')[1].split("<")[0]
    assert len(password) == 16
    assert other.get("/").status_code == 302  # the student's sessions ended
    users.sign_in(web.svc, "stu", password)
    assert password not in pages.get(course).get_data(as_text=True)  # never shown again


def test_the_api_resets_only_students_of_the_instructors_course(client, web):
    url = f"/api/v1/courses/{web.course_id}/members/{{}}/password"
    done = client.post(url.format("stu"), headers=web.teacher.headers)
    assert done.status_code == 200 and len(done.json["password"]) == 16
    users.sign_in(web.svc, "stu", done.json["password"])
    # another instructor's account: not theirs to reset
    courses.add_member(web.svc, web.teacher.actor, web.course_id, "otto", "instructor")
    assert client.post(url.format("otto"), headers=web.teacher.headers).status_code == 403
    # a student cannot reset anyone; an instructor of another course cannot either
    fresh = users.create_token(web.svc, web.student.actor, "after the reset").token
    as_student = {"Authorization": f"Bearer {fresh}"}  # the reset revoked the old token
    assert client.post(url.format("stu"), headers=as_student).status_code == 403
    other = courses.create_course(web.svc, web.other_teacher.actor, "Other").id
    foreign = f"/api/v1/courses/{other}/members/stu/password"
    assert client.post(foreign, headers=web.other_teacher.headers).status_code == 404
    assert client.post(url.format("olga"), headers=web.teacher.headers).status_code == 404
    # an admin may reset any member's
    assert client.post(url.format("otto"), headers=web.admin.headers).status_code == 200


def test_removing_someone_asks_first_and_the_last_instructor_stays(pages, web, page_text):
    pages.sign_in(web.teacher)
    course = f"/teach/courses/{web.course_id}"
    text = page_text(pages.get(course))
    assert "only instructor: add another before leaving" in text
    asked = page_text(pages.get(course + "/members/stu/remove"))
    assert "Remove stu (student) from Calculus?" in asked
    assert "stu" in page_text(pages.get(course))  # asking removed nobody
    alone = page_text(pages.get(course + "/members/tess/remove"))
    assert "only instructor and cannot be removed" in alone
    refused = pages.post(course + "/members/tess/remove")
    assert refused.status_code == 409
    assert "only instructor and cannot be removed" in page_text(refused)
    done = pages.post(course + "/members/stu/remove")
    assert done.status_code == 303
    assert "stu was removed from the course" in page_text(pages.get(done.headers["Location"]))


def test_a_reset_revokes_the_students_api_tokens(client, web):
    """Whoever knew the old password may have made a token: a reset ends those too."""
    me = "/api/v1/users/me"
    assert client.get(me, headers=web.student.headers).status_code == 200
    url = f"/api/v1/courses/{web.course_id}/members/stu/password"
    done = client.post(url, headers=web.teacher.headers)
    assert done.status_code == 200 and done.json["tokens_revoked"] == 1
    assert client.get(me, headers=web.student.headers).status_code == 401
    assert client.get(me, headers=web.teacher.headers).status_code == 200  # only theirs


def _link_reset(client, web) -> str:
    url = f"/api/v1/courses/{web.course_id}/members/stu/password?link=true"
    done = client.post(url, headers=web.teacher.headers)
    assert done.status_code == 200
    assert "password" not in done.json and done.json["sessions_ended"] is True
    assert done.json["tokens_revoked"] in (0, 1) and done.json["expires_at"]
    link = done.json["sign_in_link"]
    assert link.startswith("http://localhost/login/link/")
    return link.removeprefix("http://localhost")


def test_a_one_time_sign_in_link_works_once_and_the_student_chooses_a_password(
    app, client, pages, web, page_text
):
    other = _other_session(app, web.student)
    path = _link_reset(client, web)
    assert other.get("/").status_code == 302  # their sessions ended
    with pytest.raises(Unauthorized):  # the old password no longer works
        users.sign_in(web.svc, "stu", PASSWORD)
    asked = pages.get(path)
    assert asked.status_code == 200 and "Sign in as stu" in page_text(asked)
    assert pages.get(path).status_code == 200  # looking at it (a link preview) uses nothing
    used = pages.post(path)
    assert used.status_code == 303 and used.headers["Location"] == "/account"
    account = page_text(pages.get("/account"))
    assert "signed in through a one-time link" in account and "Choose a password" in account
    assert "Current password" not in account
    chosen = pages.post("/account/password", {"new_password": NEW, "repeat_password": NEW})
    assert chosen.status_code == 303
    users.sign_in(web.svc, "stu", NEW)
    again = app.test_client()
    assert again.get(path).status_code == 409
    assert "used already" in page_text(again.get(path))


def test_a_newer_reset_or_a_changed_link_does_not_sign_in(app, client, web, page_text):
    first = _link_reset(client, web)
    second = _link_reset(client, web)
    browser = app.test_client()
    assert browser.get(first).status_code == 409  # replaced by the newer link
    assert browser.get(second).status_code == 200
    cut = browser.get(second[:-4])
    assert cut.status_code == 422 and "not a working sign-in link" in page_text(cut)
    with browser.session_transaction() as session:
        session["csrf"] = "c"
    tampered = browser.post(second[:-1] + "A", data={"csrf_token": "c"})
    assert tampered.status_code == 422
    assert browser.get("/account").status_code == 302  # nobody signed in


def test_an_expired_sign_in_link_says_so(app, client, web, page_text, monkeypatch):
    path = _link_reset(client, web)
    monkeypatch.setattr(sign_in_links, "LINK_S", -1)
    expired = app.test_client().get(path)
    assert expired.status_code == 422 and "has expired" in page_text(expired)


def test_an_instructor_makes_a_sign_in_link_in_the_page(pages, web, page_text):
    pages.sign_in(web.teacher)
    course = f"/teach/courses/{web.course_id}"
    asked = page_text(pages.get(course + "/members/stu/password"))
    assert "Make a one-time sign-in link" in asked and "API tokens are revoked" in asked
    shown = pages.post(course + "/members/stu/password", {"how": "link"})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    text = page_text(shown)
    assert "New sign-in link for stu" in text and "1 API token was revoked" in text
    html = shown.get_data(as_text=True)
    link = html.split('id="sign-in-link">')[1].split("<")[0]
    assert "/login/link/" in link and "new-password" not in html
