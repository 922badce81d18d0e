"""LTI 1.3 launches: OIDC login initiation, id_token validation and what a launch creates.

Every check of the 1EdTech Security Framework is made here, none left to a library default:
RS256 only, the platform's key by `kid`, `iss`, `aud` (and `azp` when several audiences),
`exp` and `iat` (neither in the future nor too old), a nonce we issued and burn, the state,
a known deployment, the message type and version, the roles, the resource link and the
target link URI.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grader import languages
from grader.db.integrations import LtiContext, LtiPlatform, LtiResourceLink, LtiUser
from grader.db.models import Assignment, Course, Membership, User
from grader.services.accounts.users import session_stamp
from grader.services.context import Actor, Services
from grader.services.errors import ServiceError
from grader.services.integrations import outbound
from grader.services.integrations.lti import onetime as lti_onetime
from grader.services.integrations.lti import platforms as lti_platforms
from grader.services.integrations.lti.roles import course_role

log = logging.getLogger(__name__)
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
MESSAGE_TYPES = (RESOURCE_LINK, DEEP_LINKING)
VERSION = "1.3.0"
MAX_TOKEN_CHARS = 64 * 1024


class LaunchRefused(ServiceError):
    """A launch we refuse; the message tells the user (or the LMS administrator) why."""

    status, code = 400, "lti_launch_refused"


def refused(status: int, message: str) -> LaunchRefused:
    error = LaunchRefused(message)
    error.status = status
    return error


@dataclass(frozen=True)
class Launch:
    """A validated launch: who, from which platform, into which course and link."""

    platform_id: int
    issuer: str
    client_id: str
    deployment_id: str
    message_type: str
    sub: str
    role: str  # instructor or student
    claims: dict[str, Any] = field(repr=False)

    def claim(self, name: str, default: Any = None) -> Any:
        return self.claims.get(CLAIM + name, default)

    @property
    def locale(self) -> str | None:
        """The language the LMS shows its user (`launch_presentation.locale`), if the grader
        speaks it ("zh-CN", "zh_CN" and "zh" read as zh-CN)."""
        presentation = self.claim("launch_presentation")
        if not isinstance(presentation, dict) or not isinstance(presentation.get("locale"), str):
            return None
        return languages.supported(presentation["locale"])


def tool_base(svc: Services, request_root: str) -> str:
    """The tool's public URL, without a trailing slash."""
    return (svc.config.lti.base_url or request_root).rstrip("/")


def is_ours(url: Any, base: str) -> bool:
    """Whether `url` is a page of this tool (same scheme, host and port, under its path)."""
    if not isinstance(url, str):
        return False
    target, ours = urlsplit(url), urlsplit(base)
    return (target.scheme, target.netloc.lower()) == (ours.scheme, ours.netloc.lower()) and (
        target.path.startswith(ours.path.rstrip("/") + "/") or target.path == ours.path
    )


# --- login initiation --------------------------------------------------------------------


def _platform_for(svc: Services, issuer: str, client_id: str | None) -> LtiPlatform:
    with svc.db.read() as session:
        query = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
        if client_id:
            query = query.where(LtiPlatform.client_id == client_id)
        rows = list(session.scalars(query.limit(2)))
    if not rows:
        who = f"issuer {issuer!r}" + (f" with client_id {client_id!r}" if client_id else "")
        raise refused(403, f"no LMS platform is registered for {who}; ask the administrator")
    if len(rows) > 1:
        raise refused(400, "several registrations share this issuer; the LMS must send client_id")
    return rows[0]


LOGIN_PARAMS = (
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "client_id",
    "lti_deployment_id",
)
STATE_SALT = "lti-login-state"


class BrowserUnproven(LaunchRefused):
    """The launch's state is ours, but this browser shows no sign of having started it: the
    login cookie is missing (Safari and other browsers that block cookies in an LMS frame).
    `relaunch` starts the same login again, meant for a window of its own."""

    status, code = 401, "lti_browser_unproven"

    def __init__(self, message: str, relaunch: str):
        super().__init__(message)
        self.relaunch = relaunch


def _signer(svc: Services) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(svc.config.secret_key, salt=STATE_SALT)


def browser_mark(browser: str) -> str:
    """What the state keeps of the browser's login cookie (its value never leaves us)."""
    return hashlib.sha256(f"lti-browser:{browser}".encode()).hexdigest()[:32]


