"""Helpers for the Celery tests: per-run Redis prefixes, worker subprocesses, polling."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"
FAST = {"job_timeout_s": 5.0, "sweep_interval_s": 1.0, "redispatch_after_s": 2.0, "flush_ms": 20.0}


def wait_until(predicate: Callable[[], object], timeout_s: float, step_s: float = 0.1) -> object:
    """Poll until `predicate()` is truthy; fail the test after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(step_s)
    pytest.fail(f"gave up after {timeout_s} s waiting for {predicate.__name__}")


def celery_config(database_url: str, prefix: str, broker_url: str = REDIS_URL, **overrides):
    """Config of the test web process; workers get the same through `worker_env`."""
    from grader.config import CeleryOptions, Config

    values = {
        "instance_path": ROOT / "test-output" / "celery",
        "database_url": database_url,
        "broker_url": broker_url,
        "secret_key": "test-secret",
        "pool_size": 0,
        "user_rate": 0.0,
        "auth_cache_s": 0.0,
        "celery": CeleryOptions(**FAST, redis_prefix=prefix),
        **overrides,
    }
    return Config(**values).resolved()


def worker_env(config) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    settings = dataclasses.asdict(config.celery)
    env.update({f"GRADER_{k.upper()}": str(v) for k, v in settings.items()})
    env.update(
        GRADER_DATABASE_URL=config.database_url,
        GRADER_BROKER_URL=config.broker_url,
        GRADER_SECRET_KEY=config.secret_key,
        GRADER_BATCH_SIZE=str(config.batch_size),
        GRADER_LEASE_S=str(config.lease_s),
        GRADER_HEAVY_MS=str(config.heavy_ms),
        GRADER_MAX_GRADE_TRIES=str(config.max_grade_tries),
        GRADER_INSTANCE_PATH=str(config.instance_path),
        PYTHONPATH=str(ROOT),
    )
    return env


class Worker:
    """`python -m grader worker` in its own process group (so SIGKILL takes all of it)."""

    def __init__(self, config, *argv: str, script: str | None = None):
        command = [sys.executable, script] if script else [sys.executable, "-m", "grader"]
        self.log = ROOT / "test-output" / f"worker-{uuid.uuid4().hex[:8]}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [*command, "worker", "--device", "cpu", "--concurrency", "1", *argv],
            env=worker_env(config),
            cwd=ROOT,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of its own for this test; its keys are deleted afterwards."""
    import redis

    prefix = f"grader-test-{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    """Started workers, stopped at the end of the test."""
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


@pytest.fixture
def migrated_pg(fresh_postgres_url: str) -> str:
    from grader.db import migrate
    from grader.db.session import make_engine

    engine = make_engine(fresh_postgres_url)
    migrate.upgrade(engine)
    engine.dispose()
    return fresh_postgres_url


def statuses(svc) -> dict[str, int]:
    from sqlalchemy import func, select

    from grader.db.models import Submission

    with svc.db.read() as session:
        return dict(
            session.execute(
                select(Submission.status, func.count()).group_by(Submission.status)
            ).all()
        )


WRONG = {"dz-at-10": "100", "dz": "10x", "grad": ["10x"]}


def queue_rows(svc, world, answers: list[dict]) -> list[int]:
    """Insert `queued` submissions for `world`'s student directly (fast, no dispatch)."""
    from sqlalchemy import insert, select

    from grader.db.models import AssignmentQuestion, ExerciseVersion, Submission

    with svc.db.write() as session:
        version_id = session.scalar(
            select(AssignmentQuestion.exercise_version_id).where(
                AssignmentQuestion.id == world.question_id
            )
        )
        max_score = session.scalar(
            select(ExerciseVersion.max_score).where(ExerciseVersion.id == version_id)
        )
        rows = [
            {
                "assignment_id": world.assignment_id,
                "question_id": world.question_id,
                "student_id": world.student.id,
                "exercise_version_id": version_id,
                "attempt": i + 1,
                "seed": 1000 + i,
                "answers": a,
                "max_score": max_score,
                "status": "queued",
            }
            for i, a in enumerate(answers)
        ]
        return list(session.scalars(insert(Submission).returning(Submission.id), rows))


WRITE_LOG = """
CREATE TABLE grade_writes (submission_id integer NOT NULL, status text NOT NULL);
CREATE FUNCTION log_grade_write() RETURNS trigger AS $$
BEGIN INSERT INTO grade_writes VALUES (NEW.id, NEW.status); RETURN NEW; END $$
LANGUAGE plpgsql;
CREATE TRIGGER grade_write AFTER UPDATE OF status ON submissions FOR EACH ROW
WHEN (NEW.status IN ('graded', 'failed') AND OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION log_grade_write();
"""


def log_result_writes(svc) -> None:
    """A PostgreSQL trigger recording every write of a final result (to count them)."""
    with svc.db.engine.begin() as conn:
        conn.exec_driver_sql(WRITE_LOG)


def result_writes(svc) -> dict[int, int]:
    with svc.db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT submission_id, count(*) FROM grade_writes GROUP BY submission_id"
        ).all()
    return dict(rows)
