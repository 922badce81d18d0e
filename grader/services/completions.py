"""In-process announcements of finished submissions, so `?wait=MS` needs no polling."""

from __future__ import annotations

import threading
from collections.abc import Iterable


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
