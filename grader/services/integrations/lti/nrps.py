"""Names and Role Provisioning Services: read an LMS course's roster into ours.

Pages are followed through `Link: <...>; rel="next"` on the roster URL's own origin only
(a next link elsewhere could send our token to another host), with bounds on pages and
members. Active members are added (or their role updated); members the LMS lists as
Inactive or Deleted leave the course. Submissions are never touched.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
from sqlalchemy import delete, select

from grader.db.core import rowcount
from grader.db.integrations import LtiContext, LtiPlatform, LtiUser
from grader.db.models import Membership, utcnow
from grader.services.accounts.access import require_course_staff
from grader.services.context import Actor, Services
from grader.services.errors import Invalid, NotFound, ServiceError
from grader.services.integrations import outbound
from grader.services.integrations.lti import tokens as lti_tokens
from grader.services.integrations.lti.launch import Launch, link_user, set_membership
from grader.services.integrations.lti.roles import course_role

log = logging.getLogger(__name__)
SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGES = 200
MAX_MEMBERS = 20_000
NEXT = re.compile(r'<([^>]*)>\s*;\s*rel\s*=\s*"?next"?', re.IGNORECASE)


class RosterError(ServiceError):
    status, code = 502, "lms_roster"


def next_link(header: str | None) -> str | None:
    for part in (header or "").split(","):
        if match := NEXT.search(part):
            return match.group(1).strip()
    return None


def fetch_members(svc: Services, platform: lti_tokens.Platform, url: str) -> list[dict[str, Any]]:
    """Every member on every page (same origin as `url` only)."""
    origin = outbound.origin(url)
    members: list[dict[str, Any]] = []
    with outbound.client(svc.config.lti) as http:
        for _ in range(MAX_PAGES):
            try:
                bearer = lti_tokens.token(svc, http, platform, SCOPE)
                response = http.get(
                    url, headers={"Authorization": f"Bearer {bearer}", "Accept": MEDIA_TYPE}
                )
                if response.status_code == 401:
                    lti_tokens.forget(svc, platform, SCOPE)
                    bearer = lti_tokens.token(svc, http, platform, SCOPE)
                    response = http.get(
                        url, headers={"Authorization": f"Bearer {bearer}", "Accept": MEDIA_TYPE}
                    )
            except lti_tokens.TokenError as exc:
                raise RosterError(exc.message) from None
            except httpx.TransportError as exc:
                raise RosterError(outbound.unreachable(exc)[1]) from None
            if response.status_code != 200:
                raise RosterError("the LMS refused the roster: " + outbound.describe(response))
            try:
                page = response.json().get("members", [])
            except (ValueError, AttributeError):
                raise RosterError("the LMS's roster is not JSON") from None
            members.extend(m for m in page if isinstance(m, dict))
            if len(members) > MAX_MEMBERS:
                raise RosterError(f"the roster has more than {MAX_MEMBERS} members")
            following = next_link(response.headers.get("Link"))
            if not following:
                return members
            following = str(httpx.URL(url).join(following))
            if outbound.origin(following) != origin:
                raise RosterError(
                    f"the LMS's next page is on another site ({outbound.origin(following)}); refused"
                )
            url = following
    raise RosterError(f"the roster has more than {MAX_PAGES} pages")


def sync(svc: Services, actor: Actor | None, course_id: int) -> dict[str, int]:
    """Bring the course's members in line with its LMS roster. `actor=None`: the CLI."""
    with svc.db.read() as session:
        if actor is not None:
            require_course_staff(session, actor, course_id)
        context = session.scalar(select(LtiContext).where(LtiContext.course_id == course_id))
        if context is None:
            raise NotFound(f"course {course_id} is not linked to an LMS course")
        if not context.memberships_url:
            raise Invalid(
                "the LMS did not offer its roster (Names and Role Provisioning) for this course"
            )
        row = session.get_one(LtiPlatform, context.platform_id)
        platform = lti_tokens.Platform(row.id, row.client_id, row.token_url)
        issuer, url, context_pk = row.issuer, context.memberships_url, context.id
    members = fetch_members(svc, platform, url)
    counts = {"members": len(members), "added_or_updated": 0, "removed": 0, "skipped": 0}
    with svc.db.write() as session:
        for member in members:
            sub = member.get("user_id")
            if not isinstance(sub, str) or not sub or len(sub) > 255:
                counts["skipped"] += 1
                continue
            roles = member.get("roles") if isinstance(member.get("roles"), list) else []
            status = str(member.get("status", "Active"))
            if status != "Active":
                found = session.scalar(
                    select(LtiUser).where(LtiUser.platform_id == platform.id, LtiUser.sub == sub)
                )
                if found is not None:
                    gone = rowcount(
                        session.execute(
                            delete(Membership).where(
                                Membership.course_id == course_id,
                                Membership.user_id == found.user_id,
                            )
                        )
                    )
                    counts["removed"] += int(gone or 0)
                continue
            role = course_role(roles)
            fake = Launch(platform.id, issuer, platform.client_id, "", "", sub, role, member)
            name = str(member.get("name") or "")[:200]
            user = link_user(session, fake, platform.id, sub, name)
            session.flush()
            set_membership(session, course_id, user, role)
            counts["added_or_updated"] += 1
        session.get_one(LtiContext, context_pk).roster_synced_at = utcnow()
    return counts


def course_link(svc: Services, course_id: int) -> dict[str, Any] | None:
    """Whether a course came from an LMS, and its roster's state (for the course page)."""
    with svc.db.read() as session:
        context = session.scalar(select(LtiContext).where(LtiContext.course_id == course_id))
        if context is None:
            return None
        return {
            "roster": bool(context.memberships_url),
            "synced_at": context.roster_synced_at.isoformat() if context.roster_synced_at else None,
        }
