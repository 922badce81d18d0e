"""Graded submissions/s: embedded pool vs one Celery worker vs two, plus batched vs unbatched.

    PYTHONPATH=. .venv/bin/python bench/workers.py [--n 4000]

Needs PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379); makes its own
database and Redis key prefix and removes both. Each scenario grades the same N queued rows
(a mix of right and wrong answers, one exercise); timing starts once the workers are ready.
"""

from __future__ import annotations

import argparse
import time
import uuid
from types import SimpleNamespace

from sqlalchemy import delete, func, select

from bench.batching import per_check_us
from grader.db import migrate
from grader.db.models import Submission
from grader.services.accounts import users
from grader.services.assignments import assignment as assignments
from grader.services.context import Actor, Services
from grader.services.courses import course as courses
from grader.services.exercises import library as exercises
from grader.workers.dispatcher import CeleryDispatcher
from grader.workers.pool import EmbeddedPool
from tests.helpers import EXERCISE_YAML, RIGHT, PostgresServer
from tests.workers.celery_support import WRONG, Worker, celery_config, queue_rows


def setup(svc: Services) -> SimpleNamespace:
    teacher = users.create_user(svc, "tess", "instructor")
    student = users.create_user(svc, "stu", "student")
    actor = Actor(teacher.id, "tess", "instructor")
    exercises.upload(svc, actor, EXERCISE_YAML)
    course = courses.create_course(svc, actor, "Bench").id
    courses.add_member(svc, actor, course, "stu", "student")
    spec = {"exercise_id": "chain-rule-intro"}
    assignment = assignments.create_assignment(svc, actor, course, spec)["id"]
    return SimpleNamespace(assignment_id=assignment, student=SimpleNamespace(id=student.id))


def fresh_rows(svc: Services, world: SimpleNamespace, n: int) -> list[int]:
    with svc.db.write() as session:
        session.execute(delete(Submission))
    return queue_rows(svc, world, [RIGHT if i % 2 else WRONG for i in range(n)])


def wait_graded(svc: Services, n: int, timeout_s: float = 600) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        with svc.db.read() as session:
            done = session.scalar(
                select(func.count()).where(Submission.status.in_(("graded", "failed")))
            )
        if done >= n:
            return time.perf_counter() - started
        time.sleep(0.02)
    raise TimeoutError(f"{n} submissions not graded in {timeout_s} s")


def embedded(svc: Services, world: SimpleNamespace, n: int) -> float:
    fresh_rows(svc, world, n)
    pool = EmbeddedPool(svc, size=1)
    pool.start()
    try:
        return n / wait_graded(svc, n)
    finally:
        pool.stop()


def celery(svc: Services, world: SimpleNamespace, n: int, count: int) -> float:
    from grader.services.infra.metrics import ClusterMetrics

    ids = fresh_rows(svc, world, n)
    dispatcher = CeleryDispatcher(svc)
    metrics = ClusterMetrics(svc.config, dispatcher.options)
    metrics.redis.delete(metrics.prefix + "workers")
    workers = [Worker(svc.config) for _ in range(count)]
    try:
        while metrics.workers_seen() < count:
            time.sleep(0.1)
        started = time.perf_counter()
        dispatcher.submitted(ids)
        dispatcher.flush()
        wait_graded(svc, n)
        return n / (time.perf_counter() - started)
    finally:
        for worker in workers:
            worker.stop()
        dispatcher.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="graded submissions/s by dispatcher")
    parser.add_argument("--n", type=int, default=4000)
    args = parser.parse_args()
    server = PostgresServer()
    url = server.create()
    prefix = f"grader-bench-{uuid.uuid4().hex[:8]}:"
    svc = Services(celery_config(url, prefix))
    try:
        migrate.upgrade(svc.db.engine)
        world = setup(svc)
        print(f"{args.n} submissions, PostgreSQL, batch size {svc.config.batch_size}")
        print(f"embedded pool (1 thread)          {embedded(svc, world, args.n):8.0f} graded/s")
        for count in (1, 2):
            rate = celery(svc, world, args.n, count)
            print(f"Celery, {count} worker(s) x 1 process    {rate:8.0f} graded/s")
        single, batched = per_check_us("cpu", 64, 5)
        print(f"engine, cpu: single {single:.1f} us/check, batched (64) {batched:.1f} us/check")
    finally:
        svc.close()
        keys = list(svc_redis(svc).scan_iter(match=prefix + "*"))
        if keys:
            svc_redis(svc).delete(*keys)
        server.drop(url)


def svc_redis(svc: Services):
    from grader.services.infra.broker import redis_client

    return redis_client(svc.config, svc.config.celery)


if __name__ == "__main__":
    main()
