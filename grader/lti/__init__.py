"""The LTI 1.3 tool's HTTP endpoints: /lti/login, /lti/launch, /lti/jwks and what follows.

Pages shown inside an LMS frame need two things the rest of the site refuses: a session
cookie sent in a third-party context (`SameSite=None; Secure; Partitioned`) and a
`frame-ancestors` naming the LMS. Both apply only to sessions started by a launch (and to
the /lti pages); every other session and page keeps `SameSite=Lax` and `frame-ancestors 'none'`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface

bp = Blueprint(
    "lti",
    __name__,
    url_prefix="/lti",
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)

SESSION_KEY = "lti_frame"  # the LMS origins that may frame this session's pages


def in_lti_session() -> bool:
    return has_request_context() and bool(session.get(SESSION_KEY))


class LtiSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a session started by an LTI launch is cross-site."""

    def get_cookie_samesite(self, app: Flask) -> str | None:
        return "None" if in_lti_session() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        return True if in_lti_session() else super().get_cookie_secure(app)

    def get_cookie_partitioned(self, app: Flask) -> bool:
        return True if in_lti_session() else super().get_cookie_partitioned(app)


def frame_policy(response: Any) -> Any:
    """Runs after the site's security headers: the /lti pages get their own policy (see
    grader.lti.views.lti_policy); pages of a launched session may be framed by the LMS that
    launched it, and by no one else."""
    if not has_request_context():
        return response
    if request.blueprint == "lti":
        from grader.lti.views import lti_policy

        return lti_policy(response)
    origins = session.get(SESSION_KEY)
    policy = response.headers.get("Content-Security-Policy", "")
    if origins and "frame-ancestors 'none'" in policy and response.mimetype == "text/html":
        allowed = " ".join(origins)
        response.headers["Content-Security-Policy"] = policy.replace(
            "frame-ancestors 'none'", f"frame-ancestors {allowed}"
        )
        response.headers.pop("X-Frame-Options", None)
    return response


def register_lti(app: Flask) -> None:
    """Add the LTI endpoints (after the web pages, whose templates and errors they share).

    The session interface and `frame_policy` are set by grader.app.create_app, in the order
    the site's headers need."""
    from grader.lti import views  # noqa: F401  (routes)

    app.add_template_global(_lms_course, "lms_course")
    app.register_blueprint(bp)


def _lms_course(course_id: int) -> Any:
    """For the instructor's course page: the LMS link of a course (None for other courses)."""
    from flask import current_app

    from grader.services.integrations.lti.nrps import course_link

    return course_link(current_app.extensions["grader"], course_id)