def begin_login(svc: Services, params: dict[str, str], base: str, browser: str) -> str:
    """Answer an OIDC third-party login initiation: the auth URL to redirect to.

    Nothing is written: the state is signed and carries the platform, the nonce, a mark of
    this browser's login cookie (`browser`) and the login's parameters (to start it again in
    a window of its own); the nonce is burnt when a launch uses it."""
    issuer, hint = params.get("iss", "").strip(), params.get("login_hint", "")
    target = params.get("target_link_uri", "")
    missing = [
        n for n, v in (("iss", issuer), ("login_hint", hint), ("target_link_uri", target)) if not v
    ]
    if missing:
        raise refused(400, f"the login request lacks {', '.join(missing)}")
    if any(len(v) > 2048 for v in params.values()):
        raise refused(400, "a login parameter is longer than 2048 characters")
    if not is_ours(target, base):
        raise refused(400, f"target_link_uri {target!r} is not a page of this tool ({base})")
    platform = _platform_for(svc, issuer, params.get("client_id") or None)
    deployment = params.get("lti_deployment_id")
    if deployment and deployment not in _deployments(svc, platform.id):
        raise refused(403, f"deployment {deployment!r} is not registered for this platform")
    nonce = secrets.token_urlsafe(24)
    login = {k: params[k] for k in LOGIN_PARAMS if params.get(k)}
    state = _signer(svc).dumps(
        {"p": platform.id, "n": nonce, "b": browser_mark(browser), "l": login}
    )
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": f"{base}/lti/launch",
        "login_hint": hint,
        "state": state,
        "nonce": nonce,
    }
    if "lti_message_hint" in params:
        query["lti_message_hint"] = params["lti_message_hint"]
    joiner = "&" if "?" in platform.auth_url else "?"
    return platform.auth_url + joiner + urlencode(query)


def _read_state(svc: Services, state: str) -> dict[str, Any]:
    if len(state) > 16 * 1024:
        raise refused(400, "this launch's state is unknown; launch the activity again")
    try:
        payload = _signer(svc).loads(state, max_age=int(svc.config.lti.state_ttl_s))
    except SignatureExpired:
        raise refused(400, "this launch's state has expired; launch the activity again") from None
    except BadSignature:
        raise refused(
            400, "this launch's state is unknown; launch the activity again from the LMS"
        ) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("n"), str):
        raise refused(400, "this launch's state is unknown; launch the activity again")
    return payload


def _deployments(svc: Services, platform_id: int) -> set[str]:
    with svc.db.read() as session:
        platform = session.get(LtiPlatform, platform_id)
        return {d.deployment_id for d in platform.deployments} if platform else set()


# --- the id_token --------------------------------------------------------------------------


def validate(svc: Services, id_token: str, state: str, browser: str | None, base: str) -> Launch:
    """Check everything about a launch; raise LaunchRefused (4xx) saying what is wrong.

    `browser`: this browser's login cookie. The state must name it: a launch posted from a
    browser that did not start the login (an attacker's unused id_token and state, sent from
    a victim's browser to sign the victim in as the attacker) is refused."""
    if not state:
        raise refused(400, "the launch has no state; start it again from the LMS")
    if not id_token:
        raise refused(400, "the launch has no id_token; start it again from the LMS")
    if len(id_token) > MAX_TOKEN_CHARS:
        raise refused(400, "the id_token is too large")
    payload = _read_state(svc, state)
    if not browser:
        relaunch = "/lti/login?" + urlencode(payload.get("l") or {})
        raise BrowserUnproven(
            "this browser kept no sign of starting this launch (it blocks the cookie the "
            "LMS frame needs); open the activity in a window of its own",
            relaunch,
        )
    if not hmac.compare_digest(browser_mark(browser), str(payload.get("b", ""))):
        raise refused(400, "the launch's state does not match this browser's login; try again")
    with svc.db.read() as session:
        platform = session.get(LtiPlatform, payload.get("p"))
        if platform is None:
            raise refused(403, "the platform of this launch is no longer registered")
        deployments = {d.deployment_id for d in platform.deployments}
        session.expunge(platform)
    claims = _verified_claims(svc, platform, id_token)
    if not hmac.compare_digest(claims["nonce"], payload["n"]):
        raise refused(401, "the id_token's nonce was not issued for this login")
    launch = _check_message(claims, platform, deployments, base)
    if not lti_onetime.burn(svc, "nonce", payload["n"], svc.config.lti.state_ttl_s):
        raise refused(400, "this launch was already used (a replayed launch); launch again")
    _drop_refused_services(svc, launch)
    return launch


