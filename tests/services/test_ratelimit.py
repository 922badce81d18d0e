"""The per-user throttle: no write per request while a bucket is well filled, exact near the
limit across processes, and its counters in Redis when one is configured."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from grader.db.models import RateBucket
from grader.services.errors import TooManyRequests
from grader.services.infra.ratelimit import RateLimiter


def _level(world, user_id: int) -> float | None:
    with world.svc.db.read() as session:
        return session.scalar(select(RateBucket.level).where(RateBucket.key == f"user:{user_id}"))


def test_a_well_filled_bucket_is_written_in_batches_not_per_request(world):
    limiter = RateLimiter(world.svc.db, 10.0, burst=20, sync_s=3600)
    limiter._next_sync = float("inf")  # no periodic write during the test
    for _ in range(5):
        limiter.check(world.student.id)
    assert _level(world, world.student.id) is None  # five requests, no write
    limiter.sync()
    assert _level(world, world.student.id) == pytest.approx(15, abs=0.5)


def test_near_the_limit_every_request_is_counted_in_the_table(world):
    one = RateLimiter(world.svc.db, 0.01, burst=6, sync_s=3600)
    two = RateLimiter(world.svc.db, 0.01, burst=6, sync_s=3600)  # another process
    for limiter in (one, two):
        limiter._next_sync = float("inf")
    allowed = 0
    with pytest.raises(TooManyRequests):
        for _ in range(20):
            (one if allowed % 2 else two).check(world.student.id)
            allowed += 1
    assert 6 <= allowed <= 6 + 2 * 3  # the limit, plus at most half a burst per process


@pytest.mark.redis
def test_with_redis_the_bucket_is_shared_and_refuses_beyond_the_burst(world):
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    prefix = f"grader-test-{uuid.uuid4().hex[:10]}:"
    try:
        one = RateLimiter(world.svc.db, 0.01, burst=3, redis=client, redis_prefix=prefix)
        two = RateLimiter(world.svc.db, 0.01, burst=3, redis=client, redis_prefix=prefix)
        for limiter in (one, two, one):
            limiter.check(world.student.id)
        with pytest.raises(TooManyRequests) as refused:
            two.check(world.student.id)
        assert int(refused.value.headers["Retry-After"]) > 0
        one.check(world.teacher.id)  # another user has a bucket of their own
        assert _level(world, world.student.id) is None  # nothing in the database
    finally:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()
