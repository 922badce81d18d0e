"""Work measured by counting calls, not time: the same on any machine and under any load."""

from __future__ import annotations

import sys

# Calls per character of the answer (measured: at most about 25 to parse and render, 50 to
# grade two parts; these leave room for changes, not for anything superlinear)
PARSE_CALLS_PER_CHAR = 80
GRADE_CALLS_PER_CHAR = 200
FIXED_CALLS = 20_000


class CallCounter:
    """Counts the Python and C function calls made while it is installed: a measure of work
    that does not depend on the machine or its load, unlike a clock."""

    def __init__(self):
        self.calls = 0

    def __call__(self, frame, event, arg):
        if event in ("call", "c_call"):
            self.calls += 1

    def __enter__(self):
        # the profile hook runs inside every call: room for it beside the deepest tree
        self.limit = sys.getrecursionlimit()
        sys.setrecursionlimit(self.limit * 3)
        sys.setprofile(self)
        return self

    def __exit__(self, *exc):
        sys.setprofile(None)
        sys.setrecursionlimit(self.limit)
