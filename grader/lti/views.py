"""The LTI endpoints: login initiation, launch, the tool's JWKS, deep linking, new-window codes."""

from __future__ import annotations

import ipaddress
import logging
import math
import secrets
from datetime import UTC, datetime
from typing import Any

from flask import (
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from grader.i18n import SESSION_LTI
from grader.lti import SESSION_KEY, bp
from grader.services import translation
from grader.services.assignments import assignment as assignments
from grader.services.context import Actor, Services
from grader.services.errors import N_, ServiceError, TooManyRequests
from grader.services.exercises import library as exercises
from grader.services.integrations import outbound
from grader.services.integrations.lti import deeplink as lti_deeplink
from grader.services.integrations.lti import keys as lti_keys
from grader.services.integrations.lti import launch as lti_launch
from grader.services.integrations.lti import nrps as lti_nrps
from grader.services.integrations.lti import onetime as lti_onetime
from grader.services.integrations.lti import platforms as lti_platforms
from grader.services.integrations.lti.launch import LaunchRefused, refused
from grader.web.security import SignInRequired, check_csrf, require_actor, sign_in_session

log = logging.getLogger(__name__)
STATE_COOKIE = "lti_state"  # this browser's login cookie: the states it started name it
TITLES = {400: N_("Launch refused"), 401: N_("Launch refused"), 403: N_("Not allowed")}
TITLES |= {404: N_("Not found"), 405: N_("Not possible"), 409: N_("Not possible now")}
TITLES |= {422: N_("Cannot use that"), 429: N_("Slow down"), 503: N_("Unavailable")}


def error_title(status: int) -> str:
    """A refusal page's title in the page's language."""
    return _(TITLES.get(status, "Error"))


def services() -> Services:
    return current_app.extensions["grader"]


def base_url() -> str:
    return lti_launch.tool_base(services(), request.url_root)


# --- headers and errors ------------------------------------------------------------------


def lti_policy(response: Any) -> Any:
    """The site's policy, except who may frame (the LMS) and where forms may go (the LMS)."""
    origins = g.get("lti_origins") or session.get(SESSION_KEY)
    if not origins:
        try:
            origins = lti_platforms.frame_origins(services())
        except (OperationalError, InterfaceError):
            origins = []
    frame = " ".join(origins) or "'none'"
    form = " ".join(["'self'", *g.get("lti_form_action", [])])
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"object-src 'none'; base-uri 'none'; form-action {form}; frame-ancestors {frame}"
    )
    response.headers.pop("X-Frame-Options", None)
    if request.endpoint == "lti.jwks":
        response.headers["Cache-Control"] = "public, max-age=300"
    return response


def refused_page(status: int, message: str, headers: dict[str, str] | None = None) -> Any:
    if request.accept_mimetypes.best == "application/json":
        body = jsonify({"error": {"code": "lti_refused", "message": message}})
        return body, status, headers or {}
    page = render_template("lti/refused.html", title=error_title(status), message=message)
    return page, status, headers or {}


@bp.errorhandler(ServiceError)
def _refused(exc: ServiceError) -> Any:
    if isinstance(exc, LaunchRefused):
        log.info("LTI request refused (%s): %s", exc.status, exc.message)
    text = translation.message_of(exc)
    return refused_page(exc.status, text[:1].upper() + text[1:], exc.headers)


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException) -> Any:
    return refused_page(exc.code or 400, exc.description or exc.name)


@bp.errorhandler(OperationalError)
@bp.errorhandler(InterfaceError)
def _database_down(exc: Exception) -> Any:
    log.warning("database unavailable: %s", str(exc).splitlines()[0][:300])
    return refused_page(503, _("The database is unavailable right now; launch again shortly."))


# --- endpoints -------------------------------------------------------------------------


@bp.get("/jwks")
def jwks() -> Any:
    """The tool's public keys (every unretired key), for the platforms to verify our JWTs."""
    return jsonify(lti_keys.jwks(services()))


