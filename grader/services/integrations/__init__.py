"""Integrations: LTI 1.3 (`lti`: launch, keys, deep linking, AGS, NRPS), webhooks, and the one
outbox (`outbox`) through which grading hands them its results.

`graded()` runs inside the transaction that stores grades: the passbacks and webhook events it
writes commit with them, or not at all. `deliver_due()` sends whatever is due; the service runs
it every few seconds (grader.workers.outbox), `python -m grader lti deliver` runs it once.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from grader.db.integrations import LtiResourceLink, WebhookSubscription
from grader.db.models import Assignment, Submission
from grader.services.context import Services
from grader.services.integrations import webhooks
from grader.services.integrations.lti import passback as lti_passback

log = logging.getLogger(__name__)

__all__ = ["deliver_due", "graded"]


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


def deliver_due(svc: Services, now: datetime | None = None) -> dict[str, int]:
    """Send the grade passbacks and webhook events that are due; counts by outcome."""
    passbacks = lti_passback.deliver_due(svc, now)
    events = webhooks.deliver_due(svc, now)
    return {
        **{f"passback_{k}": v for k, v in passbacks.items()},
        **{f"webhook_{k}": v for k, v in events.items()},
    }
