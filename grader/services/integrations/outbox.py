"""The outbox: the queue that grade passbacks (`lti_passbacks`) and webhook events
(`webhook_deliveries`) wait in, one table each with the same delivery columns (db OutboxColumns).

Any process claims the rows that are due with a fresh token, and only the holder of the latest
claim writes the outcome; rows whose sender died mid-way go back to the queue. What grading
hands over and the delivery round are `grader.services.integrations.graded` / `deliver_due`."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, select, update

from grader.services.context import Services
from grader.vocabulary import DeliveryOutcome, OutboxStatus

STALE_CLAIM_S = 300.0  # a row left `sending` this long (its process died) is tried again


def claim(svc: Services, table: Table, now: datetime, limit: int) -> tuple[str, list[int]]:
    """Mark up to `limit` due rows `sending` under a new token: (the token, their ids)."""
    token = uuid.uuid4().hex
    stale = now - timedelta(seconds=STALE_CLAIM_S)
    waiting = ((table.c.status == OutboxStatus.PENDING) & (table.c.next_attempt_at <= now)) | (
        (table.c.status == OutboxStatus.SENDING) & (table.c.claimed_at < stale)
    )
    with svc.db.read() as session:  # most rounds find nothing: no write lock for them
        if session.execute(select(table.c.id).where(waiting).limit(1)).first() is None:
            return token, []
    with svc.db.write() as session:
        session.execute(  # rows whose sender died mid-way go back to the queue
            update(table)
            .where(
                table.c.status == OutboxStatus.SENDING,
                table.c.claimed_at < stale,
            )
            .values(status=OutboxStatus.PENDING, claim_token=None)
        )
        # The ids first, then the update by those ids: an UPDATE ... WHERE id IN (SELECT ...
        # LIMIT n FOR UPDATE SKIP LOCKED) let PostgreSQL run the subquery again while it
        # updated, and one claim took 219 rows with a limit of 3 under eight parallel senders.
        ids = list(
            session.scalars(
                select(table.c.id)
                .where(table.c.status == OutboxStatus.PENDING, table.c.next_attempt_at <= now)
                .order_by(table.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            session.execute(
                update(table)
                .where(table.c.id.in_(ids))
                .values(
                    status=OutboxStatus.SENDING,
                    claim_token=token,
                    claimed_at=now,
                    attempts=table.c.attempts + 1,
                )
            )
    return token, ids


def finish(svc: Services, table: Table, row_id: int, token: str, **values: Any) -> None:
    """Record a row's outcome, if this claim is still the row's."""
    with svc.db.write() as session:
        session.execute(
            update(table)
            .where(
                table.c.id == row_id,
                table.c.claim_token == token,
                table.c.status == OutboxStatus.SENDING,
            )
            .values(claim_token=None, **values)
        )


def not_done(
    svc: Services,
    table: Table,
    row_id: int,
    token: str,
    *,
    retry: bool,
    attempts: int,
    when: datetime,
    status: int | None,
    message: str,
) -> DeliveryOutcome:
    """Record a try that did not get through: pending again at ``when`` when it may be retried
    and tries are left ("retry"), else failed for good with the reason ("failed")."""
    if retry and attempts < svc.config.lti.max_attempts:
        finish(
            svc,
            table,
            row_id,
            token,
            status=OutboxStatus.PENDING,
            next_attempt_at=when,
            last_status=status,
            last_error=message,
        )
        return DeliveryOutcome.RETRY
    if retry:
        message = f"gave up after {attempts} tries; last: {message}"
    finish(
        svc,
        table,
        row_id,
        token,
        status=OutboxStatus.FAILED,
        last_status=status,
        last_error=message,
    )
    return DeliveryOutcome.FAILED
