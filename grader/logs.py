"""Logging, configured once per process the same way for the service and the worker.

Output is bounded: a record is clipped to `MAX_RECORD_CHARS` (a traceback keeps its start and
its end: a RecursionError's thousand frames once wrote 3 MB for a 10-byte request), and one
web request may write at most `MAX_REQUEST_CHARS`; what it logs beyond is left out, with one
line saying so.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_RECORD_CHARS = 8_000
MAX_REQUEST_CHARS = 64_000

# (characters this request may still write, whether the "left out" line was written)
_budget: ContextVar[list[int] | None] = ContextVar("log_budget", default=None)


def clip(text: str, limit: int = MAX_RECORD_CHARS) -> str:
    """`text` within `limit` characters: its start and end, and how much was left out."""
    if len(text) <= limit:
        return text
    head, tail = limit * 2 // 3, limit // 3
    return f"{text[:head]}\n... ({len(text) - head - tail} characters left out) ...\n{text[-tail:]}"


class BoundedFormatter(logging.Formatter):
    """The grader's format, every record clipped (tracebacks included)."""

    def format(self, record: logging.LogRecord) -> str:
        return clip(super().format(record))


class RequestBudget(logging.Filter):
    """Drops what one request logs beyond its budget (records outside requests pass)."""

    def filter(self, record: logging.LogRecord) -> bool:
        budget = _budget.get()
        if budget is None:
            return True
        if budget[0] <= 0:
            if budget[1]:
                return False
            budget[1] = 1
            record.msg, record.args, record.exc_info, record.exc_text = (
                "further log output of this request is left out (over %d characters)",
                (MAX_REQUEST_CHARS,),
                None,
                None,
            )
            return True
        try:
            size = len(record.getMessage())
        except Exception:  # a bad format string: logging reports it itself
            size = len(str(record.msg))
        cost = size + (MAX_RECORD_CHARS if record.exc_info else 0)
        budget[0] -= min(cost, MAX_RECORD_CHARS)
        return True


def start_request_budget() -> None:
    """A fresh log budget for the request this thread now serves (a before_request hook)."""
    _budget.set([MAX_REQUEST_CHARS, 0])


def configure_logging(level: str) -> None:
    """One handler on the root logger with the grader's format; later calls set the level only.

    The web service (`create_app`) and the Celery worker (`python -m grader worker`) both call
    this, so their lines look alike and go to the same place (stderr).
    """
    root = logging.getLogger()
    if not any(getattr(h, "grader", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(BoundedFormatter(FORMAT))
        handler.addFilter(RequestBudget())
        handler.grader = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level.upper())
