"""Deep Linking 2.0: an instructor picks an exercise; we answer with a signed content item.

The request's settings are kept server-side behind a single-use code (the picker form in the
LMS frame carries only the code), and the assignment is created in the LMS course.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from grader.services.assignments import assignment as assignments
from grader.services.context import Actor, Services
from grader.services.errors import NotFound, ServiceError
from grader.services.integrations import outbound
from grader.services.integrations.lti import keys as lti_keys
from grader.services.integrations.lti import onetime as lti_onetime
from grader.services.integrations.lti.launch import (
    CLAIM,
    DL_SETTINGS,
    VERSION,
    Landing,
    Launch,
    refused,
)

RESPONSE_TTL_S = 600
CONTENT_TYPE = "ltiResourceLink"


def start(svc: Services, launch: Launch, landing: Landing) -> str:
    """Keep what the deep linking request asked for; returns the picker form's code."""
    if landing.role != "instructor":
        raise refused(403, "only instructors can add exercises to an LMS course")
    settings = launch.claims[DL_SETTINGS]
    accepted = settings.get("accept_types") or [CONTENT_TYPE]
    if CONTENT_TYPE not in accepted:
        raise refused(400, f"the LMS does not accept {CONTENT_TYPE} items here ({accepted})")
    try:
        outbound.check_url(settings["deep_link_return_url"], "the deep_link_return_url")
    except ServiceError as exc:
        raise refused(400, exc.message) from None
    payload = {
        "platform_id": launch.platform_id,
        "issuer": launch.issuer,
        "client_id": launch.client_id,
        "deployment_id": launch.deployment_id,
        "return_url": settings["deep_link_return_url"],
        "data": settings.get("data"),
        "title": settings.get("title") or "",
        "user_id": landing.actor.id,
        "username": landing.actor.username,
        "course_id": landing.course_id,
    }
    return lti_onetime.issue(svc, "deeplink", payload, svc.config.lti.state_ttl_s)


def finish(svc: Services, payload: dict[str, Any], spec: dict[str, Any], base: str) -> str:
    """Create the assignment the instructor chose; returns the signed response JWT."""
    actor = Actor(payload["user_id"], payload["username"], "instructor")
    if spec.get("assignment_id") is not None:  # one of the course's assignments
        created = assignments.settings(svc, actor, spec["assignment_id"])
        if created["course_id"] != payload["course_id"] or created["role"] == "student":
            raise NotFound(f"no assignment {spec['assignment_id']} in this course")
    else:  # a library exercise: a new one-question assignment
        created = assignments.create_assignment(svc, actor, payload["course_id"], spec)
    title = (spec.get("title") or "").strip() or created["title"]
    item = {
        "type": CONTENT_TYPE,
        "title": title[:200],
        "url": f"{base}/lti/launch",
        "custom": {"assignment_id": str(created["id"])},
        "lineItem": {
            "scoreMaximum": created["max_score"],
            "label": title[:200],
            "resourceId": f"assignment-{created['id']}",
            "tag": "grader",
        },
    }
    return response_jwt(svc, payload, [item])


def response_jwt(svc: Services, request: dict[str, Any], items: list[dict[str, Any]]) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": request["client_id"],
        "aud": request["issuer"],
        "iat": now,
        "exp": now + RESPONSE_TTL_S,
        "nonce": secrets.token_urlsafe(16),
        CLAIM + "deployment_id": request["deployment_id"],
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": VERSION,
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": items,
    }
    if request.get("data") is not None:
        claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] = request["data"]
    return lti_keys.sign(svc, claims)
