"""Assignment and Grade Services: the grade passback outbox and its delivery.

A graded submission of a student who came from an LMS gets a row in `lti_passbacks`, in the
transaction that stores the grade (so no grade is lost while the LMS is down). Any process
claims due rows and posts the score; the row records the LMS's answer. The score's
timestamp is fixed when the row is written: a resend (after a crash mid-post) carries the
same timestamp, which the LMS treats as the score it already has.
"""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from grader.db.core import table_of
from grader.db.integrations import LtiContext, LtiPassback, LtiPlatform, LtiResourceLink, LtiUser
from grader.db.models import Assignment, Submission, User, utcnow
from grader.services.accounts.access import require_course_staff
from grader.services.context import Actor, Services
from grader.services.integrations import outbound, outbox
from grader.services.integrations.lti import tokens as lti_tokens
from grader.services.integrations.outbound import Verdict
from grader.vocabulary import DeliveryOutcome, OutboxStatus, SubmissionStatus

log = logging.getLogger(__name__)
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
table = table_of(LtiPassback)


def assignment_score(
    session: Session, assignment: Assignment, student_id: int
) -> tuple[float, float]:
    """The assignment's score of the student as the gradebook has it (an instructor's
    override, else the sum of its questions' best or last graded attempts after their late
    penalty), and the assignment's maximum: one LMS line item per assignment."""
    from grader.services.gradebook.scores import columns, counted_scores  # it reads us

    col = columns(session, [assignment])[0]
    cell = counted_scores(session, [col], student_id).get((assignment.id, student_id))
    return float(cell.score or 0.0) if cell else 0.0, col.max_score


def enqueue(session: Session, submission_ids: list[int]) -> int:
    """Add the passbacks of these just-graded submissions (inside the grading transaction)."""
    if not submission_ids:
        return 0
    rows = session.execute(
        select(Submission, LtiResourceLink.id, LtiUser.sub)
        .join(LtiResourceLink, LtiResourceLink.assignment_id == Submission.assignment_id)
        .join(
            LtiUser,
            and_(
                LtiUser.user_id == Submission.student_id,
                LtiUser.platform_id == LtiResourceLink.platform_id,
            ),
        )
        .where(
            Submission.id.in_(submission_ids),
            Submission.status == SubmissionStatus.GRADED,
            Submission.preview.is_(False),  # an instructor trying it out
        )
    ).all()
    for submission, link_pk, sub in rows:
        assignment = session.get_one(Assignment, submission.assignment_id)
        score, maximum = assignment_score(session, assignment, submission.student_id)
        stamp = (submission.graded_at or utcnow()).isoformat(timespec="microseconds")
        existing = session.scalar(
            select(LtiPassback).where(
                LtiPassback.submission_id == submission.id, LtiPassback.link_pk == link_pk
            )
        )
        if existing is not None:  # graded again (a regrade): this new grade goes instead
            existing.score_given, existing.timestamp = score, stamp
            existing.score_maximum = maximum
            existing.status, existing.attempts, existing.claim_token = OutboxStatus.PENDING, 0, None
            existing.next_attempt_at, existing.last_error = utcnow(), None
            continue
        session.add(
            LtiPassback(
                submission_id=submission.id,
                link_pk=link_pk,
                user_id=submission.student_id,
                lti_sub=sub,
                score_given=score,
                score_maximum=maximum,
                timestamp=stamp,
            )
        )
    return len(rows)


def enqueue_score(
    session: Session,
    assignment: Assignment,
    student_id: int,
    score: tuple[float, float],
    now: datetime,
) -> int:
    """Add the passbacks of a practice assignment's score for one student (no submission: the
    evidence of practice moved it), unless the LMS was already sent this score: an unchanged
    score adds nothing however often evidence comes."""
    score_given, maximum = score
    links = session.execute(
        select(LtiResourceLink.id, LtiUser.sub)
        .join(LtiUser, LtiUser.platform_id == LtiResourceLink.platform_id)
        .where(LtiResourceLink.assignment_id == assignment.id, LtiUser.user_id == student_id)
    ).all()
    added = 0
    for link_pk, sub in links:
        last = session.scalar(
            select(LtiPassback.score_given)
            .where(LtiPassback.link_pk == link_pk, LtiPassback.user_id == student_id)
            .order_by(LtiPassback.id.desc())
            .limit(1)
        )
        if (last if last is not None else 0.0) == score_given:
            continue
        session.add(
            LtiPassback(
                submission_id=None,
                link_pk=link_pk,
                user_id=student_id,
                lti_sub=sub,
                score_given=score_given,
                score_maximum=maximum,
                timestamp=now.isoformat(timespec="microseconds"),
            )
        )
        added += 1
    return added


