"""The student and instructor web pages: sign-in, courses, exercises, feedback with plots."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask

from grader.services.web_auth import LoginThrottle

bp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
)

DEFAULT_SESSION_HOURS = 12.0


def _extra(app: Flask, name: str, default: str) -> str:
    return app.extensions["grader"].config.extra.get(name, default)


def register_web(app: Flask) -> None:
    """Add the pages to `app` (after the services are in `app.extensions["grader"]`)."""
    from grader.web import auth, exercise, feedback, pages, security  # noqa: F401  (routes)

    config = app.extensions["grader"].config
    truthy = {"1", "true", "yes", "on"}
    hours = float(_extra(app, "session_hours", str(DEFAULT_SESSION_HOURS)))
    app.secret_key = config.secret_key
    app.config.update(
        SESSION_COOKIE_NAME="grader_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=_extra(app, "cookie_secure", "false").lower() in truthy,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=hours),
    )
    failures = int(_extra(app, "login_max_failures", "5"))
    window = float(_extra(app, "login_window_s", "300"))
    app.extensions["grader_web"] = {
        "per_account": LoginThrottle(failures, window),  # one username from one address
        "per_address": LoginThrottle(10 * failures, window),  # any usernames from one address
    }
    app.register_blueprint(bp)
