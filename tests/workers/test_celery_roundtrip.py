"""Submissions posted to the API travel through Redis to a worker subprocess and come back."""

from __future__ import annotations

import pytest

from tests.helpers import RIGHT, World
from tests.workers import celery_support as support
from tests.workers.celery_support import Worker, celery_config, statuses, wait_until

migrated_pg, redis_prefix, workers = support.migrated_pg, support.redis_prefix, support.workers

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def celery_app(migrated_pg, redis_prefix):
    from grader.serving import serving_app

    app = serving_app(celery_config(migrated_pg, redis_prefix))
    yield app
    app.extensions["grader"].close()


def test_broker_url_selects_the_celery_dispatcher(celery_app):
    from grader.workers.dispatcher import CeleryDispatcher

    assert isinstance(celery_app.extensions["grader"].dispatcher, CeleryDispatcher)


def test_posted_submissions_come_back_graded_from_a_worker(celery_app, workers):
    svc = celery_app.extensions["grader"]
    world = World(svc)
    client = celery_app.test_client()
    wrong = {"dz-at-10": "100", "dz": "10x", "grad": ["10x"]}
    ids = []
    for answers in (RIGHT, wrong, RIGHT):
        reply = client.post(
            f"/api/v1/assignments/{world.assignment_id}/submissions",
            json={"answers": answers},
            headers=world.student.headers,
        )
        assert reply.status_code == 202, reply.get_json()
        ids.append(reply.get_json()["id"])
    workers.append(Worker(svc.config))

    def all_graded():
        return statuses(svc).get("graded") == 3

    wait_until(all_graded, 60)
    results = [
        client.get(f"/api/v1/submissions/{i}", headers=world.student.headers).get_json()
        for i in ids
    ]
    assert [r["score"] == r["max_score"] for r in results] == [True, False, True]
    assert results[1]["parts"]["dz"]["correct"] is False


def test_ready_and_metrics_report_the_cluster(celery_app, workers):
    svc = celery_app.extensions["grader"]
    World(svc).grade_all()
    client = celery_app.test_client()
    workers.append(Worker(svc.config))
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").get_json()["checks"] == {"database": "ok", "broker": "ok"}

    def worker_seen():
        return "grader_workers_seen 1.0" in client.get("/metrics").get_data(as_text=True)

    wait_until(worker_seen, 60)
    text = client.get("/metrics").get_data(as_text=True)
    assert 'grader_queue_depth{source="broker"} 0.0' in text
    assert "grader_submission_latency_seconds_bucket" in text
