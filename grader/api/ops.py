"""Operations endpoints outside the versioned API: /healthz, /readyz and Prometheus /metrics."""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, current_app, request

from grader.api.common import svc
from grader.config import Config
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
    checks = readiness(svc().db, cluster.redis if cluster is not None else None)
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return body, 200 if ready else 503, {} if ready else {"Retry-After": "5"}


def metrics_allowed(config: Config, address: str, authorization: str) -> bool:
    """Whether /metrics may be read: from an allowed network, or with the metrics token."""
    token = config.metrics_token
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    try:
        client = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(client, ipaddress.IPv6Address) and client.ipv4_mapped is not None:
        client = client.ipv4_mapped
    for text in config.metrics_allow.split(","):
        try:
            network = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            continue
        if client.version == network.version and client in network:
            return True
    return False


@bp.get("/metrics")
def metrics():
    """Prometheus text exposition: submissions by status, queue depth, latency, batches.
    Readable from GRADER_METRICS_ALLOW networks or with GRADER_METRICS_TOKEN (else 403)."""
    config = svc().config
    if not metrics_allowed(
        config, request.remote_addr or "", request.headers.get("Authorization", "")
    ):
        error = {
            "code": "forbidden",
            "message": "the metrics are readable from the configured networks or with the "
            "metrics token (GRADER_METRICS_ALLOW, GRADER_METRICS_TOKEN)",
            "details": None,
        }
        return {"error": error}, 403
    data = exposition(svc(), _cluster())
    return Response(data, mimetype="text/plain; version=0.0.4; charset=utf-8")
