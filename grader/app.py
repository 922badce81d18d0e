"""The Flask application factory: `create_app()` builds the web service and registers its parts.

Building starts nothing: the serve command starts the grading pool and the outbox runner
(grader.serving.serving_app). Everything that applies to the whole site is registered here, in
one place and in order: the session interface, the security headers, the LTI frame policy and
the error pages for unknown addresses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask.json.provider import DefaultJSONProvider
from flask_openapi3 import Info, OpenAPI

from grader.config import Config
from grader.logs import configure_logging, start_request_budget

if TYPE_CHECKING:
    from grader.services.context import Services

__all__ = ["create_app"]


def create_app(config: Config | None = None, *, services: Services | None = None) -> OpenAPI:
    """The Flask application: /api/v1, the pages and the LTI tool over `services` (built from
    `config` when not given; sharing one with the caller shares its database and caches)."""
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    from grader import i18n
    from grader.api import register_api
    from grader.api.errors import validation_error
    from grader.api.schemas import ErrorResponse
    from grader.guards import refuse_impossible_ids, refuse_nul_characters
    from grader.lti import LtiSessionInterface, frame_policy, register_lti
    from grader.services.context import Services
    from grader.web import register_web
    from grader.web.security import no_such_page, security_headers

    config = services.config if services else (config or Config.from_env())
    configure_logging(config.log_level)
    app = OpenAPI(
        __name__,
        info=Info(title="Gradient grader API", version="1"),
        security_schemes={"bearer": {"type": "http", "scheme": "bearer"}},
        validation_error_status=422,
        validation_error_model=ErrorResponse,
        validation_error_callback=validation_error,
        doc_ui=False,
    )
    app.url_value_preprocessor(refuse_impossible_ids)
    app.before_request(start_request_budget)  # bounded log output per request
    app.before_request(refuse_nul_characters)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    assert isinstance(app.json, DefaultJSONProvider)
    app.json.sort_keys = False
    if config.web.proxy_hops > 0:  # the client's address and scheme as the proxies saw them
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = config.web.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    # Signed-cookie sessions; one started by an LTI launch is cross-site (SameSite=None).
    app.session_interface = LtiSessionInterface()
    # after_request functions run last-registered first: the frame policy runs after every
    # other (the security headers included) and only adjusts what they set.
    app.after_request(frame_policy)
    app.after_request(security_headers)
    app.register_error_handler(NotFound, no_such_page)
    app.register_error_handler(MethodNotAllowed, no_such_page)
    app.extensions["grader"] = services or Services(config)
    i18n.setup(app)  # before the blueprints: their hooks may word things
    register_api(app)
    register_web(app)
    register_lti(app)
    return app
