"""The language switch on every page: saved on the account of a signed-in user (as
`PATCH /api/v1/users/me` does), in the session of anyone else."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, session, url_for

from grader import languages
from grader.i18n import SESSION_CHOICE
from grader.services.accounts import users
from grader.web import bp
from grader.web.security import current_actor, services


@bp.post("/language")
def choose_language() -> Any:
    tag = request.form.get("locale", "")[: languages.MAX_TAG_CHARS]
    chosen = languages.check_language(tag)
    actor = current_actor()
    if actor is not None:
        users.set_locale(services(), actor, chosen)
    else:
        session[SESSION_CHOICE] = chosen
    back = request.form.get("next", "")
    if not back.startswith("/") or back[1:2] in ("/", "\\") or len(back) > 2000:
        back = url_for("web.home")  # only a page of this site: no open redirect
    return redirect(back, code=303)
