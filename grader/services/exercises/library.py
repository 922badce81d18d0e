"""Exercise library: uploads become immutable versions; only changed content makes a new one."""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import re
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from grader.db.models import AssignmentQuestion, Exercise, ExerciseVersion, User
from grader.engine import Exercise as EngineExercise
from grader.engine import (
    ExerciseInvalid,
    ParseError,
    SamplingError,
    grade,
    load_exercise,
    parse_answer,
    run_self_tests,
    to_mathml,
)
from grader.engine.diagnose import with_params
from grader.engine.render import format_number
from grader.engine.steps import part_steps
from grader.engine.uses import part_uses
from grader.services.accounts.access import require_role
from grader.services.context import Actor, Services
from grader.services.errors import Conflict, Forbidden, Invalid, NotFound
from grader.services.exercises import instances
from grader.services.exercises.cost import estimate_cost_ms
from grader.services.exercises.markup import latex_to_mathml, render_markdown
from grader.services.pagination import envelope

YAML_SUFFIXES = (".yaml", ".yml")


def check(text: str, source: str = "<upload>") -> tuple[EngineExercise | None, list[dict]]:
    """The exercise and its problems, as `validate` reports them: schema and semantics with
    their lines, then the self-tests (every `accept` answer graded right, every `reject` wrong)."""
    try:
        exercise = load_exercise(text, source=source)
    except ExerciseInvalid as exc:
        return None, [p.to_dict() for p in exc.problems]
    return exercise, [p.to_dict() for p in run_self_tests(exercise)]


def validate(svc: Services, actor: Actor, text: str) -> dict:
    """{"valid", "problems": [{path, line, message}]} without saving anything."""
    require_role(actor, "instructor")
    _, problems = check(text)
    return {"valid": not problems, "problems": problems}


def upload(svc: Services, actor: Actor | None, text: str, source: str = "<upload>") -> dict:
    """Validate (self-tests included) and store `text`; `actor=None` is the command line.
    Returns id, version, created."""
    if actor is not None:
        require_role(actor, "instructor")
    exercise, problems = check(text, source)
    if problems or exercise is None:
        raise Invalid(
            f"the exercise has {len(problems)} problem(s); fix them and upload again",
            code="invalid_exercise",
            details=problems,
        )
    digest = hashlib.sha256(text.encode()).hexdigest()
    cost_ms = estimate_cost_ms(exercise)
    try:
        with svc.db.write() as session:
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
                    cost_ms=cost_ms,
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


