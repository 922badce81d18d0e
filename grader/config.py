"""Settings read once from GRADER_* environment variables, with embedded defaults.

This is the only module that looks at the environment; everything else receives a `Config`.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, ClassVar

DEVICE = re.compile(r"^(auto|cpu|cuda|cuda:\d+)$")
log = logging.getLogger(__name__)
_warned: set[str] = set()  # unknown variables already reported by this process


class ConfigError(ValueError):
    """A GRADER_* variable has a value that cannot be used."""


@dataclass(frozen=True)
class WebSettings:
    """The web pages' sessions and sign-in throttle. Each field `name` is `GRADER_<NAME>`."""

    session_hours: float = 12.0  # a signed-in session lasts this long
    cookie_secure: bool = False  # send the session cookie over HTTPS only
    login_max_failures: int = 5  # sign-in attempts per account and address per window
    login_window_s: float = 300.0  # (one account anywhere, or one address: ten times as many)
    # reverse proxies in front of the service that set X-Forwarded-For/-Proto: the client's
    # address (sign-in throttle, logs) is then read from there; 0: the connection's own
    proxy_hops: int = 0


@dataclass(frozen=True)
class CeleryOptions:
    """The Celery dispatcher's settings; the defaults suit one exam-week cluster.

    Each field `name` is `GRADER_<NAME>`.
    """

    queue: str = "grader"  # the Celery queue (a Redis list) grading tasks travel on
    redis_prefix: str = "grader:"  # prefix of every Redis key (broker, metrics, heartbeats)
    flush_ms: float = 20.0  # submissions arriving within this window travel as one task
    job_timeout_s: float = 60.0  # hard limit of one task; the visibility timeout derives from it
    sweep_interval_s: float = 15.0  # how often the web process sweeps for stuck rows
    redispatch_after_s: float = 30.0  # a row still `queued` this long is sent again
    broker_timeout_s: float = 2.0  # connect/read timeout towards Redis (the API never hangs)

    @property
    def visibility_timeout_s(self) -> float:
        """Redis redelivers an unacknowledged task after this: twice the longest job."""
        return 2 * self.job_timeout_s

    @property
    def stuck_after_s(self) -> float:
        """A row in `grading` longer than the visibility timeout was abandoned by its worker."""
        return self.visibility_timeout_s + self.job_timeout_s


@dataclass(frozen=True)
class LtiSettings:
    """LTI 1.3 and webhook settings. Each field `name` is `GRADER_LTI_<NAME>`."""

    env_prefix: ClassVar[str] = "lti_"

    base_url: str = ""  # the tool's public https URL (default: the URL each request came to)
    clock_skew_s: float = 60.0  # tolerated difference between the platform's clock and ours
    max_token_age_s: float = 600.0  # an id_token issued longer ago than this is refused
    state_ttl_s: float = 600.0  # a login (state + nonce) must come back within this
    launch_code_ttl_s: float = 120.0  # the "open in a new window" code lives this long
    jwks_cache_s: float = 3600.0  # a platform's keys are fetched again after this
    http_timeout_s: float = 10.0  # each call to an LMS or a webhook receiver
    outbox_poll_s: float = 2.0  # how often passbacks and webhooks due are looked for
    retry_base_s: float = 10.0  # first retry delay; doubled each time (with jitter)
    retry_max_s: float = 3600.0  # longest delay between two tries
    max_attempts: int = 12  # tries before a passback or webhook delivery is failed
    logins_per_minute: int = 60  # LTI login initiations per address, all processes (0: no limit)
    allow_private_urls: bool = False  # let webhooks reach loopback/private addresses (dev)


SECTIONS: dict[str, type] = {"web": WebSettings, "celery": CeleryOptions, "lti": LtiSettings}