def _cookie(response: Any, value: str, max_age: int) -> None:
    """The browser's login cookie: sent back to us from inside the LMS frame (SameSite=None,
    partitioned per LMS site where the browser supports it), never to scripts."""
    response.set_cookie(
        STATE_COOKIE,
        value,
        max_age=max_age,
        secure=True,
        httponly=True,
        samesite="None",
        partitioned=True,
        path="/lti/",
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """OIDC third-party login initiation: sign a state bound to this browser, send it on.

    Nothing is stored (the state is signed), and each address may start only so many logins
    a minute (`GRADER_LTI_LOGINS_PER_MINUTE`)."""
    svc = services()
    _login_rate(svc)
    params = {k: v for k, v in (request.form if request.method == "POST" else request.args).items()}
    browser = request.cookies.get(STATE_COOKIE, "")
    if not (20 <= len(browser) <= 100):
        browser = secrets.token_urlsafe(24)
    target = lti_launch.begin_login(svc, params, base_url(), browser)
    response = redirect(target, code=302)
    _cookie(response, browser, int(svc.config.lti.state_ttl_s))
    return response


def _login_rate(svc: Services) -> None:
    """Refuse (429) an address starting logins faster than the configured rate, counted by
    every service process together (an IPv6 address by its /64: one host holds them all)."""
    limit = svc.config.lti.logins_per_minute
    if limit <= 0:
        return
    wait = svc.lti_logins.check(client_network(request.remote_addr or "unknown"), limit)
    if wait is not None:
        raise TooManyRequests(
            f"too many LMS logins from this address; at most {limit} a minute. "
            f"Try again in {math.ceil(wait)} seconds",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


def client_network(address: str) -> str:
    """What a per-address limit counts: the address, or an IPv6 address's /64 network."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@bp.post("/launch")
def launch() -> Any:
    """The redirect URI: validate the id_token, sign the user in, show the activity."""
    try:
        return make_response(_launch())
    except lti_launch.BrowserUnproven as exc:
        log.info("LTI launch without the login cookie: offered a window of its own")
        page = render_template(
            "lti/refused.html",
            title=_("Open in a window of its own"),
            message=exc.message[:1].upper() + exc.message[1:],
            relaunch=base_url() + exc.relaunch,
        )
        return page, exc.status


def _launch() -> Any:
    svc = services()
    base = base_url()
    checked = lti_launch.validate(
        svc,
        request.form.get("id_token", ""),
        request.form.get("state", ""),
        request.cookies.get(STATE_COOKIE) or None,
        base,
    )
    landing = lti_launch.provision(svc, checked)
    g.lti_origins = landing.frame_origins
    sign_in_session(landing.actor, landing.stamp)
    session[SESSION_KEY] = landing.frame_origins
    if checked.locale:  # the LMS's language, after the user's own choice (grader/i18n.py)
        session[SESSION_LTI] = checked.locale
    if checked.message_type == lti_launch.DEEP_LINKING:
        code = lti_deeplink.start(svc, checked, landing)
        return _picker(
            svc,
            landing.actor,
            code,
            "lti.deep_link",
            checked.claims[lti_launch.DL_SETTINGS].get("title") or "",
            course_id=landing.course_id,
        )
    if landing.assignment_id is None:
        if landing.role != "instructor":
            message = _("Your instructor has not chosen the exercise for this activity yet.")
            return render_template("lti/notice.html", title=_("Not set up yet"), message=message)
        payload = {
            "link_pk": landing.link_pk,
            "user_id": landing.actor.id,
            "username": landing.actor.username,
            "course_id": landing.course_id,
        }
        code = lti_onetime.issue(svc, "link", payload, svc.config.lti.state_ttl_s)
        return _picker(svc, landing.actor, code, "lti.link", "", course_id=landing.course_id)
    target = url_for("web.exercise", assignment_id=landing.assignment_id)
    return _landing(svc, landing.actor, landing.stamp, target)


def _landing(svc: Services, actor: Actor, stamp: str, target: str) -> Any:
    payload = {
        "user_id": actor.id,
        "username": actor.username,
        "role": actor.role,
        "stamp": stamp,
        "target": target,
        "frame": session.get(SESSION_KEY),
        "locale": session.get(SESSION_LTI),
    }
    code = lti_onetime.issue(svc, "open", payload, svc.config.lti.launch_code_ttl_s)
    return render_template("lti/landing.html", target=target, code=code)


def _picker(
    svc: Services,
    actor: Actor,
    code: str,
    action: str,
    title: str,
    error: str = "",
    *,
    course_id: int | None = None,
) -> Any:
    """The instructor's choice: one of the course's assignments, or a library exercise (which
    becomes a one-question assignment)."""
    teacher = Actor(actor.id, actor.username, "instructor")
    listing = exercises.list_exercises(svc, teacher, 1000, 0)
    course = []
    if course_id is not None:
        course = assignments.list_for_course(svc, actor, course_id, 200, 0)["items"]
    page = render_template(
        "lti/pick.html",
        items=listing["items"],
        assignments=course,
        code=code,
        action=action,
        title=title,
        error=error,
    )
    return page, 422 if error else 200


@bp.get("/session")
def session_check() -> Any:
    """Whether this browser kept the launch's session cookie (the landing page asks)."""
    return jsonify({"signed_in": "uid" in session})


@bp.get("/open/<code>")
def open_window(code: str) -> Any:
    """Open in a new window: a one-time, short-lived code signs the user in there."""
    payload, reason = lti_onetime.use(services(), "open", code)
    if payload is None:
        why = {"used": "was already used", "expired": "has expired"}.get(reason, "is not valid")
        raise refused(400, f"this link {why}; open the activity from the LMS again")
    actor = Actor(payload["user_id"], payload["username"], payload["role"])
    sign_in_session(actor, payload["stamp"])
    if payload.get("frame"):
        session[SESSION_KEY] = payload["frame"]
    if payload.get("locale"):
        session[SESSION_LTI] = payload["locale"]
    return redirect(payload["target"], code=303)


def _spec() -> dict[str, Any]:
    """The assignment settings from the picker form (422 naming the field when wrong), or
    {"assignment_id"} when an existing assignment of the course was chosen."""
    form = request.form
    chosen = form.get("assignment_id", "").strip()
    if chosen:
        if not chosen.isdigit() or len(chosen) > 10:
            raise refused(422, "choose one of the course's assignments")
        return {"assignment_id": int(chosen), "title": form.get("title", "").strip()[:200]}
    spec: dict[str, Any] = {
        "exercise_id": form.get("exercise_id", "").strip(),
        "title": form.get("title", "").strip()[:200],
    }
    if not spec["exercise_id"]:
        raise refused(422, "choose an exercise")
    attempts = form.get("max_attempts", "").strip()
    if attempts:
        if not attempts.isdigit() or not 1 <= int(attempts) <= 1000:
            raise refused(
                422, "attempts must be a whole number from 1 to 1000 (or empty: unlimited)"
            )
        spec["max_attempts"] = int(attempts)
    due = form.get("due_at", "").strip()
    if due:
        try:
            spec["due_at"] = datetime.fromisoformat(due[:32]).replace(tzinfo=UTC)
        except ValueError:
            raise refused(422, f"the due date {due[:32]!r} is not a date and time") from None
    penalty = form.get("late_penalty", "").strip()
    if penalty:
        try:
            value = float(penalty[:20])
        except ValueError:
            value = -1.0
        if not 0.0 <= value <= 1.0:
            raise refused(422, "the late penalty is a fraction from 0 to 1 (0.2 takes 20% off)")
        spec["late_penalty"] = value
    return spec


def _chosen(kind: str, action: str) -> tuple[dict[str, Any], dict[str, Any] | None, Any]:
    """(the burnt code's payload, the form's settings, None), or (payload, None, the form
    again with the problem)."""
    svc = services()
    code = request.form.get("code", "")
    payload, reason = lti_onetime.use(svc, kind, code)
    if payload is None:
        why = "was already used" if reason == "used" else "has expired"
        raise refused(400, f"this form {why}; open the activity from the LMS again")
    try:
        return payload, _spec(), None
    except LaunchRefused as exc:
        return payload, None, _again(kind, action, payload, exc)


def _again(kind: str, action: str, payload: dict[str, Any], exc: ServiceError) -> Any:
    """A bad choice: the form again with the message and a fresh code."""
    svc = services()
    fresh = lti_onetime.issue(svc, kind, payload, svc.config.lti.state_ttl_s)
    actor = Actor(payload["user_id"], payload["username"], "instructor")
    title = request.form.get("title", "")
    return _picker(svc, actor, fresh, action, title, exc.message, course_id=payload["course_id"])


@bp.post("/deep-link")
def deep_link() -> Any:
    """The instructor's choice: create the assignment and post the signed answer to the LMS."""
    payload, spec, again = _chosen("deeplink", "lti.deep_link")
    if spec is None:
        return again
    try:
        token = lti_deeplink.finish(services(), payload, spec, base_url())
    except ServiceError as exc:  # unknown exercise or version, dates in the wrong order
        return _again("deeplink", "lti.deep_link", payload, exc)
    g.lti_form_action = [outbound.origin(payload["return_url"])]
    return render_template("lti/autopost.html", action=payload["return_url"], token=token)


@bp.post("/link")
def link() -> Any:
    """An instructor ties an unlinked LMS activity to a new assignment, then opens it."""
    payload, spec, again = _chosen("link", "lti.link")
    if spec is None:
        return again
    actor = Actor(payload["user_id"], payload["username"], "instructor")
    try:
        if "assignment_id" in spec:
            created = {"id": spec["assignment_id"]}
        else:
            created = assignments.create_assignment(services(), actor, payload["course_id"], spec)
    except ServiceError as exc:
        return _again("link", "lti.link", payload, exc)
    lti_launch.attach_assignment(services(), payload["link_pk"], created["id"])
    return redirect(url_for("web.exercise", assignment_id=created["id"]), code=303)


@bp.post("/courses/<int:course_id>/roster")
def sync_roster(course_id: int) -> Any:
    """The course page's "Read the roster from the LMS" button (signed-in instructors)."""
    check_csrf()
    try:
        actor = require_actor()
    except SignInRequired:
        return redirect(url_for("web.login"), code=303)
    counts = lti_nrps.sync(services(), actor, course_id)
    target = url_for("web.teach_course", course_id=course_id, lms_synced=counts["members"])
    return redirect(target, code=303)
