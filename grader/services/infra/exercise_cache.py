"""Parsed exercises by version id: versions are immutable, so an entry goes stale only when its
id is reused. SQLite reuses the largest rowid after a delete (delete an assignment and its
exercise, upload again: the new version can get the old id), so callers pass the version's
sha256, which they read with the id, and an entry for other content is loaded again."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import select

from grader.db.models import Exercise, ExerciseVersion
from grader.db.session import Database


class ExerciseCache:
    def __init__(self, db: Database, size: int = 256):
        self.db = db
        self.size = size
        self._items: OrderedDict[int, tuple[Any, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version_id: int, sha256: str | None = None) -> Any:
        """The engine's Exercise for `version_id` (loaded from the stored YAML once).

        With `sha256` (the version row's), a cached entry of other content is replaced.
        """
        with self._lock:
            entry = self._items.get(version_id)
            if entry is not None and (sha256 is None or entry[1] == sha256):
                self._items.move_to_end(version_id)
                return entry[0]
        row = self._row(version_id)
        from grader.engine import load_exercise  # torch: only where exercises are graded

        # validated at upload: skip the sampling checks (several seeds' instances each)
        exercise = load_exercise(row.yaml_text, source=f"{row.slug}@v{row.version}", validated=True)
        with self._lock:
            self._items[version_id] = (exercise, row.sha256)
            self._items.move_to_end(version_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return exercise

    def source(self, version_id: int) -> tuple[str, str]:
        """The version's YAML and a label for messages (for a grader in another process)."""
        row = self._row(version_id)
        return row.yaml_text, f"{row.slug}@v{row.version}"

    def _row(self, version_id: int) -> Any:
        with self.db.read() as session:
            return session.execute(
                select(
                    ExerciseVersion.yaml_text,
                    ExerciseVersion.sha256,
                    Exercise.slug,
                    ExerciseVersion.version,
                )
                .join(Exercise)
                .where(ExerciseVersion.id == version_id)
            ).one()
