"""The one interface between accepting a submission and grading it.

The embedded pool (grader.workers.pool) implements it today; a Celery dispatcher can implement
it later without the API changing. Grading itself is `grader.services.grading.runner`, which every
dispatcher calls, so the database row stays the record of each submission's state.
"""

from __future__ import annotations

from typing import Protocol


class Dispatcher(Protocol):
    #: True when completions are announced in this process (waiting needs no polling).
    notifies_completion: bool

    def start(self) -> None:
        """Begin taking work (and pick up anything left queued or stuck)."""

    def submitted(self, submission_ids: list[int]) -> None:
        """New rows are committed in `queued`: grade them soon."""

    def stop(self) -> None:
        """Stop taking work; rows not finished stay in the table for the next start."""


class NullDispatcher:
    """Leaves submissions queued (CLI tools, or an API process without a pool)."""

    notifies_completion = False

    def start(self) -> None:
        pass

    def submitted(self, submission_ids: list[int]) -> None:
        pass

    def stop(self) -> None:
        pass
