"""Integrations: LTI 1.3 (`lti`: launch, keys, deep linking, AGS, NRPS), webhooks, and the
outbox that delivers what grading hands them."""

from grader.services.integrations.outbox import deliver_due, graded

__all__ = [
    "deliver_due",
    "graded",
]
