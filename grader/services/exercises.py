"""Exercise library: uploads become immutable versions; only changed content makes a new one."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from grader.db.models import Assignment, Exercise, ExerciseVersion, User
from grader.engine import ExerciseInvalid, load_exercise
from grader.services.access import require_role
from grader.services.context import Actor, Services
from grader.services.errors import Conflict, Forbidden, Invalid, NotFound
from grader.services.pagination import envelope

YAML_SUFFIXES = (".yaml", ".yml")


def upload(svc: Services, actor: Actor | None, text: str, source: str = "<upload>") -> dict:
    """Validate and store `text`; `actor=None` is the command line. Returns id, version, created."""
    if actor is not None:
        require_role(actor, "instructor")
    try:
        exercise = load_exercise(text, source=source)
    except ExerciseInvalid as exc:
        problems = [p.to_dict() for p in exc.problems]
        raise Invalid(
            f"the exercise has {len(problems)} problem(s); fix them and upload again",
            code="invalid_exercise",
            details=problems,
        ) from None
    digest = hashlib.sha256(text.encode()).hexdigest()
    try:
        with svc.db.session() as session:
            row = session.scalar(select(Exercise).where(Exercise.slug == exercise.id))
            if row is None:
                row = Exercise(slug=exercise.id, owner_id=actor.id if actor else None)
                row.latest_version = 0
                session.add(row)
                session.flush()
            elif actor is not None and not actor.is_admin and row.owner_id != actor.id:
                raise Forbidden(
                    f"the exercise {exercise.id!r} belongs to someone else; choose another id"
                )
            else:
                latest = _version(session, row.id, row.latest_version)
                if latest.sha256 == digest:
                    return {"id": row.slug, "version": latest.version, "created": False}
            row.latest_version += 1
            session.add(
                ExerciseVersion(
                    exercise_id=row.id,
                    version=row.latest_version,
                    title=str(exercise.title)[:300],
                    yaml_text=text,
                    sha256=digest,
                    max_score=float(exercise.max_score),
                    created_by=actor.id if actor else None,
                )
            )
            return {"id": row.slug, "version": row.latest_version, "created": True}
    except IntegrityError:
        raise Conflict(f"{exercise.id!r} was changed at the same moment; try again") from None


def _version(session, exercise_id: int, version: int) -> ExerciseVersion:
    row = session.scalar(
        select(ExerciseVersion).where(
            ExerciseVersion.exercise_id == exercise_id, ExerciseVersion.version == version
        )
    )
    if row is None:
        raise NotFound(f"no version {version} of this exercise")
    return row


def _summary(row: Exercise, latest: ExerciseVersion, owner: str | None) -> dict:
    return {
        "id": row.slug,
        "title": latest.title,
        "version": row.latest_version,
        "max_score": latest.max_score,
        "owner": owner,
        "created_at": row.created_at.isoformat(),
        "updated_at": latest.created_at.isoformat(),
    }


def list_exercises(svc: Services, actor: Actor, limit: int, offset: int) -> dict:
    require_role(actor, "instructor")
    query = (
        select(Exercise, ExerciseVersion, User.username)
        .join(
            ExerciseVersion,
            (ExerciseVersion.exercise_id == Exercise.id)
            & (ExerciseVersion.version == Exercise.latest_version),
        )
        .outerjoin(User, User.id == Exercise.owner_id)
        .order_by(Exercise.slug)
    )
    with svc.db.sessions() as session:
        total = session.scalar(select(func.count(Exercise.id))) or 0
        rows = session.execute(query.limit(limit).offset(offset)).all()
        items = [_summary(ex, ver, owner) for ex, ver, owner in rows]
        return envelope(items, total, limit, offset)


def find(session, slug: str) -> Exercise:
    row = session.scalar(select(Exercise).where(Exercise.slug == slug))
    if row is None:
        raise NotFound(f"no exercise {slug!r}")
    return row


def get_exercise(svc: Services, actor: Actor, slug: str, version: int | None = None) -> dict:
    """An exercise's YAML (latest or the given version) and its version history."""
    require_role(actor, "instructor")
    with svc.db.sessions() as session:
        row = find(session, slug)
        chosen = _version(session, row.id, version or row.latest_version)
        owner = session.get(User, row.owner_id).username if row.owner_id else None
        return {
            **_summary(row, _version(session, row.id, row.latest_version), owner),
            "version": chosen.version,
            "title": chosen.title,
            "yaml": chosen.yaml_text,
            "versions": [
                {
                    "version": v.version,
                    "title": v.title,
                    "sha256": v.sha256,
                    "created_at": v.created_at.isoformat(),
                }
                for v in row.versions
            ],
        }


def delete_exercise(svc: Services, actor: Actor, slug: str) -> None:
    """Delete an exercise no assignment uses (its owner or an admin)."""
    require_role(actor, "instructor")
    with svc.db.session() as session:
        row = find(session, slug)
        if not actor.is_admin and row.owner_id != actor.id:
            raise Forbidden("only the exercise's owner or an admin may delete it")
        used = session.scalar(
            select(
                exists().where(
                    Assignment.exercise_version_id == ExerciseVersion.id,
                    ExerciseVersion.exercise_id == row.id,
                )
            )
        )
        if used:
            raise Conflict(f"{slug!r} is used by assignments; delete those first")
        for version in list(row.versions):
            session.delete(version)
        session.delete(row)


def yaml_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every YAML file named or inside the folders named, sorted."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.suffix in YAML_SUFFIXES)
        elif path.exists():
            found.append(path)
        else:
            raise NotFound(f"{path} does not exist")
    return found


def import_files(
    svc: Services, files: list[Path], progress: Callable[[Path], None] = lambda _p: None
) -> list[dict]:
    """Upload each file as the command line; one result per file, in order."""
    results = []
    for path in files:
        try:
            outcome = upload(svc, None, path.read_text(encoding="utf-8"), source=str(path))
            status = "unchanged" if not outcome["created"] else "new"
            if outcome["created"] and outcome["version"] > 1:
                status = "updated"
            results.append({"path": str(path), "status": status, **outcome})
        except (Invalid, Conflict, UnicodeDecodeError) as exc:
            details = getattr(exc, "details", None) or []
            results.append(
                {"path": str(path), "status": "invalid", "message": str(exc), "problems": details}
            )
        progress(path)
    return results
