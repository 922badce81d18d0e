"""Dispatch of submissions to graders: the embedded pool today, Celery on Redis later."""

from __future__ import annotations

from grader.config import ConfigError
from grader.services.context import Services
from grader.services.dispatch import Dispatcher, NullDispatcher


def make_dispatcher(svc: Services) -> Dispatcher:
    """The dispatcher the configuration asks for."""
    if svc.config.broker_url:
        raise ConfigError(
            "GRADER_BROKER_URL is set, but this version grades only in the embedded pool; unset it"
        )
    if svc.config.pool_size == 0:
        return NullDispatcher()
    from grader.workers.pool import EmbeddedPool

    return EmbeddedPool(svc)
