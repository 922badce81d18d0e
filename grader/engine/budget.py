"""The bounded work of diagnosing answers: one budget per submission, shared by its parts.

Building a box's candidate mistakes re-runs the define chain once per broken rule; this
budget bounds that work per submission (a class of answers to a huge exercise cannot take
the service down). Spending is explicit: ``afford(cost)`` spends or refuses; the budget in
force is a context variable, opened by ``diagnosis_budget`` or ``submission_budget``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# Work one submission may spend building candidates, in nodes evaluated or differentiated
# (a candidate that re-runs a chain of D definition nodes and differentiates it k times counts
# D * 3^k, the measured growth of autograd graphs per order). About 1 s of one core here; boxes
# past it get the cheap diagnoses only (sign, factor, offset) and are completed by the next
# submission. See docs/engine.md, "Bounds".
MAX_DIAGNOSIS_WORK = 250_000

_current: ContextVar[list[int] | None] = ContextVar("diagnosis_budget", default=None)


@contextmanager
def diagnosis_budget(work: int = MAX_DIAGNOSIS_WORK) -> Iterator[list[int]]:
    """Share one budget of candidate-building work among the diagnoses made inside."""
    remaining = [work]
    token = _current.set(remaining)
    try:
        yield remaining
    finally:
        _current.reset(token)


@contextmanager
def submission_budget() -> Iterator[list[int]]:
    """A fresh budget for one submission, or the caller's when one is open (shared then)."""
    remaining = _current.get()
    if remaining is not None:
        yield remaining
        return
    with diagnosis_budget() as remaining:
        yield remaining


def afford(cost: int) -> bool:
    """Spend ``cost`` from the current budget if it allows; False (and spend nothing) if not."""
    remaining = _current.get()
    if remaining is None or remaining[0] < cost:
        return False
    remaining[0] -= cost
    return True


def open_budget() -> list[int] | None:
    """The budget in force (its remaining work in a one-item list), or None."""
    return _current.get()