def scores_url(lineitem: str) -> str:
    """`{lineitem}/scores`, keeping the line item URL's query (Moodle puts ids there)."""
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def deliver_due(
    svc: Services, now: datetime | None = None, limit: int = 50
) -> dict[DeliveryOutcome, int]:
    """Send the passbacks that are due; returns how many were sent, retried, failed."""
    now = now or utcnow()
    token, ids = outbox.claim(svc, table, now, limit)
    counts = {
        DeliveryOutcome.SENT: 0,
        DeliveryOutcome.RETRY: 0,
        DeliveryOutcome.FAILED: 0,
        DeliveryOutcome.SUPERSEDED: 0,
    }
    if not ids:
        return counts
    with outbound.client(svc.config.lti) as http:
        for row_id in ids:
            outcome = _deliver_one(svc, http, row_id, token, now)
            counts[outcome] += 1
    return counts


def _deliver_one(
    svc: Services, http: outbound.OutboundClient, row_id: int, token: str, now: datetime
) -> DeliveryOutcome:
    with svc.db.read() as session:
        row = session.get_one(LtiPassback, row_id)
        newer = session.scalar(
            select(func.count(LtiPassback.id)).where(
                LtiPassback.link_pk == row.link_pk,
                LtiPassback.user_id == row.user_id,
                LtiPassback.id > row.id,
                LtiPassback.status.in_(
                    (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT)
                ),
            )
        )
        link = session.get_one(LtiResourceLink, row.link_pk)
        platform_row = session.get_one(LtiPlatform, link.platform_id)
        context = session.get_one(LtiContext, link.context_pk)
        scopes, lineitems = context.ags_scopes.split(), context.lineitems_url
        link_id, link_title = link.resource_link_id, link.title
        platform = lti_tokens.Platform(
            platform_row.id, platform_row.client_id, platform_row.token_url
        )
        attempts = row.attempts
        body = {
            "userId": row.lti_sub,
            "scoreGiven": row.score_given,
            "scoreMaximum": row.score_maximum,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": row.timestamp,
        }
        lineitem = link.lineitem_url
    if newer:
        outbox.finish(
            svc,
            table,
            row_id,
            token,
            status=OutboxStatus.SUPERSEDED,
            last_error="a newer grade replaces this one",
        )
        return DeliveryOutcome.SUPERSEDED
    if not lineitem and lineitems and LINEITEM_SCOPE in scopes:
        try:
            lineitem = _find_or_create_lineitem(
                svc, http, platform, lineitems, link_id, link_title, row.score_maximum
            )
        except PassbackError as exc:
            return _failed(svc, row_id, token, now, attempts, exc.retry, exc.status, exc.message)
        with svc.db.write() as session:
            session.get_one(LtiResourceLink, row.link_pk).lineitem_url = lineitem
    if not lineitem:
        message = "the LMS gave no line item (gradebook column) for this activity; let it accept grades and launch again"
        outbox.finish(svc, table, row_id, token, status=OutboxStatus.FAILED, last_error=message)
        return DeliveryOutcome.FAILED
    if scopes and SCORE_SCOPE not in scopes:
        outbox.finish(
            svc,
            table,
            row_id,
            token,
            status=OutboxStatus.FAILED,
            last_error="the LMS did not grant this tool the score scope",
        )
        return DeliveryOutcome.FAILED
    verdict, error, retry_after = _post(svc, http, platform, scores_url(lineitem), body)
    if verdict is Verdict.OK:
        outbox.finish(
            svc,
            table,
            row_id,
            token,
            status=OutboxStatus.SENT,
            sent_at=utcnow(),
            last_status=error[0],
            last_error=None,
        )
        return DeliveryOutcome.SENT
    code, message = error
    when = outbound.retry_at(now, attempts, svc.config.lti, retry_after)
    outcome = outbox.not_done(
        svc,
        table,
        row_id,
        token,
        retry=verdict is Verdict.RETRY,
        attempts=attempts,
        when=when,
        status=code,
        message=message,
    )
    if outcome is DeliveryOutcome.RETRY:
        log.info("passback %s: %s; next try at %s", row_id, message, when.isoformat())
    else:
        log.warning("passback %s failed: %s", row_id, message)
    return outcome


class PassbackError(Exception):
    def __init__(self, message: str, retry: bool, status: int | None = None):
        super().__init__(message)
        self.message, self.retry, self.status = message, retry, status


def _failed(
    svc: Services,
    row_id: int,
    token: str,
    now: datetime,
    attempts: int,
    retry: bool,
    status: int | None,
    message: str,
) -> DeliveryOutcome:
    """Record a failed try: pending again later (with backoff) or failed for good."""
    when = outbound.retry_at(now, attempts, svc.config.lti, None)
    return outbox.not_done(
        svc,
        table,
        row_id,
        token,
        retry=retry,
        attempts=attempts,
        when=when,
        status=status,
        message=message,
    )