@dataclass(frozen=True)
class Config:
    """Service settings. Each field `name` is read from `GRADER_<NAME>`."""

    instance_path: Path = Path("instance")
    database_url: str = ""  # default: sqlite:///<instance_path>/grader.db
    secret_key: str = ""  # default: generated once into <instance_path>/secret_key
    pool_size: int = 1  # grading threads of the embedded pool (0: no pool in this process)
    torch_threads: int = 1  # torch intra-op threads for grading
    device: str = "cpu"  # torch device of the embedded pool: auto, cpu, cuda or cuda:N
    batch_size: int = 64  # submissions claimed and written per pool transaction
    max_body_bytes: int = 256 * 1024  # larger request bodies get 413
    max_answer_chars: int = 2000  # per answer component
    max_queue: int = 20000  # queued submissions beyond this get 429
    max_wait_ms: int = 10000  # upper bound of ?wait=MS
    # requests of one process waiting for a grade at once (all users; one user): each holds
    # a request thread, so keep the total below `serve --threads`; beyond: 202 at once
    max_waiting: int = 4
    max_waiting_per_user: int = 2
    stuck_after_s: float = 60.0  # a row in `grading` longer than this is requeued
    # requeue every row left in `grading` when a pool starts (a previous process died); off
    # in the processes of a multi-process server, whose master does it once before the fork
    recover_on_start: bool = True
    max_grade_tries: int = 3  # claims of one submission before it is marked failed
    # the pool grades in a child process per pool thread, killed when a batch overruns its
    # deadline; each submission then gets this many seconds alone (see workers/isolation.py)
    isolate_grading: bool = True
    grade_timeout_s: float = 5.0
    poll_interval_s: float = 0.5  # pool looks for work queued by other processes this often
    # scheduling (docs/workers.md): a claim holds a lease its worker renews every lease_s/4;
    # the sweep requeues a row only once its lease has run out (its worker is gone)
    lease_s: float = 10.0
    # an exercise version whose submission costs this many milliseconds or more to grade is
    # "heavy": graded by heavy workers only (GRADER_HEAVY_WORKERS pool threads, the
    # `<queue>-heavy` Celery queue), never in front of cheap work
    heavy_ms: float = 100.0
    heavy_workers: int = 1  # pool threads per process reserved for heavy exercises
    claim_budget_ms: float = 250.0  # estimated grading work taken in one claim (one course)
    user_rate: float = 50.0  # submissions+previews per second per user (0: unlimited)
    auth_cache_s: float = 2.0  # token lookups are cached this long (revocation delay)
    broker_url: str = ""  # redis://...: grade on Celery workers instead of the embedded pool
    log_level: str = "INFO"
    # who may read /metrics: these networks (comma-separated CIDRs; default this machine), or
    # anyone sending `Authorization: Bearer <GRADER_METRICS_TOKEN>` when a token is set
    metrics_allow: str = "127.0.0.0/8,::1/128"
    metrics_token: str = ""
    web: WebSettings = field(default_factory=WebSettings)
    celery: CeleryOptions = field(default_factory=CeleryOptions)
    lti: LtiSettings = field(default_factory=LtiSettings)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Build the configuration from `environ` (default: the process environment).

        A GRADER_* variable that names no setting is reported (once per process) and ignored.
        """
        env = os.environ if environ is None else environ
        owners: dict[str, tuple[str | None, Any]] = {
            f.name: (None, cls) for f in fields(cls) if f.name not in SECTIONS
        }
        for part, kind in SECTIONS.items():
            prefix = getattr(kind, "env_prefix", "")
            owners.update({prefix + f.name: (part, kind) for f in fields(kind)})
        values: dict[str, Any] = {}
        sections: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
        for key, raw in env.items():
            if not key.startswith("GRADER_"):
                continue
            name = key[len("GRADER_") :].lower()
            if name not in owners:
                _warn_unknown(key, owners)
                continue
            section, owner = owners[name]
            name = name.removeprefix(getattr(owner, "env_prefix", "")) if section else name
            value = _convert(key, raw, type(getattr(owner(), name)))
            (sections[section] if section else values)[name] = value
        for part, kind in SECTIONS.items():
            values[part] = kind(**sections[part])
        values.update(overrides)
        return cls(**values).resolved()

    def resolved(self) -> Config:
        """Fill in the defaults that depend on the instance folder."""
        instance = Path(self.instance_path)
        url = self.database_url or f"sqlite:///{(instance / 'grader.db').as_posix()}"
        key = self.secret_key or load_or_create_secret(instance)
        if not DEVICE.match(self.device):
            raise ConfigError(f"GRADER_DEVICE={self.device!r}: use auto, cpu, cuda or cuda:N")
        for name in ("pool_size", "batch_size", "max_body_bytes", "max_answer_chars"):
            if getattr(self, name) < (0 if name == "pool_size" else 1):
                raise ConfigError(f"GRADER_{name.upper()} must be positive")
        for name in ("lease_s", "heavy_ms", "claim_budget_ms"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"GRADER_{name.upper()} must be positive")
        if self.heavy_workers < 0:
            raise ConfigError("GRADER_HEAVY_WORKERS must be 0 or more")
        return replace(self, instance_path=instance, database_url=url, secret_key=key)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _warn_unknown(key: str, known: Mapping[str, Any]) -> None:
    if key in _warned:
        return
    _warned.add(key)
    names = [f"GRADER_{name.upper()}" for name in known]
    close = difflib.get_close_matches(key, names, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    log.warning("%s is not a setting%s; it is ignored", key, hint)


def _convert(key: str, raw: str, kind: type) -> Any:
    try:
        if kind is bool:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if kind is Path:
            return Path(raw)
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not a valid {kind.__name__}") from None


def load_or_create_secret(instance: Path) -> str:
    """Return the secret in `instance/secret_key`, creating it (mode 0600) when missing."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secret + "\n")
    return secret