def list_exercises(
    svc: Services, actor: Actor, limit: int, offset: int, q: str | None = None
) -> dict:
    """The library, by id; `q` keeps exercises whose id or title contains it (any case)."""
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
    if q:
        pattern = (
            "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        query = query.where(
            func.lower(Exercise.slug).like(pattern, escape="\\")
            | func.lower(ExerciseVersion.title).like(pattern, escape="\\")
        )
    with svc.db.read() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
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
    with svc.db.read() as session:
        row = find(session, slug)
        chosen = _version(session, row.id, version or row.latest_version)
        owner = session.get_one(User, row.owner_id).username if row.owner_id else None
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
    with svc.db.write() as session:
        row = find(session, slug)
        if not actor.is_admin and row.owner_id != actor.id:
            raise Forbidden("only the exercise's owner or an admin may delete it")
        mine = {v.id for v in row.versions}
        used = session.scalar(
            select(
                exists().where(
                    AssignmentQuestion.exercise_version_id == ExerciseVersion.id,
                    ExerciseVersion.exercise_id == row.id,
                )
            )
        ) or any(
            mine.intersection(pool)
            for pool in session.scalars(
                select(AssignmentQuestion.pool).where(AssignmentQuestion.pool.is_not(None))
            )
            if pool
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


MAX_DIFF_LINES = 5000  # difflib's cost grows with the product of the two lengths
ID_LINE = re.compile(r"^id[ \t]*:[^\n]*$", re.MULTILINE)
REFERENCE_POINTS = 3  # sample points listed beside a formula part's reference


def _versions_of(session, slug: str) -> tuple[Exercise, list[tuple[ExerciseVersion, str | None]]]:
    row = find(session, slug)
    rows = session.execute(
        select(ExerciseVersion, User.username)
        .outerjoin(User, User.id == ExerciseVersion.created_by)
        .where(ExerciseVersion.exercise_id == row.id)
        .order_by(ExerciseVersion.version)
    ).all()
    return row, [(v, who) for v, who in rows]


def versions(svc: Services, actor: Actor, slug: str) -> dict:
    """Every version of an exercise: number, title, who saved it and when."""
    require_role(actor, "instructor")
    with svc.db.read() as session:
        row, found = _versions_of(session, slug)
        return {
            "id": row.slug,
            "latest": row.latest_version,
            "broken": instances.broken_of(session, row.id),
            "versions": [
                {
                    "version": v.version,
                    "title": v.title,
                    "sha256": v.sha256,
                    "created_by": who,
                    "created_at": v.created_at.isoformat(),
                }
                for v, who in reversed(found)
            ],
        }


def diff(svc: Services, actor: Actor, slug: str, old: int, new: int) -> dict:
    """A line diff between two versions: unified text and one entry per line shown."""
    require_role(actor, "instructor")
    with svc.db.read() as session:
        row = find(session, slug)
        before = _version(session, row.id, old).yaml_text.splitlines()
        after = _version(session, row.id, new).yaml_text.splitlines()
    if max(len(before), len(after)) > MAX_DIFF_LINES:
        raise Invalid(f"versions longer than {MAX_DIFF_LINES} lines are not compared")
    lines = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [
                {"op": " ", "old": i + 1, "new": j + 1, "text": before[i]}
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        lines += [{"op": "-", "old": i + 1, "new": None, "text": before[i]} for i in range(i1, i2)]
        lines += [{"op": "+", "old": None, "new": j + 1, "text": after[j]} for j in range(j1, j2)]
    unified = "\n".join(
        difflib.unified_diff(before, after, f"{slug} v{old}", f"{slug} v{new}", lineterm="", n=3)
    )
    changed = sum(1 for line in lines if line["op"] != " ")
    return {
        "id": slug,
        "from": old,
        "to": new,
        "changed": changed,
        "lines": lines,
        "unified": unified,
    }


def _reference(svc: Services, exercise: EngineExercise, inst: Any, part: Any) -> dict:
    """A part's correct answer for one seed: its value(s), or for a formula a self-test answer
    graded right at this seed (as MathML) and the derivative's values at a few points."""
    refs = inst.reference(part)
    if part.numeric:
        return {"values": [format_number(float(r[0])) for r in refs], "formula_mathml": None}
    formula = None
    for answer in part.spec.tests.accept if part.spec.tests else []:
        if grade(exercise, {part.id: answer}, seed=inst.seed).parts[part.id].correct:
            texts = answer if isinstance(answer, list) else [answer]
            try:
                nodes = [parse_answer(exercise, part, text) for text in texts]
            except ParseError:
                continue
            # as this student would write it: the exercise's parameters as their numbers
            formula = [to_mathml(with_params(node, dict(inst.param_values))) for node in nodes]
            break
    points = [
        {"at": inst.point_label(i), "values": [format_number(float(r[i])) for r in refs]}
        for i in range(REFERENCE_POINTS)
    ]
    return {"formula_mathml": formula, "points": points}


_SELF_TESTS: OrderedDict[str, list[dict]] = OrderedDict()  # version sha256 -> problems
_SELF_TESTS_LOCK = threading.Lock()
SELF_TEST_CACHE = 64


def _self_test_problems(exercise: EngineExercise, sha256: str) -> list[dict]:
    """The self-tests' problems of a stored version (up to a few seconds of grading for the
    largest exercise), computed once per version content: previews ask for every seed."""
    with _SELF_TESTS_LOCK:
        if sha256 in _SELF_TESTS:
            _SELF_TESTS.move_to_end(sha256)
            return _SELF_TESTS[sha256]
    problems = [p.to_dict() for p in run_self_tests(exercise)]
    with _SELF_TESTS_LOCK:
        _SELF_TESTS[sha256] = problems
        while len(_SELF_TESTS) > SELF_TEST_CACHE:
            _SELF_TESTS.popitem(last=False)
    return problems


def preview(svc: Services, actor: Actor, slug: str, seed: int, version: int | None = None) -> dict:
    """What a student with `seed` sees (statement with their params, each part's prompt), each
    part's reference answer, and the result of the exercise's self-tests."""
    require_role(actor, "instructor")
    with svc.db.read() as session:
        row = find(session, slug)
        chosen = _version(session, row.id, version or row.latest_version)
        version_id, sha256, number = chosen.id, chosen.sha256, chosen.version
    exercise = svc.exercises.get(version_id, sha256)
    try:
        inst = exercise.instance(seed)
    except SamplingError as exc:
        raise Invalid(f"seed {seed}: {exc}") from None
    parts = []
    for part, prompt in zip(exercise.parts, inst.prompts, strict=True):
        parts.append(
            {
                "id": part.id,
                "kind": part.kind,
                "points": part.points,
                "prompt_mathml": latex_to_mathml(prompt["prompt_latex"]),
                "component_labels": prompt.get("component_labels") or [],
                "reference": _reference(svc, exercise, inst, part),
                **_assistance(exercise, part),
            }
        )
    problems = _self_test_problems(exercise, sha256)
    return {
        "id": slug,
        "version": number,
        "seed": seed,
        "title": exercise.title,
        "params": dict(inst.param_values),
        "statement_html": render_markdown(inst.statement),
        "parts": parts,
        "self_tests": {"passed": not problems, "problems": problems},
    }


def _assistance(exercise: Any, part: Any) -> dict[str, Any]:
    """What a part offers and builds on (#26), as its author checks it: its steps (authored or
    generated from the graph), the earlier parts it uses (authored or inferred), its hints."""
    numbers = {p.id: i for i, p in enumerate(exercise.parts, start=1)}
    return {
        "steps": [s.label for s in part_steps(exercise).get(part.id, ())],
        "steps_generated": part.spec.steps is None or part.spec.steps is True,
        "uses": [numbers[u] for u in part_uses(exercise).get(part.id, ())],
        "uses_inferred": part.spec.uses is None,
        "hints": len(part.spec.hints),
    }


def copy(svc: Services, actor: Actor, slug: str, new_id: str) -> dict:
    """Copy an exercise (a library one, owned by no one, or anyone's) under a new id, owned by
    the actor, so they can edit it."""
    require_role(actor, "instructor")
    with svc.db.read() as session:
        row = find(session, slug)
        text = _version(session, row.id, row.latest_version).yaml_text
        if session.scalar(select(exists().where(Exercise.slug == new_id))):
            raise Conflict(f"an exercise {new_id!r} exists; choose another id")
    if not ID_LINE.search(text):
        raise Invalid(f"{slug!r} has no top-level 'id:' line to rename")
    renamed = ID_LINE.sub(lambda _m: f"id: {json.dumps(new_id)}", text, count=1)
    return upload(svc, actor, renamed, source=f"<copy of {slug}>")


MAX_BUNDLE_FILES = 100
MAX_BUNDLE_BYTES = 4 * 1024 * 1024  # all files of one upload, unpacked
MAX_FILE_BYTES = 512 * 1024


def _unzip(name: str, data: bytes) -> list[tuple[str, bytes | str]]:
    """The YAML files inside a zip, each read at most to the limits (a zip bomb stops early);
    a problem with the archive itself is one entry with its message."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return [(name, "not a readable zip archive")]
    out: list[tuple[str, bytes | str]] = []
    total = 0
    with archive:
        for info in archive.infolist():
            if info.is_dir() or not info.filename.lower().endswith(YAML_SUFFIXES):
                continue
            if len(out) >= MAX_BUNDLE_FILES:
                out.append((info.filename, f"more than {MAX_BUNDLE_FILES} files; not read"))
                break
            try:
                with archive.open(info) as member:
                    content = member.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
                out.append((info.filename, f"cannot be unpacked: {exc}"))
                continue
            total += len(content)
            if len(content) > MAX_FILE_BYTES or total > MAX_BUNDLE_BYTES:
                out.append((info.filename, "too large once unpacked; not read"))
                break
            out.append((info.filename, content))
    return out or [(name, "the archive holds no .yaml or .yml file")]


def upload_bundle(svc: Services, actor: Actor, files: list[tuple[str, bytes]]) -> list[dict]:
    """Upload several YAML files and/or zip archives of them; one report per file:
    {file, status (new, updated, unchanged, invalid), id?, version?, message?, problems?}."""
    require_role(actor, "instructor")
    entries: list[tuple[str, bytes | str]] = []
    for name, data in files:
        if name.lower().endswith(".zip"):
            entries.extend(_unzip(name, data))
        elif name.lower().endswith(YAML_SUFFIXES):
            entries.append((name, data))
        else:
            entries.append((name, "not a .yaml, .yml or .zip file"))
    reports = []
    for name, content in entries[: MAX_BUNDLE_FILES + 1]:
        if isinstance(content, str):
            reports.append({"file": name, "status": "invalid", "message": content, "problems": []})
            continue
        try:
            outcome = upload(svc, actor, content.decode("utf-8-sig"), source=name)
        except UnicodeDecodeError as exc:
            message = f"not UTF-8 text (byte {exc.start})"
            reports.append({"file": name, "status": "invalid", "message": message, "problems": []})
            continue
        except (Invalid, Conflict, Forbidden) as exc:
            problems = exc.details if isinstance(exc.details, list) else []
            reports.append(
                {"file": name, "status": "invalid", "message": exc.message, "problems": problems}
            )
            continue
        status = "unchanged" if not outcome["created"] else "new"
        if outcome["created"] and outcome["version"] > 1:
            status = "updated"
        reports.append({"file": name, "status": status, **outcome})
    return reports