def _find_or_create_lineitem(
    svc: Services,
    http: outbound.OutboundClient,
    platform: lti_tokens.Platform,
    lineitems: str,
    resource_link_id: str,
    title: str,
    maximum: float,
) -> str:
    """The line item of a resource link placed without one: found by its resource link id
    in the course's line items, or created (the LMS makes the gradebook column)."""
    try:
        bearer = lti_tokens.token(svc, http, platform, LINEITEM_SCOPE)
        headers = {"Authorization": f"Bearer {bearer}"}
        found = http.get(
            lineitems,
            params={"resource_link_id": resource_link_id},
            headers={**headers, "Accept": CONTAINER_TYPE},
        )
        if found.status_code == 200:
            items = found.json()
            if (
                isinstance(items, list)
                and items
                and isinstance(items[0], dict)
                and items[0].get("id")
            ):
                return str(items[0]["id"])[:1000]
        body = {
            "scoreMaximum": maximum,
            "label": title or "Gradient grader",
            "resourceLinkId": resource_link_id,
            "tag": "grader",
        }
        made = http.post(
            lineitems, content=_json(body), headers={**headers, "Content-Type": LINEITEM_TYPE}
        )
    except lti_tokens.TokenError as exc:
        raise PassbackError(exc.message, exc.retry) from None
    except httpx.TransportError as exc:
        retry, message = outbound.unreachable(exc)
        raise PassbackError(message, retry=retry) from None
    except ValueError:
        raise PassbackError("the LMS's line items are not JSON", retry=False) from None
    verdict = outbound.verdict(made.status_code, made.headers)
    if verdict is Verdict.OK:
        try:
            return str(made.json()["id"])[:1000]
        except (ValueError, KeyError, TypeError):
            pass
    retry = verdict is Verdict.RETRY
    message = "the LMS did not create the gradebook column: " + outbound.describe(made)
    raise PassbackError(message, retry, made.status_code)


def _post(
    svc: Services,
    http: outbound.OutboundClient,
    platform: lti_tokens.Platform,
    url: str,
    body: dict,
) -> tuple[Verdict, tuple[int | None, str], str | None]:
    """One score POST (and one more after a 401 with a fresh token): (OK, RETRY or FAIL,
    (status, message), Retry-After)."""
    for fresh in (False, True):
        if fresh:
            lti_tokens.forget(svc, platform, SCORE_SCOPE)
        try:
            bearer = lti_tokens.token(svc, http, platform, SCORE_SCOPE)
        except lti_tokens.TokenError as exc:
            return (Verdict.RETRY if exc.retry else Verdict.FAIL), (None, exc.message), None
        try:
            response = http.post(
                url,
                json=None,
                content=_json(body),
                headers={"Authorization": f"Bearer {bearer}", "Content-Type": SCORE_TYPE},
            )
        except httpx.TransportError as exc:
            retry, message = outbound.unreachable(exc)
            return (Verdict.RETRY if retry else Verdict.FAIL), (None, message), None
        verdict = outbound.verdict(response.status_code, response.headers)
        if verdict is Verdict.OK:
            return Verdict.OK, (response.status_code, ""), None
        if verdict is Verdict.REFRESH and not fresh:
            continue
        return (
            Verdict.RETRY if verdict is Verdict.RETRY else Verdict.FAIL,
            (response.status_code, outbound.describe(response)),
            response.headers.get("Retry-After"),
        )
    raise AssertionError("unreachable")


def _json(body: dict) -> bytes:
    import json

    return json.dumps(body, separators=(",", ":")).encode()


def state(svc: Services, actor: Actor, assignment_id: int) -> dict:
    """Each LMS student's latest passback for the assignment: sent, pending or failed."""
    with svc.db.read() as session:
        assignment = session.get(Assignment, assignment_id)
        if assignment is None:
            from grader.services.errors import NotFound

            raise NotFound(f"no assignment {assignment_id}")
        require_course_staff(session, actor, assignment.course_id)
        linked = session.scalar(
            select(func.count(LtiResourceLink.id)).where(
                LtiResourceLink.assignment_id == assignment_id
            )
        )
        latest = (
            select(func.max(LtiPassback.id))
            .join(LtiResourceLink, LtiResourceLink.id == LtiPassback.link_pk)
            .where(LtiResourceLink.assignment_id == assignment_id)
            .group_by(LtiPassback.link_pk, LtiPassback.user_id)
        )
        rows = session.execute(
            select(LtiPassback, User.username)
            .join(User, User.id == LtiPassback.user_id)
            .where(LtiPassback.id.in_(latest))
            .order_by(User.username)
        ).all()
    items = [
        {
            "username": username,
            "submission_id": row.submission_id,
            "score": row.score_given,
            "max_score": row.score_maximum,
            "status": row.status,
            "attempts": row.attempts,
            "next_attempt_at": row.next_attempt_at.isoformat()
            if row.status == OutboxStatus.PENDING
            else None,
            "sent_at": row.sent_at.isoformat() if row.sent_at else None,
            "lms_status": row.last_status,
            "lms_answer": row.last_error,
        }
        for row, username in rows
    ]
    return {"linked": bool(linked), "items": items}
