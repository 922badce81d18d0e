"""The student and instructor web pages: sign-in, courses, exercises, feedback with plots."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask

bp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
)


def register_web(app: Flask) -> None:
    """Add the pages to `app` (after the services are in `app.extensions["grader"]`)."""
    from grader.web import (  # noqa: F401  (routes)
        account,
        auth,
        authoring,
        exercise,
        feedback,
        instructor,
        language,
        pages,
        practice,
        question_editor,
        security,
        solution,
    )

    config = app.extensions["grader"].config
    app.secret_key = config.secret_key
    app.config.update(
        SESSION_COOKIE_NAME="grader_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.web.cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.web.session_hours),
    )
    app.register_blueprint(bp)
