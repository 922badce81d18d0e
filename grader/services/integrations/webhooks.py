"""Webhooks for integrations without LTI: signed `submission.graded` events per course, and
`practice.scored` when practice moves a practice assignment's score.

Signed per Standard Webhooks (https://www.standardwebhooks.com): headers `webhook-id`,
`webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of
`id.timestamp.body` under the subscription's secret). Events are written in the grading
transaction and delivered by the outbox with retries; each delivery's tries and the
receiver's last answer form the delivery log. `verify()` is the receiver's side.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from grader.db.core import table_of
from grader.db.integrations import WebhookDelivery, WebhookSubscription
from grader.db.models import (
    Assignment,
    AssignmentQuestion,
    Exercise,
    ExerciseVersion,
    Submission,
    User,
    utcnow,
)
from grader.services.accounts.access import require_course_staff
from grader.services.context import Actor, Services
from grader.services.errors import Invalid, NotFound
from grader.services.integrations import outbound, outbox
from grader.services.integrations.outbound import Verdict
from grader.services.integrations.results import (
    Delivery,
    DeliveryList,
    Webhook,
    WebhookCreated,
    WebhookList,
)
from grader.vocabulary import DONE, DeliveryOutcome, OutboxStatus

log = logging.getLogger(__name__)
EVENT = "submission.graded"
PRACTICE_EVENT = "practice.scored"
EVENTS = f"{EVENT} {PRACTICE_EVENT}"  # a subscription receives every event of its course
SECRET_PREFIX = "whsec_"
TOLERANCE_S = 300  # receivers refuse timestamps further than this from their clock
MAX_SUBSCRIPTIONS = 20  # per course
table = table_of(WebhookDelivery)


# --- signing (both sides) ------------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class InvalidWebhook(Exception):
    """A received webhook whose signature, timestamp or id is not acceptable."""


def verify(
    secret: str,
    headers: Any,
    body: bytes,
    seen: set[str] | None = None,
    now: float | None = None,
) -> dict:
    """Check a received webhook (the receiver's side); returns the parsed event.

    Refuses a bad signature, a timestamp more than 5 minutes away, and (given `seen`, the ids
    already accepted) a replayed id."""
    msg_id = headers.get("webhook-id") or ""
    stamp = headers.get("webhook-timestamp") or ""
    sent = headers.get("webhook-signature") or ""
    if not msg_id or not stamp.isdigit() or not sent:
        raise InvalidWebhook("missing webhook-id, webhook-timestamp or webhook-signature")
    if abs((now or time.time()) - int(stamp)) > TOLERANCE_S:
        raise InvalidWebhook("the timestamp is too old or in the future")
    expected = signature(secret, msg_id, int(stamp), body)
    if not any(hmac.compare_digest(expected, s) for s in sent.split(" ")):
        raise InvalidWebhook("the signature does not match")
    if seen is not None:
        if msg_id in seen:
            raise InvalidWebhook(f"message {msg_id} was already received")
        seen.add(msg_id)
    return json.loads(body)


# --- subscriptions ---------------------------------------------------------------------


def _fields(row: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": row.id,
        "course_id": row.course_id,
        "url": row.url,
        "events": row.events.split(),
        "created_at": row.created_at.isoformat(),
    }


def subscribe(svc: Services, actor: Actor, course_id: int, url: str) -> WebhookCreated:
    """A new subscription; its secret is returned once (keep it to verify signatures)."""
    with svc.db.read() as session:
        require_course_staff(session, actor, course_id)
    url = outbound.check_destination_url(url, svc.config.lti, "the webhook URL")
    with svc.db.write() as session:
        require_course_staff(session, actor, course_id)
        count = session.scalar(
            select(WebhookSubscription.id)
            .where(
                WebhookSubscription.course_id == course_id,
                WebhookSubscription.disabled_at.is_(None),
            )
            .offset(MAX_SUBSCRIPTIONS - 1)
            .limit(1)
        )
        if count is not None:
            raise Invalid(f"a course has at most {MAX_SUBSCRIPTIONS} webhook subscriptions")
        row = WebhookSubscription(
            course_id=course_id, url=url, secret=new_secret(), events=EVENTS, created_by=actor.id
        )
        session.add(row)
        session.flush()
        return WebhookCreated(**_fields(row), secret=row.secret)


def _load(session: Session, actor: Actor, webhook_id: int) -> WebhookSubscription:
    row = session.get(WebhookSubscription, webhook_id)
    if row is None or row.disabled_at is not None:
        raise NotFound(f"no webhook subscription {webhook_id}")
    require_course_staff(session, actor, row.course_id)
    return row


def list_subscriptions(svc: Services, actor: Actor, course_id: int) -> WebhookList:
    with svc.db.read() as session:
        require_course_staff(session, actor, course_id)
        rows = session.scalars(
            select(WebhookSubscription)
            .where(
                WebhookSubscription.course_id == course_id,
                WebhookSubscription.disabled_at.is_(None),
            )
            .order_by(WebhookSubscription.id)
        )
        return WebhookList(items=[Webhook(**_fields(r)) for r in rows])


def unsubscribe(svc: Services, actor: Actor, webhook_id: int) -> None:
    """Stop sending; the subscription and its log are kept (disabled)."""
    with svc.db.write() as session:
        row = _load(session, actor, webhook_id)
        row.disabled_at = utcnow()
        session.execute(
            update(table)
            .where(table.c.subscription_id == row.id, table.c.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.FAILED, last_error="the subscription was deleted")
        )


def deliveries(svc: Services, actor: Actor, webhook_id: int, limit: int = 100) -> DeliveryList:
    """The delivery log, newest first."""
    with svc.db.read() as session:
        _load(session, actor, webhook_id)
        rows = session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == webhook_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
        items = [
            Delivery(
                id=r.id,
                event_id=r.event_id,
                type=r.event_type,
                status=r.status,
                attempts=r.attempts,
                next_attempt_at=r.next_attempt_at.isoformat()
                if r.status == OutboxStatus.PENDING
                else None,
                delivered_at=r.delivered_at.isoformat() if r.delivered_at else None,
                last_status=r.last_status,
                last_error=r.last_error,
                created_at=r.created_at.isoformat(),
            )
            for r in rows
        ]
        return DeliveryList(items=items)


# --- events and their delivery -----------------------------------------------------------


def enqueue(session: Session, submission_ids: list[int]) -> int:
    """Queue `submission.graded` for the subscriptions of each submission's course."""
    if not submission_ids:
        return 0
    rows = session.execute(
        select(
            Submission,
            Assignment.course_id,
            Assignment.title,
            AssignmentQuestion.position,
            User.username,
            WebhookSubscription.id,
        )
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .join(AssignmentQuestion, AssignmentQuestion.id == Submission.question_id)
        .join(User, User.id == Submission.student_id)
        .join(
            WebhookSubscription,
            (WebhookSubscription.course_id == Assignment.course_id)
            & WebhookSubscription.disabled_at.is_(None),
        )
        .where(
            Submission.id.in_(submission_ids),
            Submission.status.in_(DONE),
            Submission.preview.is_(False),
        )
    ).all()
    exercises = {
        r.id: r
        for r in session.execute(
            select(ExerciseVersion.id, ExerciseVersion.title, Exercise.slug)
            .join(Exercise, Exercise.id == ExerciseVersion.exercise_id)
            .where(ExerciseVersion.id.in_({r[0].exercise_version_id for r in rows}))
        )
    }
    for submission, course_id, title, position, username, subscription_id in rows:
        exercise = exercises.get(submission.exercise_version_id)
        payload = {
            "type": EVENT,
            "timestamp": (submission.graded_at or utcnow()).isoformat(timespec="microseconds"),
            "data": {
                "submission_id": submission.id,
                "assignment_id": submission.assignment_id,
                "assignment_title": title or (exercise.title if exercise else None),
                "question_id": submission.question_id,
                "question_number": position + 1,
                "exercise_id": exercise.slug if exercise else None,
                "variant": submission.variant,
                "course_id": course_id,
                "student": username,
                "attempt": submission.attempt,
                "status": submission.status,
                "score": submission.score,
                "max_score": submission.max_score,
                "late": submission.late,
            },
        }
        session.add(
            WebhookDelivery(
                subscription_id=subscription_id,
                event_id=f"msg_submission_{submission.id}_graded",
                event_type=EVENT,
                payload=payload,
            )
        )
    return len(rows)


def enqueue_practice(
    session: Session,
    assignment: Assignment,
    student_id: int,
    score: tuple[float, float],
    now: datetime,
) -> int:
    """Queue `practice.scored` for the subscriptions of a practice assignment's course: the
    student's new score (target skills reached). One event per score reached (its id names
    the score), so the same score is never announced twice; none before a skill is reached."""
    if not score[0]:
        return 0
    subscriptions = session.scalars(
        select(WebhookSubscription.id).where(
            WebhookSubscription.course_id == assignment.course_id,
            WebhookSubscription.disabled_at.is_(None),
        )
    ).all()
    event_id = f"msg_practice_{assignment.id}_{student_id}_{score[0]:g}"
    sent = set(
        session.scalars(
            select(WebhookDelivery.subscription_id).where(
                WebhookDelivery.subscription_id.in_(subscriptions),
                WebhookDelivery.event_id == event_id,
            )
        )
    )
    targets = list(assignment.target_skills or [])
    payload = {
        "type": PRACTICE_EVENT,
        "timestamp": now.isoformat(timespec="microseconds"),
        "data": {
            "assignment_id": assignment.id,
            "assignment_title": assignment.title,
            "course_id": assignment.course_id,
            "student": session.get_one(User, student_id).username,
            "score": score[0],
            "max_score": score[1],
            "target_skills": targets,
            "target_level": assignment.target_level or "proficient",
        },
    }
    for subscription_id in subscriptions:
        if subscription_id not in sent:
            session.add(
                WebhookDelivery(
                    subscription_id=subscription_id,
                    event_id=event_id,
                    event_type=PRACTICE_EVENT,
                    payload=payload,
                )
            )
    return len(subscriptions) - len(sent)


def deliver_due(
    svc: Services, now: datetime | None = None, limit: int = 50
) -> dict[DeliveryOutcome, int]:
    """Deliver the events that are due; returns how many were delivered, retried, failed."""
    now = now or utcnow()
    token, ids = outbox.claim(svc, table, now, limit)
    counts = {DeliveryOutcome.DELIVERED: 0, DeliveryOutcome.RETRY: 0, DeliveryOutcome.FAILED: 0}
    if ids:
        with outbound.client(svc.config.lti) as http:
            for row_id in ids:
                counts[_deliver_one(svc, http, row_id, token, now)] += 1
    return counts


def _deliver_one(
    svc: Services, http: outbound.OutboundClient, row_id: int, token: str, now: datetime
) -> DeliveryOutcome:
    with svc.db.read() as session:
        row = session.get_one(WebhookDelivery, row_id)
        subscription = session.get_one(WebhookSubscription, row.subscription_id)
        url, secret, attempts, msg_id = (
            subscription.url,
            subscription.secret,
            row.attempts,
            row.event_id,
        )
        body = json.dumps(row.payload, separators=(",", ":")).encode()
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": signature(secret, msg_id, stamp, body),
        "User-Agent": "gradient-grader-webhooks",
    }
    retry_after = None
    try:
        response = http.post(url, content=body, headers=headers)
        code, verdict = (
            response.status_code,
            outbound.verdict(response.status_code, response.headers),
        )
        message = outbound.describe(response)
        retry_after = response.headers.get("Retry-After")
    except httpx.TransportError as exc:
        retry, message = outbound.unreachable(exc, "the receiver")
        code, verdict = None, (Verdict.RETRY if retry else Verdict.FAIL)
    if verdict is Verdict.OK:
        outbox.finish(
            svc,
            table,
            row_id,
            token,
            status=OutboxStatus.DELIVERED,
            delivered_at=utcnow(),
            last_status=code,
            last_error=None,
        )
        return DeliveryOutcome.DELIVERED
    return outbox.not_done(
        svc,
        table,
        row_id,
        token,
        retry=verdict is Verdict.RETRY,
        attempts=attempts,
        when=outbound.retry_at(now, attempts, svc.config.lti, retry_after),
        status=code,
        message=message,
    )
