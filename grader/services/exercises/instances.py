"""A student's instance of an exercise version, for pages and grading alike: built within the
engine's work bound, and a seed it cannot be built for (its params empty a function's domain,
or the references cost too much) is recorded once and answered with a clear message instead of
a 500. The engine keeps the failure per version and seed, so a reload costs nothing."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grader.db.models import BrokenInstance, ExerciseVersion
from grader.services.context import Services
from grader.services.errors import ServiceError

log = logging.getLogger(__name__)
MAX_LISTED = 50


class ExerciseBroken(ServiceError):
    """This student's parameters break the exercise; the instructor sees why."""

    status, code = 409, "exercise_broken"


def params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in params.items())[:1000]


def student_instance(svc: Services, version_id: int, sha256: str, seed: int) -> Any:
    """The engine's instance for `seed`, or ExerciseBroken (recorded for the instructors)."""
    from grader.engine import SamplingError
    from grader.engine.instance import draw_params

    exercise = svc.exercises.get(version_id, sha256)
    try:
        return exercise.instance(seed)
    except SamplingError as exc:
        shown = params_text(draw_params(exercise, seed))
        record(svc, version_id, seed, shown, exc.message)
        raise ExerciseBroken(
            f"this exercise is broken for your parameters ({shown}); your instructor has been "
            "told. Try another activity and come back later.",
            details={"params": shown},
        ) from None


def record(svc: Services, version_id: int, seed: int, params: str, message: str) -> None:
    """Keep one row per (version, seed); the first process to see it writes it."""
    try:
        with svc.db.write() as session:
            found = session.scalar(
                select(BrokenInstance.id).where(
                    BrokenInstance.exercise_version_id == version_id, BrokenInstance.seed == seed
                )
            )
            if found is None:
                session.add(
                    BrokenInstance(
                        exercise_version_id=version_id,
                        seed=seed,
                        params=params[:1000],
                        message=message[:1000],
                    )
                )
                log.warning(
                    "exercise version %s is broken for seed %s: %s", version_id, seed, message[:300]
                )
    except IntegrityError:
        pass  # another process recorded it at the same moment


def broken_of(session: Any, exercise_id: int) -> list[dict[str, Any]]:
    """The recorded broken seeds of an exercise's versions, newest first (for its page)."""
    rows = session.execute(
        select(BrokenInstance, ExerciseVersion.version)
        .join(ExerciseVersion, ExerciseVersion.id == BrokenInstance.exercise_version_id)
        .where(ExerciseVersion.exercise_id == exercise_id)
        .order_by(BrokenInstance.id.desc())
        .limit(MAX_LISTED)
    ).all()
    return [
        {
            "version": version,
            "params": row.params,
            "message": row.message,
            "at": row.created_at.isoformat(),
        }
        for row, version in rows
    ]