def _drop_refused_services(svc: Services, launch: Launch) -> None:
    """The grade (AGS) and roster (NRPS) URLs the launch names are called later with a bearer
    token: one the address policy refuses is not kept (the launch itself goes on)."""
    services = [
        (launch.claims.get(AGS_ENDPOINT), ("lineitems", "lineitem")),
        (launch.claims.get(NRPS), ("context_memberships_url",)),
    ]
    for claim, names in services:
        if not isinstance(claim, dict):
            continue
        for name in names:
            url = claim.get(name)
            if not isinstance(url, str):
                continue
            try:
                outbound.check_destination(url, svc.config.lti, f"the launch's {name}")
            except outbound.DestinationRefused as exc:
                log.warning("LTI launch from %s: %s; not kept", launch.issuer, exc)
                claim.pop(name)


def _verified_claims(svc: Services, platform: LtiPlatform, id_token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.InvalidTokenError:
        raise refused(401, "the id_token is not a readable JWT") from None
    if header.get("alg") != "RS256":
        raise refused(401, f"the id_token is signed with {header.get('alg')!r}; RS256 is required")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise refused(401, "the id_token's header names no key (kid)")
    try:
        unverified = jwt.decode(id_token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise refused(401, "the id_token is not a readable JWT") from None
    if unverified.get("iss") != platform.issuer:
        raise refused(
            401, f"the id_token's issuer {unverified.get('iss')!r} is not {platform.issuer!r}"
        )
    for name in ("exp", "iat", "nbf"):  # PyJWT would read "1700000000" as a number
        value = unverified.get(name)
        if name in unverified and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise refused(401, f"the id_token's {name} is not a number ({str(value)[:40]!r})")
    for key_number in ("now", "refetched"):
        key = _platform_key(svc, platform, kid, refetch=key_number == "refetched")
        try:
            claims = _decoded(svc, platform, id_token, key)
            break
        except jwt.InvalidSignatureError:
            # the platform may have rotated its key under the same kid: fetch its keys once
            # more (bounded per platform) before calling the signature invalid
            if key_number == "refetched" or not _refetchable(platform):
                raise refused(401, "the id_token's signature is not valid") from None
    return _checked_claims(svc, platform, claims)


def _refetchable(platform: LtiPlatform) -> bool:
    since = time.monotonic() - lti_platforms._last_refetch.get(platform.id, -1e9)
    return since >= lti_platforms.REFETCH_MIN_S


def _platform_key(svc: Services, platform: LtiPlatform, kid: str, refetch: bool) -> Any:
    try:
        return jwt.PyJWK(
            lti_platforms.platform_key(svc, platform, kid, refetch=refetch), algorithm="RS256"
        )
    except lti_platforms.UnknownKey as exc:
        raise refused(401, f"the id_token's key is not the platform's: {exc}") from None
    except jwt.PyJWKError:
        raise refused(401, "the platform's key for this id_token cannot be used") from None


def _decoded(svc: Services, platform: LtiPlatform, id_token: str, key: Any) -> dict[str, Any]:
    """The verified claims; InvalidSignatureError passes through (the caller may refetch)."""
    settings = svc.config.lti
    try:
        return jwt.decode(
            id_token,
            key,
            algorithms=["RS256"],
            audience=platform.client_id,
            issuer=platform.issuer,
            leeway=settings.clock_skew_s,
            options={"require": ["iss", "aud", "exp", "iat", "nonce"]},
        )
    except jwt.InvalidSignatureError:
        raise
    except jwt.ExpiredSignatureError:
        raise refused(401, "the id_token has expired") from None
    except jwt.ImmatureSignatureError:
        raise refused(
            401, "the id_token was issued in the future (check the LMS's clock)"
        ) from None
    except jwt.InvalidAudienceError:
        raise refused(
            401, f"the id_token is not meant for this tool (client_id {platform.client_id!r})"
        ) from None
    except jwt.InvalidTokenError as exc:
        raise refused(401, f"the id_token is not valid: {exc}") from None


def _checked_claims(svc: Services, platform: LtiPlatform, claims: dict[str, Any]) -> dict[str, Any]:
    settings = svc.config.lti
    if time.time() - float(claims["iat"]) > settings.max_token_age_s + settings.clock_skew_s:
        raise refused(401, "the id_token was issued too long ago")
    audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    azp = claims.get("azp")
    if len(audience) > 1 and azp is None:
        raise refused(401, "the id_token has several audiences and no azp")
    if azp is not None and azp != platform.client_id:
        raise refused(401, f"the id_token's azp {azp!r} is not this tool's client_id")
    if not isinstance(claims["nonce"], str):
        raise refused(401, "the id_token's nonce is not a string")
    return claims


def _check_message(
    claims: dict[str, Any], platform: LtiPlatform, deployments: set[str], base: str
) -> Launch:
    deployment = claims.get(CLAIM + "deployment_id")
    if not isinstance(deployment, str) or deployment not in deployments:
        raise refused(403, f"deployment {deployment!r} is not registered for this platform")
    kind = claims.get(CLAIM + "message_type")
    if kind not in MESSAGE_TYPES:
        raise refused(
            400, f"message type {kind!r} is not supported; expected {' or '.join(MESSAGE_TYPES)}"
        )
    if claims.get(CLAIM + "version") != VERSION:
        raise refused(400, f"LTI version {claims.get(CLAIM + 'version')!r} is not {VERSION}")
    roles = claims.get(CLAIM + "roles")
    if not isinstance(roles, list):
        raise refused(400, "the launch has no roles claim")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise refused(400, "anonymous launches (no sub) are not supported")
    if kind == RESOURCE_LINK:
        link = claims.get(CLAIM + "resource_link")
        if not isinstance(link, dict) or not isinstance(link.get("id"), str) or not link["id"]:
            raise refused(400, "the launch has no resource_link id")
    else:
        settings = claims.get(DL_SETTINGS)
        if not isinstance(settings, dict) or not isinstance(
            settings.get("deep_link_return_url"), str
        ):
            raise refused(400, "the deep linking request has no deep_link_return_url")
    if not is_ours(claims.get(CLAIM + "target_link_uri"), base):
        raise refused(
            400, f"target_link_uri {claims.get(CLAIM + 'target_link_uri')!r} is not this tool"
        )
    context = claims.get(CLAIM + "context")
    if not isinstance(context, dict) or not isinstance(context.get("id"), str) or not context["id"]:
        raise refused(400, "the launch has no course context")
    return Launch(
        platform_id=platform.id,
        issuer=platform.issuer,
        client_id=platform.client_id,
        deployment_id=deployment,
        message_type=kind,
        sub=sub,
        role=course_role(roles),
        claims=claims,
    )


# --- what a launch creates ---------------------------------------------------------------


@dataclass(frozen=True)
class Landing:
    """Where a validated launch leads."""

    actor: Actor
    stamp: str  # the web session's password stamp
    course_id: int
    role: str
    assignment_id: int | None
    link_pk: int | None
    frame_origins: list[str]


USERNAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def _username(session: Any, launch: Launch) -> str:
    """A readable, unique username: the LMS name plus a hash of the LTI identity."""
    claims = launch.claims
    name = (
        claims.get("given_name") or claims.get("name") or str(claims.get("email", "")).split("@")[0]
    )
    base = USERNAME_CHARS.sub("-", str(name or "")).strip("-._")[:40] or "lti-user"
    digest = hashlib.sha256(f"{launch.issuer}|{launch.sub}".encode()).hexdigest()
    for size in (6, 10, 16, 24):
        candidate = f"{base}-{digest[:size]}"
        if session.scalar(select(User.id).where(User.username == candidate)) is None:
            return candidate
    raise refused(409, "no free username for this LMS user")


def _display_name(claims: dict[str, Any]) -> str:
    name = claims.get("name") or " ".join(
        str(claims.get(k, "")) for k in ("given_name", "family_name") if claims.get(k)
    )
    return str(name or "")[:200]


def link_user(session: Any, launch: Launch, platform_id: int, sub: str, name: str) -> User:
    """Our user for (platform, sub), created on first sight as a site-wide student: a launch
    grants a role in its LMS course (`set_membership`), never a site-wide right."""
    found = session.scalar(
        select(LtiUser).where(LtiUser.platform_id == platform_id, LtiUser.sub == sub)
    )
    if found is not None:
        user = session.get(User, found.user_id)
        if name:
            found.name = name
    else:
        user = User(username=_username(session, launch), role="student")
        session.add(user)
        session.flush()
        session.add(LtiUser(platform_id=platform_id, sub=sub, user_id=user.id, name=name))
    return user


def set_membership(session: Any, course_id: int, user: User, role: str) -> None:
    """The LMS is the record of LTI courses' rosters: the member's role follows it."""
    if user.role == "admin":
        role = "instructor"
    member = session.get(Membership, (course_id, user.id))
    if member is None:
        session.add(Membership(course_id=course_id, user_id=user.id, role=role))
    else:
        member.role = role


def _context(session: Any, launch: Launch) -> LtiContext:
    context = launch.claim("context")
    row = session.scalar(
        select(LtiContext).where(
            LtiContext.platform_id == launch.platform_id, LtiContext.context_id == context["id"]
        )
    )
    title = str(context.get("title") or context.get("label") or "LMS course")[:200]
    if row is None:
        course = Course(title=title, created_by=None)
        session.add(course)
        session.flush()
        row = LtiContext(
            platform_id=launch.platform_id,
            deployment_id=launch.deployment_id,
            context_id=context["id"],
            course_id=course.id,
        )
        session.add(row)
    nrps = launch.claims.get(NRPS)
    if isinstance(nrps, dict) and isinstance(nrps.get("context_memberships_url"), str):
        row.memberships_url = nrps["context_memberships_url"][:1000]
    ags = launch.claims.get(AGS_ENDPOINT)
    if isinstance(ags, dict):
        if isinstance(ags.get("lineitems"), str):
            row.lineitems_url = ags["lineitems"][:1000]
        if isinstance(ags.get("scope"), list):
            row.ags_scopes = " ".join(s for s in ags["scope"] if isinstance(s, str))
    session.flush()
    return row


def _resource_link(session: Any, launch: Launch, context: LtiContext) -> LtiResourceLink:
    link_claim = launch.claim("resource_link")
    row = session.scalar(
        select(LtiResourceLink).where(
            LtiResourceLink.platform_id == launch.platform_id,
            LtiResourceLink.resource_link_id == link_claim["id"],
        )
    )
    if row is None:
        row = LtiResourceLink(
            platform_id=launch.platform_id, context_pk=context.id, resource_link_id=link_claim["id"]
        )
        session.add(row)
    row.title = str(link_claim.get("title") or row.title or "")[:300]
    ags = launch.claims.get(AGS_ENDPOINT)
    if isinstance(ags, dict) and isinstance(ags.get("lineitem"), str):
        row.lineitem_url = ags["lineitem"][:1000]
    if row.assignment_id is None:
        custom = launch.claim("custom") or {}
        wanted = str(custom.get("assignment_id", "")) if isinstance(custom, dict) else ""
        if wanted.isdigit():  # set by our deep linking response; must be this course's
            assignment = session.get(Assignment, int(wanted))
            if assignment is not None and assignment.course_id == context.course_id:
                row.assignment_id = assignment.id
    session.flush()
    return row


def provision(svc: Services, launch: Launch) -> Landing:
    """Create or update the user, course, membership and resource link of a valid launch."""
    for attempt in range(3):
        try:
            with svc.db.write() as session:
                platform = session.get_one(LtiPlatform, launch.platform_id)
                user = link_user(
                    session,
                    launch,
                    launch.platform_id,
                    launch.sub,
                    _display_name(launch.claims),
                )
                context = _context(session, launch)
                set_membership(session, context.course_id, user, launch.role)
                link = (
                    _resource_link(session, launch, context)
                    if launch.message_type == RESOURCE_LINK
                    else None
                )
                return Landing(
                    actor=Actor(user.id, user.username, user.role),
                    stamp=session_stamp(user),
                    course_id=context.course_id,
                    role="instructor" if user.role == "admin" else launch.role,
                    assignment_id=link.assignment_id if link else None,
                    link_pk=link.id if link else None,
                    frame_origins=platform.frame_origins.split(),
                )
        except IntegrityError:  # a simultaneous first launch created the same rows
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def attach_assignment(svc: Services, link_pk: int, assignment_id: int) -> None:
    """Tie an unlinked resource link to an assignment of its course."""
    with svc.db.write() as session:
        link = session.get(LtiResourceLink, link_pk)
        assignment = session.get(Assignment, assignment_id)
        if link is None or assignment is None or assignment.course_id != link.context.course_id:
            raise refused(400, "this assignment is not in the LMS course of this link")
        link.assignment_id = assignment_id
