"""Sessions, CSRF tokens, security headers and error pages for the web blueprint."""

from __future__ import annotations

import functools
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from jinja2 import pass_context
from werkzeug.exceptions import HTTPException

from grader import languages
from grader.api.errors import API_PREFIX, error_response
from grader.db.session import UNAVAILABLE
from grader.services import timezones, translation
from grader.services.accounts import users
from grader.services.context import Actor, Services
from grader.services.errors import N_, ServiceError
from grader.services.exercises.markup import latex_to_mathml, render_feedback
from grader.web import bp

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class CsrfError(ServiceError):
    status, code = 400, "csrf"


class SignInRequired(Exception):
    """Raised by `require_actor`; answered by a redirect to the sign-in page."""

    def __init__(self, expired: bool = False):
        self.expired = expired


def services() -> Services:
    return current_app.extensions["grader"]


def csrf_token() -> str:
    """This session's CSRF token (created on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


@bp.before_request
def check_csrf() -> None:
    """Every state-changing request carries the session's token (form field or header)."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfError(
            "this form has expired or did not come from this site; reload the page and try again"
        )


def sign_in_session(actor: Actor, stamp: str) -> None:
    """Start a fresh session for `actor` (a new CSRF token; nothing kept from before)."""
    chosen = session.get("locale")  # the language switch's choice before signing in stays
    session.clear()
    session.permanent = True
    session.update(uid=actor.id, stamp=stamp, at=time.time(), csrf=secrets.token_urlsafe(32))
    if chosen:
        session["locale"] = chosen


def current_actor() -> Actor | None:
    """The signed-in actor; raises SignInRequired(expired=True) for an expired session."""
    if "actor" in g:
        return g.actor
    actor = None
    if "uid" in session:
        lifetime = current_app.permanent_session_lifetime.total_seconds()
        if time.time() - float(session.get("at", 0)) > lifetime:
            session.clear()
            raise SignInRequired(expired=True)
        actor = users.session_actor(services(), int(session["uid"]), session.get("stamp", ""))
        if actor is None:
            session.clear()
            raise SignInRequired(expired=True)
    g.actor = actor
    return actor


def require_actor() -> Actor:
    actor = current_actor()
    if actor is None:
        raise SignInRequired()
    return actor


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """Call `view(actor, ...)` for a signed-in user; others go to the sign-in page."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return view(require_actor(), *args, **kwargs)

    return wrapper


@bp.app_context_processor
def template_globals() -> dict[str, Any]:
    return {"csrf_token": csrf_token}


def security_headers(response: Any) -> Any:
    """The same headers on every response: pages, /api/v1 (its /docs page too), errors
    (registered by grader.app.create_app)."""
    svg = response.mimetype == "image/svg+xml"
    response.headers["Content-Security-Policy"] = SVG_CSP if svg else CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if response.mimetype in ("text/html", "application/json"):
        response.headers["Cache-Control"] = "no-store"
    return response


def error_page(status: int, title: str, message: str, headers: dict | None = None) -> Any:
    if wants_json():
        english = TITLES.get(status) or title  # the code is the same in every language
        code = english.lower().replace(" ", "_")
        body = {"error": {"code": code, "message": message}}
        return jsonify(body), status, headers or {}
    page = render_template("error.html", title=title, message=message, status=status)
    return page, status, headers or {}


@bp.errorhandler(SignInRequired)
def _sign_in(exc: SignInRequired) -> Any:
    message = _("Your session has expired; please sign in again.") if exc.expired else None
    if wants_json():
        return error_page(401, "Signed out", message or _("please sign in"))
    if message:
        session["notice"] = message
    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))


TITLES = {400: N_("Bad request"), 401: N_("Signed out"), 403: N_("Not allowed")}
TITLES |= {404: N_("Not found"), 409: N_("Not possible now"), 413: N_("Too large")}
TITLES |= {422: N_("Cannot read that"), 429: N_("Slow down"), 500: N_("Error")}
TITLES |= {503: N_("Unavailable")}


def error_title(status: int, fallback: str = "Error") -> str:
    """A page title for an HTTP status, in the page's language."""
    return _(TITLES.get(status, fallback))


