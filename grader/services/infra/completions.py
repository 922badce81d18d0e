"""In-process announcements of finished submissions, so `?wait=MS` needs no polling, and the
slots that bound how many request threads may wait for a grade at once."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager


class Completions:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[int, list[threading.Event]] = {}

    def listen(self, submission_id: int) -> threading.Event:
        """An event set when `submission_id` finishes; call `forget` when done with it."""
        event = threading.Event()
        with self._lock:
            self._waiting.setdefault(submission_id, []).append(event)
        return event

    def forget(self, submission_id: int, event: threading.Event) -> None:
        with self._lock:
            events = self._waiting.get(submission_id, [])
            if event in events:
                events.remove(event)
            if not events:
                self._waiting.pop(submission_id, None)

    def finished(self, submission_ids: Iterable[int]) -> None:
        with self._lock:
            if not self._waiting:
                return
            events = [e for i in submission_ids for e in self._waiting.pop(i, [])]
        for event in events:
            event.set()


class WaitSlots:
    """At most `total` requests of this process wait for a grade at once, and at most
    `per_user` of one user's. A waiting request holds one of the server's request threads:
    without a bound, one student's burst of `?wait=10000` submissions held every thread for
    ten seconds and everyone else queued behind it. A request that finds no slot is answered
    at once (202 and the `Location` to poll) instead of waiting."""

    def __init__(self, total: int, per_user: int):
        self.total = total
        self.per_user = per_user
        self._lock = threading.Lock()
        self._busy: dict[int, int] = {}

    def waiting(self, user_id: int) -> int:
        """How many of this user's requests are waiting now."""
        with self._lock:
            return self._busy.get(user_id, 0)

    @contextmanager
    def slot(self, user_id: int | None) -> Iterator[bool]:
        """Yields whether this request may wait; frees its slot afterwards. (None: a caller
        that is no request, e.g. a test or a command, waits without a slot.)"""
        if user_id is None:
            yield True
            return
        with self._lock:
            mine = self._busy.get(user_id, 0)
            granted = mine < self.per_user and sum(self._busy.values()) < self.total
            if granted:
                self._busy[user_id] = mine + 1
        try:
            yield granted
        finally:
            if granted:
                with self._lock:
                    left = self._busy[user_id] - 1
                    if left:
                        self._busy[user_id] = left
                    else:
                        del self._busy[user_id]
