"""The outbox queue (grader.services.integrations.outbox) on its own, without HTTP: claims,
stale claims, outcomes written only by the claim's holder, retries and giving up."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from grader.db.core import table_of
from grader.db.integrations import WebhookDelivery, WebhookSubscription
from grader.db.models import utcnow
from grader.services.integrations import outbox
from grader.vocabulary import DeliveryOutcome, OutboxStatus

TABLE = table_of(WebhookDelivery)


def _rows(world, n: int) -> list[int]:
    with world.svc.db.write() as session:
        hook = WebhookSubscription(course_id=world.course_id, url="https://x.test/", secret="s")
        session.add(hook)
        session.flush()
        rows = [
            WebhookDelivery(
                subscription_id=hook.id,
                event_id=f"e{i}",
                event_type="submission.graded",
                payload={},
            )
            for i in range(n)
        ]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def _status(world, row_id: int) -> tuple[str, int, str | None]:
    with world.svc.db.read() as session:
        row = session.get_one(WebhookDelivery, row_id)
        return row.status, row.attempts, row.last_error


def test_claims_hand_each_due_row_to_one_sender_and_count_the_try(world):
    ids = _rows(world, 3)
    now = utcnow()
    seen: list[int] = []
    while claimed := outbox.claim(world.svc, TABLE, now, limit=2)[1]:
        seen += claimed
    assert sorted(seen) == ids  # every row once, none twice
    assert all(_status(world, row)[:2] == (OutboxStatus.SENDING, 1) for row in ids)


def test_only_the_latest_claim_writes_the_outcome(world):
    (row,) = _rows(world, 1)
    now = utcnow()
    old_token, _ = outbox.claim(world.svc, TABLE, now, limit=1)
    later = now + timedelta(seconds=outbox.STALE_CLAIM_S + 1)  # the first sender died
    new_token, again = outbox.claim(world.svc, TABLE, later, limit=1)
    assert again == [row] and new_token != old_token
    outbox.finish(world.svc, TABLE, row, old_token, status=OutboxStatus.DELIVERED)
    assert _status(world, row)[0] == OutboxStatus.SENDING  # the stale sender wrote nothing
    outbox.finish(world.svc, TABLE, row, new_token, status=OutboxStatus.DELIVERED)
    assert _status(world, row)[:2] == (OutboxStatus.DELIVERED, 2)


def test_a_failed_try_is_retried_until_the_tries_run_out(world):
    world.svc.config = replace(world.svc.config, lti=replace(world.svc.config.lti, max_attempts=2))
    (row,) = _rows(world, 1)
    now = utcnow()
    for attempt in (1, 2):
        token, _ = outbox.claim(world.svc, TABLE, now, limit=1)
        outcome = outbox.not_done(
            world.svc,
            TABLE,
            row,
            token,
            retry=True,
            attempts=attempt,
            when=now,
            status=503,
            message="busy",
        )
        expected = DeliveryOutcome.RETRY if attempt == 1 else DeliveryOutcome.FAILED
        assert outcome is expected
    status, attempts, error = _status(world, row)
    assert (status, attempts) == (OutboxStatus.FAILED, 2)
    assert error == "gave up after 2 tries; last: busy"


def test_a_try_that_may_not_be_retried_fails_at_once_with_its_reason(world):
    (row,) = _rows(world, 1)
    token, _ = outbox.claim(world.svc, TABLE, utcnow(), limit=1)
    outcome = outbox.not_done(
        world.svc,
        TABLE,
        row,
        token,
        retry=False,
        attempts=1,
        when=utcnow(),
        status=410,
        message="gone",
    )
    assert outcome is DeliveryOutcome.FAILED
    assert _status(world, row) == (OutboxStatus.FAILED, 1, "gone")


def test_parallel_claims_never_take_more_than_their_limit_nor_a_row_twice(world):
    """Eight senders claiming at once (PostgreSQL: row locks, SKIP LOCKED; SQLite: one writer):
    each claim holds at most its limit, and every row goes to exactly one of them. An
    UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED) could update more rows
    than n on PostgreSQL, when the planner ran the subquery again."""
    ids = _rows(world, 240)
    now = utcnow()
    claims: list[list[int]] = []
    start = threading.Barrier(8)

    def sender() -> None:
        start.wait()
        while claimed := outbox.claim(world.svc, TABLE, now, limit=3)[1]:
            claims.append(claimed)

    threads = [threading.Thread(target=sender) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(len(claimed) for claimed in claims) <= 3
    taken = [row for claimed in claims for row in claimed]
    assert sorted(taken) == ids  # every row once, none twice
    with world.svc.db.read() as session:
        tries = session.scalars(select(WebhookDelivery.attempts)).all()
    assert set(tries) == {1}  # no row was marked sending by a claim that did not return it
