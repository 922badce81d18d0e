"""SIGKILL the real server while it takes submissions; after a restart every accepted
submission ends graded exactly once (one row, one result), and nothing is lost."""

from __future__ import annotations

import os
import threading
import time

import httpx
import pytest
from sqlalchemy import select

from grader.config import Config
from grader.db import migrate
from grader.db.models import Submission
from grader.services.context import Services
from tests.helpers import Server, World, free_port

RIGHT = {"dz-at-10": "200", "dz": "20x", "grad": ["20x"]}


@pytest.mark.slow
def test_sigkill_loses_nothing_and_grades_each_submission_once(tmp_path):
    env = {
        **os.environ,
        "GRADER_INSTANCE_PATH": str(tmp_path),
        "GRADER_SECRET_KEY": "crash-test",
        "GRADER_POOL_SIZE": "1",
        "GRADER_BATCH_SIZE": "4",
        "GRADER_USER_RATE": "0",
    }
    env.pop("GRADER_DATABASE_URL", None)
    env.pop("GRADER_BROKER_URL", None)
    svc = Services(Config(instance_path=tmp_path, secret_key="crash-test", pool_size=0).resolved())
    migrate.upgrade(svc.db.engine)
    world = World(svc)
    with svc.db.write() as session:  # no attempt limit for this test
        from grader.db.models import Assignment

        session.get(Assignment, world.assignment_id).max_attempts = None
    server = Server(env, free_port(), tmp_path / "server.log")
    url = f"http://127.0.0.1:{server.port}/api/v1/assignments/{world.assignment_id}/submissions"
    keys = [f"key-{i}" for i in range(120)]
    accepted: dict[str, int] = {}
    lock = threading.Lock()

    def post(key: str, client: httpx.Client) -> None:
        headers = {**world.student.headers, "Idempotency-Key": key}
        n = key.split("-")[1]  # each key its own text (the last attempt's again is no attempt)
        answers = {**RIGHT, "dz": f"20x + {n} - {n}"}
        try:
            response = client.post(url, json={"answers": answers}, headers=headers, timeout=10)
        except httpx.TransportError:
            return
        if response.status_code in (200, 202):
            with lock:
                accepted[key] = response.json()["id"]

    def flood(batch: list[str]) -> None:
        with httpx.Client() as client:
            for key in batch:
                post(key, client)

    server.start()
    try:
        threads = [threading.Thread(target=flood, args=(keys[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60  # the kill must come mid-load, but never hang the test
        while len(accepted) < 40:
            assert time.monotonic() < deadline, f"only {len(accepted)} accepted in 60 s"
            time.sleep(0.005)
        server.kill()
        for t in threads:
            t.join()
        before = dict(accepted)
        server.start()
        flood([k for k in keys if k not in before])  # clients retry with the same keys
        for key, sid in before.items():  # a retry of an accepted key returns the same row
            flood([key])
            assert accepted[key] == sid
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with svc.db.read() as session:
                rows = session.execute(select(Submission.idempotency_key, Submission.status)).all()
            if all(status == "graded" for _, status in rows):
                break
            time.sleep(0.2)
    finally:
        server.stop()
    assert set(accepted) == set(keys)
    assert len(rows) == len(keys)  # exactly one row per key: nothing duplicated
    assert {k for k, _ in rows} == set(keys)  # nothing lost
    assert all(status == "graded" for _, status in rows)
    with svc.db.read() as session:
        scores = session.scalars(select(Submission.score)).all()
    assert scores == [3.0] * len(keys)
    svc.close()
