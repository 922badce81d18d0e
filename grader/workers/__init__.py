"""Dispatch of submissions to graders: the embedded pool, or Celery on Redis (GRADER_BROKER_URL)."""

from __future__ import annotations

from grader.services.context import Services
from grader.services.infra.dispatch import Dispatcher, NullDispatcher


def make_dispatcher(svc: Services) -> Dispatcher:
    """The dispatcher the configuration asks for."""
    if svc.config.broker_url:
        from grader.workers.dispatcher import CeleryDispatcher

        return CeleryDispatcher(svc)
    if svc.config.pool_size == 0:
        return NullDispatcher()
    from grader.workers.pool import EmbeddedPool

    return EmbeddedPool(svc)
