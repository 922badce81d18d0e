"""Calls to other services (LMS platforms, webhook receivers): one client, one address
policy, one retry rule.

An LMS is trusted with its own launches, not with our network: every URL the grader calls
(AGS, NRPS, the platform's JWKS and token endpoint, webhooks) passes `check_destination` when
it is registered, launched or subscribed and again at every request, and the request goes to
the address that was checked. Errors are summarised (status, type, size), never the body.

What to do after a response is decided in one place, so grade passback and webhooks behave
alike: retry with exponential backoff on 429, 5xx, Canvas's 403 with
`X-Rate-Limit-Remaining: 0` and dropped connections; refresh the token on 401; give up on
any other 4xx (the answer is recorded for the people who must fix it).
"""

from __future__ import annotations

import ipaddress
import random
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

import httpx

from grader.config import LtiSettings
from grader.services.errors import Invalid

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
MAX_ERROR_CHARS = 500


class Verdict(Enum):
    OK = "ok"
    RETRY = "retry"  # later, with backoff
    REFRESH = "refresh"  # get a new access token, then try again now
    FAIL = "fail"  # permanent: record it and stop


def verdict(status: int, headers: httpx.Headers | dict[str, str]) -> Verdict:
    if 200 <= status < 300:
        return Verdict.OK
    if status == 401:
        return Verdict.REFRESH
    if status == 429 or status >= 500:
        return Verdict.RETRY
    if status == 403 and str(headers.get("X-Rate-Limit-Remaining", "")).strip() in ("0", "0.0"):
        return Verdict.RETRY  # Canvas's rate limit
    return Verdict.FAIL


def retry_at(
    now: datetime, attempts: int, settings: LtiSettings, retry_after: str | None
) -> datetime:
    """When to try again after `attempts` failed tries: doubling, jittered, capped; at least
    what the server's Retry-After asks (seconds), within the cap."""
    delay = min(settings.retry_base_s * 2 ** max(attempts - 1, 0), settings.retry_max_s)
    delay *= 0.5 + random.random() / 2
    if retry_after and retry_after.strip().isdigit():
        delay = max(delay, min(float(retry_after.strip()), settings.retry_max_s))
    return now + timedelta(seconds=delay)


def client(settings: LtiSettings, transport: httpx.BaseTransport | None = None) -> OutboundClient:
    """The one HTTP client for every call to another service (see `OutboundClient`)."""
    return OutboundClient(settings, transport)


