"""Readiness: can this process reach what it needs (the database, and the broker if any)?"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from grader.db.session import Database


def readiness(db: Database, broker: Any | None = None) -> dict[str, str]:
    """Each dependency's state, "ok" or why not; ``broker`` is a Redis client or None."""
    checks: dict[str, str] = {}
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ready"; the reason is reported
        checks["database"] = f"unreachable: {type(exc).__name__}"
    if broker is not None:
        try:
            broker.ping()
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"unreachable: {type(exc).__name__}"
    return checks
