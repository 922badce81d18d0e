"""Sign-in and sign-out."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, session, url_for

from grader.services.accounts import users
from grader.services.errors import TooManyRequests, Unauthorized
from grader.web import bp
from grader.web.security import SignInRequired, current_actor, services, sign_in_session

MAX_USERNAME_CHARS = 64


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no //host) is a place to return to.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so a target
    with any of those (or any other control character or space) is refused: `/<TAB>/host`
    would otherwise lead to //host.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target)
    ):
        return target
    return url_for("web.home")


@bp.get("/login")
def login() -> Any:
    try:
        if current_actor() is not None:
            return redirect(_safe_next(request.args.get("next")))
    except SignInRequired:  # an expired session: show the form with its notice
        pass
    notice = session.pop("notice", None)
    return render_template("login.html", notice=notice, next=request.args.get("next", ""))


@bp.post("/login")
def login_post() -> Any:
    username = request.form.get("username", "").strip()[:MAX_USERNAME_CHARS]
    password = request.form.get("password", "")
    target = request.form.get("next", "")
    address = request.remote_addr or "unknown"
    svc = services()
    try:
        svc.sign_in_throttle.check(username, address)
        actor, stamp = users.sign_in(svc, username, password)
    except Unauthorized:
        svc.sign_in_throttle.failed(username, address)
        page = render_template(
            "login.html", error="Wrong username or password.", username=username, next=target
        )
        return page, 401
    except TooManyRequests as exc:
        page = render_template(
            "login.html", error=exc.message.capitalize() + ".", username=username, next=target
        )
        return page, 429, exc.headers
    svc.sign_in_throttle.succeeded(username, address)
    sign_in_session(actor, stamp)
    return redirect(_safe_next(target), code=303)


@bp.post("/logout")
def logout() -> Any:
    """Sign out: the session's version is bumped in the database, so the cookie (and any copy
    of it) no longer signs anyone in — the user's other sessions end too."""
    try:
        actor = current_actor()
    except SignInRequired:  # already expired or ended
        actor = None
    if actor is not None:
        users.end_sessions(services(), actor, actor.id)
    session.clear()
    session["notice"] = "You have signed out."
    return redirect(url_for("web.login"), code=303)
