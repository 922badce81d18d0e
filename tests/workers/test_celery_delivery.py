"""Delivery faults: a submission that kills its worker, and Redis going away."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from grader.db.models import Submission
from tests.helpers import RIGHT, World
from tests.workers import celery_support as support
from tests.workers.celery_support import (
    Worker,
    celery_config,
    queue_rows,
    statuses,
    wait_until,
)

migrated_pg, redis_prefix, workers = support.migrated_pg, support.redis_prefix, support.workers

pytestmark = [pytest.mark.redis, pytest.mark.postgres]
POISON_WORKER = str(Path(__file__).with_name("poison_worker.py"))


def test_a_submission_that_kills_its_worker_fails_after_bounded_tries(
    migrated_pg, redis_prefix, workers
):
    from grader.services.context import Services
    from grader.workers.dispatcher import CeleryDispatcher

    svc = Services(celery_config(migrated_pg, redis_prefix, max_grade_tries=3))
    world = World(svc)
    ids = queue_rows(svc, world, [RIGHT, {"dz": "POISON"}, RIGHT, RIGHT])
    dispatcher = CeleryDispatcher(svc)
    dispatcher.submitted(ids)
    assert dispatcher.flush()
    workers.append(Worker(svc.config, script=POISON_WORKER))

    def settled():
        counts = statuses(svc)
        return counts.get("graded") == 3 and counts.get("failed") == 1

    wait_until(settled, 90, step_s=0.5)
    with svc.db.read() as session:
        poison = session.get(Submission, ids[1])
    assert poison.status == "failed"
    assert poison.tries == 3
    assert "did not finish after 3 tries" in poison.error
    svc.close()


class RedisServer:
    """A private redis-server on a free port, to stop and start at will."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        wait_until(self._answers, 10)

    def _answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture
def private_redis():
    if subprocess.run(["which", "redis-server"], capture_output=True).returncode:
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    yield server
    server.stop()


def test_with_redis_down_the_api_accepts_and_nothing_is_lost(
    migrated_pg, redis_prefix, private_redis, workers
):
    from grader.serving import serving_app

    config = celery_config(migrated_pg, redis_prefix, broker_url=private_redis.url)
    app = serving_app(config)  # Redis is not running yet
    svc = app.extensions["grader"]
    world = World(svc)
    client = app.test_client()
    url = f"/api/v1/assignments/{world.assignment_id}/submissions"
    for i in range(5):
        # five different texts of the right answers: an identical resubmission would be the
        # same attempt, not a new one
        answers = {**RIGHT, "dz-at-10": f"{200:.{i}f}"}
        reply = client.post(url, json={"answers": answers}, headers=world.student.headers)
        assert reply.status_code == 202
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["broker"].startswith("unreachable")
    assert "grader_submissions" in client.get("/metrics").get_data(as_text=True)
    svc.close()  # the web process goes away too: only the database remembers the five

    private_redis.start()
    app = serving_app(config)  # a fresh web process: its sweep finds the queued rows
    svc = app.extensions["grader"]
    workers.append(Worker(config))

    def all_graded():
        return statuses(svc).get("graded") == 5

    wait_until(all_graded, 60, step_s=0.5)
    with svc.db.read() as session:
        scores = session.scalars(select(Submission.score)).all()
    assert len(scores) == 5 and all(s == scores[0] for s in scores)
    svc.close()
