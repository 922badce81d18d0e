"""Integrations: LTI 1.3 (`lti`: launch, keys, deep linking, AGS, NRPS), webhooks, and the one
outbox (`outbox`) through which grading hands them its results.

`graded()` runs inside the transaction that stores grades: the passbacks and webhook events it
writes commit with them, or not at all. `deliver_due()` sends whatever is due; the service runs
it every few seconds (grader.workers.outbox), `python -m grader lti deliver` runs it once.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from grader.db.integrations import LtiResourceLink, WebhookSubscription
from grader.db.models import Assignment, Submission, utcnow
from grader.services.context import Services
from grader.services.integrations import webhooks
from grader.services.integrations.lti import passback as lti_passback

log = logging.getLogger(__name__)

__all__ = ["deliver_due", "graded", "practiced"]


@functools.cache
def _hooked_statement() -> Any:
    """Whether any of the submissions `ids` has an LMS link or a course webhook (one query,
    built once), so that grades without either pay for nothing more."""
    assignments = select(Submission.assignment_id).where(
        Submission.id.in_(bindparam("ids", expanding=True))
    )
    linked = select(LtiResourceLink.id).where(LtiResourceLink.assignment_id.in_(assignments))
    hooked = (
        select(WebhookSubscription.id)
        .join(Assignment, Assignment.course_id == WebhookSubscription.course_id)
        .where(Assignment.id.in_(assignments), WebhookSubscription.disabled_at.is_(None))
    )
    return select(linked.exists(), hooked.exists())


def graded(session: Session, submission_ids: list[int]) -> None:
    """Queue the passbacks and webhook events of just-graded submissions, in the transaction
    that stores the grades (the check and the queueing see the same committed state).

    A savepoint keeps a failure here (a bug) from losing the grades themselves."""
    if not submission_ids:
        return
    try:
        linked, hooked = session.execute(_hooked_statement(), {"ids": submission_ids}).one()
        if not (linked or hooked):
            return
        with session.begin_nested():
            if linked:
                lti_passback.enqueue(session, submission_ids)
            if hooked:
                webhooks.enqueue(session, submission_ids)
    except Exception:
        log.exception(
            "could not queue the passbacks/webhooks of %s submission(s)", len(submission_ids)
        )


def practiced(
    session: Session,
    evidence: Iterable[tuple[int, int, Iterable[str]]],
    now: datetime | None = None,
) -> None:
    """Queue the passbacks and `practice.scored` events of the practice assignments whose
    score new evidence moved: for each (course, student, skills observed), the course's
    practice assignments not yet due that target one of those skills and have an LMS link or
    a webhook. Runs in the transaction that records the evidence (after it is added); a
    score the LMS already has adds nothing, and after the due date the score is frozen."""
    now = now or utcnow()
    try:
        with session.begin_nested():
            for course_id, student_id, skills in evidence:
                _practiced(session, course_id, student_id, set(skills), now)
    except Exception:
        log.exception("could not queue the passbacks/webhooks of practice assignments")


def _practiced(
    session: Session, course_id: int, student_id: int, skills: set[str], now: datetime
) -> None:
    if not skills:
        return
    goals = session.scalars(
        select(Assignment).where(
            Assignment.course_id == course_id,
            Assignment.kind == "practice",
            or_(Assignment.due_at.is_(None), Assignment.due_at >= now),
        )
    ).all()
    goals = [a for a in goals if skills & set(a.target_skills or [])]
    if not goals:
        return
    hooked = session.scalar(
        select(WebhookSubscription.id)
        .where(
            WebhookSubscription.course_id == course_id, WebhookSubscription.disabled_at.is_(None)
        )
        .limit(1)
    )
    linked = set(
        session.scalars(
            select(LtiResourceLink.assignment_id).where(
                LtiResourceLink.assignment_id.in_([a.id for a in goals])
            )
        )
    )
    for assignment in goals:
        if not (hooked or assignment.id in linked):
            continue
        score = lti_passback.assignment_score(session, assignment, student_id)
        if assignment.id in linked:
            lti_passback.enqueue_score(session, assignment, student_id, score, now)
        if hooked:
            webhooks.enqueue_practice(session, assignment, student_id, score, now)


def deliver_due(svc: Services, now: datetime | None = None) -> dict[str, int]:
    """Send the grade passbacks and webhook events that are due; counts by outcome."""
    passbacks = lti_passback.deliver_due(svc, now)
    events = webhooks.deliver_due(svc, now)
    return {
        **{f"passback_{k}": v for k, v in passbacks.items()},
        **{f"webhook_{k}": v for k, v in events.items()},
    }
