"""Your account: change your password (the current one required, when you have one); other
sessions end."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from grader.services.accounts import users
from grader.services.context import Actor
from grader.services.errors import Invalid, TooManyRequests
from grader.web import bp
from grader.web.security import said, services, sign_in_session, signed_in


@bp.get("/account")
@signed_in
def account(actor: Actor) -> Any:
    return _page(actor, notice=session.pop("notice", None))


def _page(actor: Actor, **values: Any) -> str:
    """The account page; a user without a password (from an LMS, or after a one-time sign-in
    link) chooses one without a current one."""
    return render_template(
        "account.html", has_password=users.has_password(services(), actor), **values
    )


@bp.post("/account/password")
@signed_in
def change_password(actor: Actor) -> Any:
    current = request.form.get("current_password", "")
    new = request.form.get("new_password", "")
    if new != request.form.get("repeat_password", ""):
        error = _("The new password and its repetition differ; nothing was changed.")
        return _page(actor, error=error, field="repeat_password"), 422
    try:
        stamp = users.change_password(
            services(), actor, current, new, request.remote_addr or "unknown"
        )
    except Invalid as exc:
        field = (exc.details or [{}])[0].get("path", "") if isinstance(exc.details, list) else ""
        return _page(actor, error=said(exc), field=field), 422
    except TooManyRequests as exc:
        return _page(actor, error=said(exc), field=""), 429, exc.headers
    sign_in_session(actor, stamp)  # this session goes on; every other one has ended
    session["notice"] = _("Your password was changed. You were signed out everywhere else.")
    return redirect(url_for("web.account"), code=303)
