"""The Flask application factory: `create_app()` builds the web service and its grading pool."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask.json.provider import DefaultJSONProvider
from flask_openapi3 import Info, OpenAPI

from grader.config import Config
from grader.logs import configure_logging, start_request_budget

if TYPE_CHECKING:
    from grader.services.context import Services

__all__ = ["create_app"]


def create_app(
    config: Config | None = None, *, start_pool: bool = True, services: Services | None = None
) -> OpenAPI:
    """The Flask application: /api/v1 and, unless `start_pool` is False, the grading pool.

    `services` shares one set of use-case state (database, caches) with the caller.
    """
    from grader.api import register_api
    from grader.api.errors import validation_error
    from grader.api.schemas import ErrorResponse
    from grader.guards import refuse_impossible_ids, refuse_nul_characters
    from grader.lti import register_lti
    from grader.services.context import Services
    from grader.web import register_web
    from grader.workers import make_dispatcher

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
    services = services or Services(config)
    app.extensions["grader"] = services
    register_api(app)
    register_web(app)
    register_lti(app)
    services.dispatcher = make_dispatcher(services) if start_pool else services.dispatcher
    services.dispatcher.start()
    if start_pool:  # grade passbacks and webhooks, whichever dispatcher grades
        from grader.services.grading.code_runs import check_at_startup
        from grader.workers.outbox import OutboxRunner

        check_at_startup()  # code parts are refused, with the reason, where it fails

        runner = OutboxRunner(services)
        services.background.append(runner)
        runner.start()
    return app
