"""Parsed exercises by version id: versions are immutable, so a cache entry never goes stale."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import select

from grader.db.models import Exercise, ExerciseVersion
from grader.db.session import Database
from grader.engine import load_exercise


class ExerciseCache:
    def __init__(self, db: Database, size: int = 256):
        self.db = db
        self.size = size
        self._items: OrderedDict[int, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version_id: int) -> Any:
        """The engine's Exercise for `version_id` (loaded from the stored YAML once)."""
        with self._lock:
            if version_id in self._items:
                self._items.move_to_end(version_id)
                return self._items[version_id]
        with self.db.sessions() as session:
            row = session.execute(
                select(ExerciseVersion.yaml_text, Exercise.slug, ExerciseVersion.version)
                .join(Exercise)
                .where(ExerciseVersion.id == version_id)
            ).one()
        exercise = load_exercise(row.yaml_text, source=f"{row.slug}@v{row.version}")
        with self._lock:
            self._items[version_id] = exercise
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return exercise
