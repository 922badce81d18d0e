"""The pages and the API in the reader's language: Flask-Babel with one gettext catalogue per
language under grader/translations/, and the choice of language for each request.

The choice, first found first: the user's saved language (their account page, or
`PATCH /api/v1/users/me`), the switch's choice made before signing in (kept in the session),
the `locale` of the LMS launch that signed them in, the browser's Accept-Language, the default language of
the course the page belongs to, English.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request, session
from flask_babel import Babel
from flask_babel import gettext as _

from grader import languages
from grader.engine.mastery import Level
from grader.services import translation
from grader.services.errors import N_

SESSION_CHOICE = "locale"  # the switch's choice while signed out
SESSION_LTI = "lti_locale"  # the launch's locale claim


def language() -> str:
    """The tag of this request's language (chosen once per request)."""
    if "language" not in g:
        g.language = _choose()
    return g.language


def _choose() -> str:
    if "actor" not in g and "uid" in session:  # a page that has not looked at who signed in
        from grader.web.security import current_actor

        try:
            current_actor()
        except Exception:  # an expired session: the page itself says so
            pass
    actor = g.get("actor")
    saved = actor.locale if actor is not None else None
    for tag in (saved, session.get(SESSION_CHOICE), session.get(SESSION_LTI)):
        found = languages.supported(tag)
        if found:
            return found
    offered = [tag for tag in request.accept_languages.values()][:20]
    for tag in offered:
        found = languages.supported(tag)
        if found:
            return found
    return languages.supported(_course_default()) or languages.DEFAULT


def _course_default() -> str | None:
    """The default language of the course the address names, if it names one."""
    from grader.services.courses import course as courses

    course_id = (request.view_args or {}).get("course_id")
    if not isinstance(course_id, int):
        return None
    return courses.course_locale(current_app.extensions["grader"], course_id)


def _locale() -> str:
    return languages.catalogue_name(language())


def _start() -> None:
    g.language_token = languages.use(language)


def _end(_: BaseException | None) -> None:
    token = g.pop("language_token", None)
    if token is not None:
        languages.done(token)


def role_name(role: str) -> str:
    """An account or course role in the page's language."""
    names = {"admin": _("administrator"), "instructor": _("instructor"), "student": _("student")}
    return names.get(role, role)


MASTERY_LEVELS = {
    Level.NOT_STARTED: N_("not started"),
    Level.ATTEMPTED: N_("attempted"),
    Level.FAMILIAR: N_("familiar"),
    Level.PROFICIENT: N_("proficient"),
    Level.MASTERED: N_("mastered"),
}


def level_words() -> dict[Level, str]:
    """The mastery levels in the page's language."""
    return {level: _(word) for level, word in MASTERY_LEVELS.items()}


def status_name(status: str) -> str:
    """A submission's status in the page's language."""
    names = {
        "queued": _("queued"),
        "grading": _("grading"),
        "graded": _("graded"),
        "failed": _("failed"),
    }
    return names.get(status, status)


# What the pages' scripts say (grader/web/static/*.js), worded in the page's language and
# given to them in the page (base.html: <script type="application/json" id="page-words">).
SCRIPT_WORDS = (
    N_("We read your answer as "),
    N_("read as "),
    N_("We could not read this."),
    N_("Your session has expired; reload the page and sign in."),
    N_("Slow down a little; the preview will catch up."),
    N_("1 part is blank"),
    N_("%(n)s parts are blank"),
    N_("Every part has a blank box"),
    N_("Part %(n)s"),
    N_("submit anyway? Blank parts score 0, and submitting uses an attempt."),
    N_("%(minutes)s min %(seconds)s s"),
    N_("10 minutes left in the exam."),
    N_("1 minute left in the exam."),
    N_("Time is up. Your answers are no longer taken."),
    N_("Running your code on the checks…"),
    N_("Too many runs at once; try again in a few seconds."),
    N_("The checks could not run."),
    N_("The checks could not be reached; your code is still in the box."),
)


def script_words() -> dict[str, str]:
    """The scripts' words in the page's language (none for English: they are the keys)."""
    if language() == languages.DEFAULT:
        return {}
    return {english: _(english) for english in SCRIPT_WORDS}


def _globals() -> dict[str, Any]:
    return {
        "language": language(),
        "languages": languages.LANGUAGES,
        "role_name": role_name,
        "status_name": status_name,
        "script_words": script_words,
    }


def setup(app: Flask) -> None:
    """Add Flask-Babel to `app`, choosing each request's language as the module says."""
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(translation.DIRECTORY)
    app.config["BABEL_DEFAULT_LOCALE"] = languages.DEFAULT
    Babel(app, locale_selector=_locale)
    app.before_request(_start)
    app.teardown_request(_end)
    app.context_processor(_globals)
