"""Chaos: a worker is SIGKILLed with 2,000 submissions in flight; all end graded exactly once."""

from __future__ import annotations

import pytest

from tests.helpers import RIGHT, World
from tests.workers import celery_support as support
from tests.workers.celery_support import (
    WRONG,
    Worker,
    celery_config,
    log_result_writes,
    queue_rows,
    result_writes,
    statuses,
    wait_until,
)

migrated_pg, redis_prefix, workers = support.migrated_pg, support.redis_prefix, support.workers

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]
N = 2000


@pytest.fixture
def cluster(migrated_pg, redis_prefix):
    """Services with the Celery dispatcher, but no sweep: recovery must come from Redis."""
    from grader.services.context import Services
    from grader.workers.dispatcher import CeleryDispatcher

    config = celery_config(migrated_pg, redis_prefix, batch_size=16)
    svc = Services(config)
    dispatcher = CeleryDispatcher(svc)
    yield svc, dispatcher
    dispatcher.stop()
    svc.close()


def test_killing_a_worker_loses_and_doubles_nothing(cluster, workers):
    svc, dispatcher = cluster
    world = World(svc)
    log_result_writes(svc)
    ids = queue_rows(svc, world, [RIGHT if i % 3 else WRONG for i in range(N)])
    workers.extend([Worker(svc.config), Worker(svc.config)])
    dispatcher.submitted(ids)
    assert dispatcher.flush()

    def some_graded():
        return statuses(svc).get("graded", 0) >= N // 10

    wait_until(some_graded, 60, step_s=0.02)
    workers[0].kill()
    assert statuses(svc).get("graded", 0) < N, "the kill came too late to test anything"

    def all_graded():
        return statuses(svc).get("graded") == N

    wait_until(all_graded, 90, step_s=0.5)
    writes = result_writes(svc)
    assert sorted(writes) == sorted(ids)
    assert set(writes.values()) == {1}
    assert dispatcher.sent == N  # no sweep ran: the redelivery came from Redis
