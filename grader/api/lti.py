"""/api/v1 for LMS integrations: LTI platforms and keys (admins), roster sync and passback
state (instructors), webhook subscriptions and their delivery log (instructors)."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from grader.api.common import PREFIX, SECURITY, actor, error_responses, out, svc
from grader.api.schemas import AssignmentPath, CoursePath
from grader.services.accounts.access import require_role
from grader.services.integrations import webhooks
from grader.services.integrations.lti import keys as lti_keys
from grader.services.integrations.lti import nrps as lti_nrps
from grader.services.integrations.lti import passback as lti_passback
from grader.services.integrations.lti import platforms as lti_platforms
from grader.services.integrations.results import (
    DeliveryList,
    KeyList,
    PassbackState,
    Platform,
    PlatformList,
    RosterSync,
    SigningKeyOut,
    WebhookCreated,
    WebhookList,
)

bp = APIBlueprint(
    "lti_admin",
    __name__,
    url_prefix=PREFIX,
    abp_tags=[Tag(name="lms")],
    abp_security=SECURITY,
    abp_responses=error_responses(),
)


class PlatformCreate(BaseModel):
    issuer: str = Field(max_length=500, description="the platform's issuer (iss)")
    client_id: str = Field(max_length=200)
    deployment_ids: list[str] = Field(min_length=1, max_length=100)
    auth_url: str = Field(max_length=1000, description="OIDC authorization endpoint")
    token_url: str = Field(max_length=1000, description="OAuth2 token endpoint")
    jwks_url: str = Field(max_length=1000, description="the platform's public key set")
    name: str = Field("", max_length=200)
    frame_origins: list[str] | None = Field(None, max_length=20)


class PlatformPath(BaseModel):
    platform_id: int


class KeyPath(BaseModel):
    kid: str = Field(max_length=64)


class WebhookCreate(BaseModel):
    url: str = Field(max_length=1000, description="https URL that receives the events")


class WebhookPath(BaseModel):
    webhook_id: int


@bp.get("/lti/platforms", responses={200: PlatformList})
def list_platforms():
    """Registered LMS platforms (admins)."""
    require_role(actor(), "admin")
    return out(lti_platforms.list_platforms(svc()))


@bp.post("/lti/platforms", responses={201: Platform})
def register_platform(body: PlatformCreate):
    """Register an LMS platform, or update it and add deployment ids (admins)."""
    require_role(actor(), "admin")
    return out(lti_platforms.register(svc(), **body.model_dump())), 201


@bp.delete("/lti/platforms/<int:platform_id>", responses={204: None})
def delete_platform(path: PlatformPath):
    """Forget a platform; its users, courses and grades stay (admins)."""
    require_role(actor(), "admin")
    lti_platforms.delete_platform(svc(), path.platform_id)
    return "", 204


@bp.get("/lti/keys", responses={200: KeyList})
def list_keys():
    """The tool's RSA keys: which signs, which are retired (admins)."""
    require_role(actor(), "admin")
    lti_keys.signing_key(svc())
    return out(lti_keys.list_keys(svc()))


@bp.post("/lti/keys", responses={201: SigningKeyOut})
def rotate_key():
    """Add a signing key; older keys stay in /lti/jwks until retired (admins)."""
    require_role(actor(), "admin")
    return out(lti_keys.rotate(svc())), 201


@bp.delete("/lti/keys/<kid>", responses={200: SigningKeyOut})
def retire_key(path: KeyPath):
    """Retire a key that no longer signs: it leaves /lti/jwks (admins)."""
    require_role(actor(), "admin")
    return out(lti_keys.retire(svc(), path.kid))


@bp.post("/courses/<int:course_id>/lti/roster", responses={200: RosterSync})
def sync_roster(path: CoursePath):
    """Read the course's roster from its LMS (NRPS) and update the members (its instructors)."""
    return lti_nrps.sync(svc(), actor(), path.course_id)


@bp.get(
    "/assignments/<int:assignment_id>/lti/passback",
    responses={200: PassbackState},
)
def passback_state(path: AssignmentPath):
    """Grade passback to the LMS per student: sent, pending (next try) or failed (why)."""
    return lti_passback.state(svc(), actor(), path.assignment_id)


@bp.post("/courses/<int:course_id>/webhooks", responses={201: WebhookCreated})
def create_webhook(path: CoursePath, body: WebhookCreate):
    """Subscribe a URL to the course's `submission.graded` and `practice.scored` events; the
    secret is shown once."""
    return out(webhooks.subscribe(svc(), actor(), path.course_id, body.url)), 201


@bp.get("/courses/<int:course_id>/webhooks", responses={200: WebhookList})
def list_webhooks(path: CoursePath):
    """The course's webhook subscriptions (its instructors)."""
    return out(webhooks.list_subscriptions(svc(), actor(), path.course_id))


@bp.delete("/webhooks/<int:webhook_id>", responses={204: None})
def delete_webhook(path: WebhookPath):
    """Stop sending events to a subscription (its course's instructors)."""
    webhooks.unsubscribe(svc(), actor(), path.webhook_id)
    return "", 204


@bp.get("/webhooks/<int:webhook_id>/deliveries", responses={200: DeliveryList})
def list_deliveries(path: WebhookPath):
    """The delivery log: each event, its tries, the receiver's last answer."""
    return out(webhooks.deliveries(svc(), actor(), path.webhook_id))
