"""Sign-in, sign-out, sessions, CSRF and the sign-in throttle."""

from __future__ import annotations

import io
import time
from types import SimpleNamespace

from flask import Flask

from grader.config import Config
from grader.services.accounts import users


def test_sign_in_with_the_right_password_redirects_home(pages, web):
    response = pages.sign_in(web.student)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "stu" in pages.get("/").get_data(as_text=True)


def test_wrong_password_is_refused_with_401(pages, web, page_text):
    response = pages.sign_in(web.student, "not the password")
    assert response.status_code == 401
    assert "Wrong username or password." in page_text(response)
    assert pages.get("/").status_code == 302


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(pages, web, page_text):
    response = pages.post("/login", {"username": "nobody", "password": "whatever1"})
    assert response.status_code == 401
    assert "Wrong username or password." in page_text(response)


def test_user_without_a_password_cannot_sign_in(pages, web):
    assert pages.sign_in(web.admin, "").status_code == 401


def test_sign_in_is_rate_limited_after_repeated_failures(pages, web):
    for _ in range(5):
        assert pages.sign_in(web.student, "wrong password").status_code == 401
    response = pages.sign_in(web.student)  # even the right password waits now
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert pages.sign_in(web.teacher).status_code == 303  # other accounts are unaffected


def test_login_without_csrf_token_is_refused(client, web, page_text):
    data = {"username": "stu", "password": "correct horse battery"}
    response = client.post("/login", data=data)
    assert response.status_code == 400
    assert "reload the page" in page_text(response)


def test_form_with_a_wrong_csrf_token_is_refused(pages, web):
    pages.sign_in(web.student)
    url = f"/assignments/{web.assignment_id}/submit"
    response = pages.client.post(url, data={"csrf_token": "forged", "answer-dz-0": "20x"})
    assert response.status_code == 400
    assert (
        pages.get(f"/assignments/{web.assignment_id}/submissions")
        .get_data(as_text=True)
        .count("Attempt ")
        == 0
    )


def test_pages_need_sign_in_and_come_back_after_it(pages, web):
    url = f"/assignments/{web.assignment_id}"
    response = pages.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={url}"
    response = pages.post(
        "/login", {"username": "stu", "password": "correct horse battery", "next": url}
    )
    assert response.headers["Location"] == url


def test_next_never_leads_off_the_site(pages, web):
    data = {"username": "stu", "password": "correct horse battery", "next": "//evil.example/x"}
    assert pages.post("/login", data).headers["Location"] == "/"


def test_next_with_control_characters_or_backslashes_never_leads_off_the_site(pages, web):
    # Browsers drop tabs and newlines from URLs and read a backslash as a slash, so each of
    # these becomes //evil.example: another site.
    for target in ("/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/%09/x\\y"):
        data = {"username": "stu", "password": "correct horse battery", "next": target}
        location = pages.post("/login", data).headers["Location"]
        assert location in ("/", target) and "\t" not in location and "\n" not in location
        assert not location.replace("\t", "").replace("\n", "").startswith("//"), location
        pages.post("/logout")


def test_signed_in_login_page_never_redirects_off_the_site(pages, web):
    pages.sign_in(web.student)
    response = pages.get("/login", query_string={"next": "/\t/evil.example"})
    assert response.headers["Location"] == "/"


def test_expired_session_asks_to_sign_in_again(pages, web, page_text):
    pages.sign_in(web.student)
    with pages.client.session_transaction() as session:
        session["at"] = time.time() - 13 * 3600  # the default lifetime is 12 hours
    response = pages.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "Your session has expired" in page_text(pages.get(response.headers["Location"]))


def test_expired_session_gets_401_json_from_the_preview(pages, web):
    pages.sign_in(web.student)
    with pages.client.session_transaction() as session:
        session["at"] = 0
    url = f"/assignments/{web.assignment_id}/preview"
    response = pages.client.post(
        url, json={"expression": "x"}, headers={"X-CSRF-Token": pages.csrf()}
    )
    assert response.status_code == 401 and response.is_json


def test_changing_the_password_ends_existing_sessions(pages, web):
    pages.sign_in(web.student)
    users.set_password(web.svc, "stu", "a brand new password")
    assert pages.get("/").status_code == 302


def test_sign_out_ends_the_session(pages, web, page_text):
    pages.sign_in(web.student)
    response = pages.post("/logout")
    assert response.status_code == 303
    assert "You have signed out." in page_text(pages.get("/login"))
    assert pages.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(pages, web):
    cookie = pages.sign_in(web.student).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # off by default so http://127.0.0.1 works


def test_secure_cookies_are_configurable(tmp_path):
    from grader.web import register_web

    env = {"GRADER_INSTANCE_PATH": str(tmp_path), "GRADER_COOKIE_SECURE": "true"}
    config = Config.from_env(env)
    app = Flask("secure-test")
    app.extensions["grader"] = SimpleNamespace(config=config)
    register_web(app)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_passwords_are_stored_as_argon2id_hashes(web, monkeypatch):
    monkeypatch.setattr(users, "_hasher", users.PasswordHasher())
    stored = users.set_password(web.svc, "stu", "correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    actor, _stamp = users.sign_in(web.svc, "stu", "correct horse battery")
    assert actor.username == "stu"


def test_password_command_sets_a_password(web, monkeypatch, capsys):
    from grader.__main__ import main

    monkeypatch.setenv("GRADER_DATABASE_URL", web.svc.config.database_url)
    monkeypatch.setenv("GRADER_SECRET_KEY", "x")
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["users", "password", "--name", "olga", "--stdin"]) == 0
    assert "password set" in capsys.readouterr().out
    assert users.sign_in(web.svc, "olga", "a long enough password")[0].username == "olga"


def test_sign_in_with_a_nul_character_is_refused_not_500(pages, web):
    response = pages.post("/login", {"username": "stu\x00", "password": "whatever1"})
    assert response.status_code in (400, 401, 422)
