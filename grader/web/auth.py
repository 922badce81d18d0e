"""Sign-in and sign-out."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from grader.services.accounts import users
from grader.services.errors import TooManyRequests, Unauthorized
from grader.web import bp
from grader.web.security import SignInRequired, current_actor, said, services, sign_in_session

MAX_USERNAME_CHARS = 64
DEVICE_COOKIE = "grader_device"
DEVICE_COOKIE_S = 180 * 86400


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
    address = request.remote_addr or "unknown"  # behind a proxy: GRADER_PROXY_HOPS
    svc = services()
    try:
        known = _known_device(username)
        svc.sign_in_throttle.attempt(username, address, known)  # counted before the check
        actor, stamp = users.sign_in(svc, username, password)
    except Unauthorized:
        page = render_template(
            "login.html", error=_("Wrong username or password."), username=username, next=target
        )
        return page, 401
    except TooManyRequests as exc:
        page = render_template("login.html", error=said(exc), username=username, next=target)
        return page, 429, exc.headers
    svc.sign_in_throttle.succeeded(username, address)
    sign_in_session(actor, stamp)
    response = redirect(_safe_next(target), code=303)
    response.set_cookie(
        DEVICE_COOKIE,
        _device_signer().dumps(username.lower()),
        max_age=DEVICE_COOKIE_S,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        path="/login",
    )
    return response


def _device_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key or "", salt="sign-in-device")


def _known_device(username: str) -> bool:
    """Whether this browser shows it signed `username` in before (a signed device cookie):
    the address-wide and account-wide sign-in locks then do not shut it out."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    if not value or len(value) > 500:
        return False
    try:
        return bool(_device_signer().loads(value) == username.lower())
    except BadSignature:
        return False


# --- one-time sign-in links (an instructor's reset; services/accounts/sign_in_links.py) ---


@bp.get("/login/link/<token>")
def sign_in_link(token: str) -> Any:
    """Asks before the link is used: a chat or mail preview that fetches it uses nothing."""
    username = users.sign_in_link_user(services(), token)
    return render_template("sign_in_link.html", token=token, username=username)


@bp.post("/login/link/<token>")
def use_sign_in_link(token: str) -> Any:
    """Sign in once through the link, then choose a password on the account page."""
    actor, stamp = users.redeem_sign_in_link(services(), token)
    sign_in_session(actor, stamp)
    session["notice"] = _(
        "You are signed in through a one-time link, which now no longer works. "
        "Choose a password below to sign in with next time."
    )
    return redirect(url_for("web.account"), code=303)


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
    session["notice"] = _("You have signed out.")
    return redirect(url_for("web.login"), code=303)
