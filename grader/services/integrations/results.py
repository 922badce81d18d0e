"""What the integrations services answer: LTI platforms, keys, roster sync and grade passback,
and webhooks (see grader.services.results)."""

from __future__ import annotations

from pydantic import Field

from grader.services.results import Result


class Platform(Result):
    id: int
    issuer: str
    client_id: str
    name: str
    deployment_ids: list[str]
    auth_url: str
    token_url: str
    jwks_url: str
    frame_origins: list[str]
    created_at: str


class PlatformList(Result):
    items: list[Platform]


class SigningKeyOut(Result):
    kid: str
    created_at: str
    retired_at: str | None
    signing: bool = Field(description="the key that signs now")


class KeyList(Result):
    items: list[SigningKeyOut]


class RosterSync(Result):
    members: int = Field(description="members the LMS listed")
    added_or_updated: int
    removed: int
    skipped: int


class PassbackItem(Result):
    username: str
    submission_id: int | None
    score: float
    max_score: float
    status: str = Field(description="pending, sent or failed")
    attempts: int
    next_attempt_at: str | None
    sent_at: str | None
    lms_status: int | None = Field(description="the LMS's last HTTP status")
    lms_answer: str | None = Field(description="the LMS's last answer, or the error")


class PassbackState(Result):
    linked: bool = Field(description="the assignment is linked to an LMS line item")
    items: list[PassbackItem]


class Webhook(Result):
    id: int
    course_id: int
    url: str
    events: list[str]
    created_at: str


class WebhookCreated(Webhook):
    secret: str = Field(description="signs each delivery; shown once")


class WebhookList(Result):
    items: list[Webhook]


class Delivery(Result):
    id: int
    event_id: str
    type: str
    status: str = Field(description="pending, delivered or failed")
    attempts: int
    next_attempt_at: str | None
    delivered_at: str | None
    last_status: int | None
    last_error: str | None
    created_at: str


class DeliveryList(Result):
    items: list[Delivery]
