"""Calls to other services (LMS platforms, webhook receivers): one client, one retry rule.

What to do after a response is decided in one place, so grade passback and webhooks behave
alike: retry with exponential backoff on 429, 5xx, Canvas's 403 with
`X-Rate-Limit-Remaining: 0` and dropped connections; refresh the token on 401; give up on
any other 4xx (the answer is recorded for the people who must fix it).
"""

from __future__ import annotations

import ipaddress
import random
import socket
from datetime import datetime, timedelta
from enum import Enum
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


def client(settings: LtiSettings) -> httpx.Client:
    """An HTTP client that never follows redirects (a redirect could leave the LMS's host)."""
    return httpx.Client(timeout=settings.http_timeout_s, follow_redirects=False)


def describe(response: httpx.Response) -> str:
    """The LMS's answer, short enough to store and show to an instructor."""
    text = response.text.strip().replace("\n", " ")
    return f"HTTP {response.status_code}: {text}"[:MAX_ERROR_CHARS]


def check_url(url: str, what: str) -> str:
    """An https URL (http only on this machine, for local set-ups and tests)."""
    url = url.strip()
    parts = urlsplit(url)
    if len(url) > 1000 or not parts.hostname:
        raise Invalid(f"{what} must be an absolute URL of at most 1000 characters")
    if parts.scheme != "https" and not (
        parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    ):
        raise Invalid(f"{what} must use https:// ({url!r})")
    return url


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_private_host(host: str) -> bool:
    """Whether `host` resolves to a loopback, private, link-local or reserved address."""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False  # the request will fail on its own and be retried
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
            or address.is_multicast
            or address.is_unspecified
        ):
            return True
    return False
