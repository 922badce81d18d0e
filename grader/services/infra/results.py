"""What the infrastructure services answer (see grader.services.results)."""

from __future__ import annotations

from pydantic import Field

from grader.services.results import Result


class Health(Result):
    status: str
    database: str
    queued: int = Field(description="submissions waiting to be graded")
