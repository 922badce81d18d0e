"""Logging, configured once per process the same way for the service and the worker."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    """One handler on the root logger with the grader's format; later calls set the level only.

    The web service (`create_app`) and the Celery worker (`python -m grader worker`) both call
    this, so their lines look alike and go to the same place (stderr).
    """
    root = logging.getLogger()
    if not any(getattr(h, "grader", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.grader = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level.upper())
