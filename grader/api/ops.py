"""Operations endpoints outside the versioned API: /healthz, /readyz and Prometheus /metrics."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from grader.api.common import svc
from grader.services.infra.health import readiness
from grader.services.infra.metrics import ClusterMetrics, exposition

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """The process is alive (no dependency is checked)."""
    return {"status": "ok"}


def _cluster() -> ClusterMetrics | None:
    """Redis-held figures when a broker is configured (one client per app)."""
    services = svc()
    if not services.config.broker_url:
        return None
    if "grader.cluster" not in current_app.extensions:
        cluster = ClusterMetrics(services.config, services.config.celery)
        current_app.extensions["grader.cluster"] = cluster
    return current_app.extensions["grader.cluster"]


@bp.get("/readyz")
def readyz():
    """200 when the database (and the broker, when one is configured) answers; else 503."""
    cluster = _cluster()
    checks = readiness(svc(), cluster.redis if cluster is not None else None)
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return body, 200 if ready else 503, {} if ready else {"Retry-After": "5"}


@bp.get("/metrics")
def metrics():
    """Prometheus text exposition: submissions by status, queue depth, latency, batches."""
    data = exposition(svc(), _cluster())
    return Response(data, mimetype="text/plain; version=0.0.4; charset=utf-8")