def said(exc: ServiceError) -> str:
    """A service error's message for a page: in the page's language, as a sentence."""
    text = translation.message_of(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "。")) else ".")


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> Any:
    text = translation.message_of(exc)
    return error_page(exc.status, error_title(exc.status), text[:1].upper() + text[1:], exc.headers)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Any:
    status = exc.code or 500
    return error_page(status, error_title(status, exc.name), exc.description or exc.name)


def no_such_page(exc: HTTPException) -> Any:
    """Unknown addresses anywhere get the site's own page (the API's JSON under /api/); for
    404 and 405, registered by grader.app.create_app."""
    status = exc.code or 404
    if request.path.startswith(API_PREFIX):
        code = "not_found" if status == 404 else "method_not_allowed"
        return error_response(status, code, exc.description or exc.name)
    try:
        current_actor()  # the header shows who is signed in, as on every other page
    except SignInRequired:
        pass
    message = (
        _("There is no page at this address. It may have moved, or the link may be mistyped.")
        if status == 404
        else _("This page cannot be used that way; go back and use the page's own buttons.")
    )
    allow = {k: v for k, v in exc.get_headers() if k == "Allow"}
    return error_page(status, error_title(status, exc.name), message, allow)


def _database_down(exc: Exception) -> Any:
    log.warning("database unavailable: %s", str(exc).splitlines()[0][:300])
    message = _("The database is unavailable right now; nothing was changed. Try again shortly.")
    return error_page(503, error_title(503), message, {"Retry-After": "5"})


for _kind in UNAVAILABLE:  # the same failures as the API's 503 (api/errors.py)
    bp.register_error_handler(_kind, _database_down)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Any:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_page(
        500, error_title(500), _("Something went wrong on our side; it has been logged.")
    )


def when(value: Any, time_zone: str | None = None) -> str:
    """A time for people in a course's zone, naming it: '2026-11-27 09:00 America/Chicago'
    (accepts datetimes and ISO strings; UTC when no zone is given)."""
    return timezones.shown(value, time_zone, languages.catalogue_name(languages.current()))


@bp.app_template_filter("when")
@pass_context
def when_filter(context: Any, value: Any, time_zone: str | None = None) -> str:
    """`when` in a page: the zone given, else that of the page's course (`info`, `course` or
    the assignment `a` in the template's context), else UTC."""
    if time_zone is None:
        for name in ("info", "course", "a"):  # a dict, or a service's typed result
            found = context.get(name)
            zone = found.get("time_zone") if isinstance(found, dict) else None
            zone = zone or getattr(found, "time_zone", None)
            if isinstance(zone, str) and zone:
                time_zone = zone
                break
    return when(value, time_zone)


@bp.app_template_filter("approx")
def approx(value: Any) -> str:
    """A reference value for people: 6 significant digits (0.333333, not 0.3333333333333333)."""
    try:
        return f"{float(value):.6g}"
    except (TypeError, ValueError):
        return str(value)


@bp.app_template_filter("num")
def num(value: Any) -> str:
    """A score without noise: 2, 1.5, 0.667."""
    return "–" if value is None else f"{float(value):.3g}"


@bp.app_template_filter("value")
def value_filter(value: Any) -> str:
    """A point's coordinate: a number, or a tensor as the nested list it is typed as."""
    if isinstance(value, list):
        return "[" + ", ".join(value_filter(v) for v in value) + "]"
    return num(value)


@bp.app_template_filter("nested_example")
def nested_example(shape: list[int]) -> str:
    """A placeholder showing the nesting of an answer of ``shape``: [[a, b, c], [d, e, f]]."""
    if len(shape) == 1:
        return "[" + ", ".join("…" for _ in range(min(shape[0], 4))) + "]"
    inner = nested_example(shape[1:])
    return "[" + ", ".join(inner for _ in range(min(shape[0], 3))) + "]"


@bp.app_template_filter("shape_words")
def shape_words(shape: list[int]) -> str:
    """``a 2×3 matrix``, ``a vector of 3``: what an answer box holds."""
    from grader.engine.shapes import describe

    return describe(tuple(shape))


@bp.app_template_filter("latex")
def latex(value: str) -> str:
    """Server-side MathML for a LaTeX snippet (sanitised)."""
    return latex_to_mathml(value)


@bp.app_template_filter("feedback")
def feedback(value: str | None) -> str:
    """A feedback text as sanitised HTML, its $...$ math as MathML."""
    return render_feedback(value or "")