def describe(response: httpx.Response) -> str:
    """A summary of the other side's answer: status, type and size, never its body (a body
    read back from a place we should not have reached must not reach a user)."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip()[:60] or "no type"
    size = len(response.content)
    return f"HTTP {response.status_code} {response.reason_phrase} ({kind}, {size} bytes)"[
        :MAX_ERROR_CHARS
    ]


def check_url(url: str, what: str) -> str:
    """An https URL (http only on this machine, for local set-ups and tests); the form of a
    URL the browser is sent to. URLs the grader itself calls also pass `check_destination`."""
    url = url.strip()
    parts = urlsplit(url)
    if len(url) > 1000 or not parts.hostname:
        raise Invalid(f"{what} must be an absolute URL of at most 1000 characters")
    if parts.scheme != "https" and not (
        parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    ):
        raise Invalid(f"{what} must use https:// ({url!r})")
    return url


# --- the address policy --------------------------------------------------------------------

# Never global, whatever `ipaddress` says of them on this Python: shared address space (CGNAT),
# IETF protocol assignments, link-local (cloud metadata at 169.254.169.254), AWS's IPv6 metadata.
EXTRA_FORBIDDEN = [
    ipaddress.ip_network(n)
    for n in ("100.64.0.0/10", "192.0.0.0/24", "169.254.0.0/16", "fd00:ec2::254/128")
]
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class DestinationRefused(httpx.TransportError):
    """A destination the address policy refuses: permanent, never retried."""


@dataclass(frozen=True)
class Destination:
    """A checked destination: the URL as given, and the one address to connect to."""

    url: str
    host: str
    address: str


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether `address` is on the public internet: not private, loopback, link-local, CGNAT,
    192.0.0.0/24, metadata, multicast, reserved or unspecified (IPv4 inside IPv6 unwrapped)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_v4(address)
        if inner is not None and not is_public(inner):
            return False
    if any(address in network for network in EXTRA_FORBIDDEN if network.version == address.version):
        return False
    return address.is_global and not address.is_multicast


def is_local(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address `host` names, resolved once (a literal address is itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    found = []
    for info in infos:
        try:
            found.append(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
        except ValueError:
            continue
    return found


def check_destination(url: str, settings: LtiSettings, what: str = "the URL") -> Destination:
    """The address policy for every request the grader makes: https (http only to this
    machine, and only where private addresses are allowed, for development), no user name in
    the URL, a name that resolves, and every address it resolves to public (unless
    `allow_private_urls`). Raises DestinationRefused saying why."""
    parts = urlsplit(url.strip())
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise DestinationRefused(f"{what} has an invalid port") from None
    if not host or len(url) > 1000:
        raise DestinationRefused(f"{what} must be an absolute URL of at most 1000 characters")
    if parts.username or parts.password:
        raise DestinationRefused(f"{what} must not carry a user name or password")
    if parts.scheme not in ("https", "http"):
        raise DestinationRefused(f"{what} must use https://")
    addresses = resolve(host, port or (443 if parts.scheme == "https" else 80))
    if not addresses:
        raise DestinationRefused(f"{what}: the name {host!r} does not resolve")
    private = [a for a in addresses if not is_public(a)]
    if private and not settings.allow_private_urls:
        raise DestinationRefused(
            f"{what}: {host} is a private, loopback, link-local or otherwise internal "
            f"address ({private[0]}); refused"
        )
    if parts.scheme == "http" and not (
        settings.allow_private_urls and all(is_local(a) for a in addresses)
    ):
        raise DestinationRefused(f"{what} must use https://")
    return Destination(url.strip(), host, str(addresses[0]))


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address `host` spells without DNS, in any spelling the resolver accepts (127.1,
    2130706433, 0x7f.0.0.1, [::ffff:127.0.0.1]); None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, UnicodeError, ValueError):
        return None


def check_destination_url(
    url: str, settings: LtiSettings, what: str, resolve_now: bool = True
) -> str:
    """The address policy for a URL a user gives (a webhook, a platform's endpoints), as
    Invalid. `resolve_now=False` (an administrator registering a platform whose name may
    not resolve yet) checks what can be without DNS; every request checks it all again."""
    url = check_url(url, what)
    host = urlsplit(url).hostname or ""
    try:
        if resolve_now:
            return check_destination(url, settings, what).url
        if urlsplit(url).username or urlsplit(url).password:
            raise DestinationRefused(f"{what} must not carry a user name or password")
        address = literal_address(host)
        local = host == "localhost" or host.endswith(".localhost")
        if (local or (address is not None and not is_public(address))) and not (
            settings.allow_private_urls
        ):
            raise DestinationRefused(f"{what}: {host} is an internal address; refused")
    except DestinationRefused as exc:
        raise Invalid(str(exc)) from None
    return url


def unreachable(exc: httpx.TransportError, who: str = "the LMS") -> tuple[bool, str]:
    """(retry?, message) for a request that got no answer: a refused destination is
    permanent; a dropped or refused connection is tried again."""
    if isinstance(exc, DestinationRefused):
        return False, f"refused: {exc}"[:MAX_ERROR_CHARS]
    return True, f"{who} could not be reached: {exc or type(exc).__name__}"[:MAX_ERROR_CHARS]


class OutboundClient:
    """Every call to an LMS (AGS, NRPS, JWKS, token endpoint) and to webhook receivers.

    Each request passes the address policy, then goes to the very address that was checked
    (the URL's host is replaced by it; the name travels in `Host` and as the TLS server name,
    which the certificate is verified against), so a name that resolves elsewhere the second
    time (DNS rebinding) cannot redirect it. Redirects are never followed, proxies from the
    environment never used."""

    def __init__(self, settings: LtiSettings, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self.http = httpx.Client(
            timeout=settings.http_timeout_s,
            follow_redirects=False,
            trust_env=False,
            transport=transport,
        )

    def __enter__(self) -> OutboundClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        checked = check_destination(url, self.settings)
        target = httpx.URL(checked.url)
        headers = dict(kwargs.pop("headers", None) or {})
        headers["Host"] = target.netloc.decode("ascii")
        extensions = {"sni_hostname": checked.host} if target.scheme == "https" else {}
        return self.http.request(
            method,
            target.copy_with(host=checked.address),
            headers=headers,
            extensions=extensions,
            **kwargs,
        )

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
