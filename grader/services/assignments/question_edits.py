"""Editing an assignment's questions once students have begun (#24).

Allowed at any time: points, attempts and variants per question, reordering, adding a
question, removing one nobody has submitted to, moving a question to another version of its
exercise (its submissions are regraded; the earlier results are kept). Refused with a reason:
removing a question with submissions, changing a submitted question's exercise or a pool's
exercises once a student's draw has been submitted to. Questions keep their rows, draw keys
and seed keys, so every student keeps their draw and parameters; scores are computed on read
from the stored results with the new points.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import literal, select, update
from sqlalchemy.orm import Session

from grader.db.core import table_of
from grader.db.models import (
    VARIANTS,
    Assignment,
    AssignmentQuestion,
    EarlierGrade,
    ExerciseVersion,
    QuestionOverride,
    Submission,
    utcnow,
)
from grader.services.assignments import questions
from grader.services.errors import Conflict, Invalid
from grader.vocabulary import DONE, SubmissionStatus

EDIT_KEYS = {"id", "exercise_id", "version", "pool", "choose", "points", "max_attempts", "variants"}


def _answered(session: Session, row: Assignment) -> set[int]:
    """The ids of the assignment's questions somebody has submitted to (or been given a score
    at by an instructor: that record stays too)."""
    submitted = select(Submission.question_id).where(Submission.assignment_id == row.id)
    scored = select(QuestionOverride.question_id).where(QuestionOverride.assignment_id == row.id)
    return set(session.scalars(submitted.union(scored)))


def _name(group: list[AssignmentQuestion], versions: dict[int, questions.Alternative]) -> str:
    first = group[0]
    if first.pool:
        return "the pool of " + ", ".join(versions[v].slug for v in first.pool if v in versions)
    alt = versions.get(first.exercise_version_id or 0)
    return repr(alt.slug) if alt else f"question {first.id}"


def edit_questions(session: Session, row: Assignment, specs: Any) -> list[int]:
    """Apply an edited question list to `row` (the list in its new order); the ids of the
    submissions to regrade (a question moved to another version). An item with `id` keeps that
    question (any slot's id names a whole pool); keys it leaves out keep their values. An item
    without `id` is a new question (as in questions.build). A question left out is removed."""
    if not isinstance(specs, list) or not specs:
        raise Invalid("give at least one question", details=[{"path": "questions"}])
    answered = _answered(session, row)
    groups: dict[int, list[AssignmentQuestion]] = defaultdict(list)
    for q in row.questions:
        groups[q.group_no].append(q)
    group_of = {q.id: q.group_no for q in row.questions}
    versions = questions.alternatives(session, questions.version_ids(row.questions))
    next_group = max(groups, default=-1) + 1
    kept: list[AssignmentQuestion] = []
    named: set[int] = set()
    requeued: list[int] = []
    for index, spec in enumerate(specs):
        path = f"questions[{index}]"
        if not isinstance(spec, dict):
            raise Invalid(f"{path}: each question is an object", details=[{"path": path}])
        unknown = set(spec) - EDIT_KEYS
        if unknown:
            raise Invalid(f"{path}: unknown field(s) {', '.join(sorted(unknown))}")
        if "id" not in spec:
            fresh = questions.build(session, [spec])
            for q in fresh:
                q.group_no = next_group
                q.seed_key = f"g{next_group}s{q.slot}"  # never one an earlier question had
            next_group += 1
            kept.extend(fresh)
            continue
        qid = spec["id"]
        if not isinstance(qid, int) or isinstance(qid, bool) or qid not in group_of:
            raise Invalid(
                f"{path}.id: no question {qid!r} in this assignment", details=[{"path": path}]
            )
        number = group_of[qid]
        if number in named:
            raise Invalid(f"{path}.id: question {qid} is listed twice", details=[{"path": path}])
        named.add(number)
        group = groups[number]
        was_answered = any(q.id in answered for q in group)
        replacement, moved = _exercise_change(session, group, spec, path, was_answered, versions)
        if replacement is not None:  # nobody submitted to it: a new question in its place
            for q in replacement:
                q.group_no, q.seed_key = next_group, f"g{next_group}s{q.slot}"
            next_group += 1
            kept.extend(replacement)
            continue
        if moved is not None:
            requeued += regrade_question(session, group[0], moved)
        _settings(group, spec, path)
        kept.extend(group)
    for number, group in groups.items():
        if number not in named and any(q.id in answered for q in group):
            raise Conflict(
                f"{_name(group, versions)} has submissions and stays in the assignment as the "
                "record of that work; set its points to 0 to leave it out of the score",
                code="has_submissions",
                details={"question": group[0].id},
            )
    if len(kept) > questions.MAX_QUESTIONS:
        raise Invalid(f"at most {questions.MAX_QUESTIONS} questions (pool draws counted)")
    for position, q in enumerate(kept):
        q.position = position
    row.questions = kept
    return requeued


def _exercise_change(
    session: Session,
    group: list[AssignmentQuestion],
    spec: dict[str, Any],
    path: str,
    answered: bool,
    versions: dict[int, questions.Alternative],
) -> tuple[list[AssignmentQuestion] | None, ExerciseVersion | None]:
    """(new rows replacing an unanswered question whose exercise changed, or the version an
    answered question moves to); (None, None) when its exercise stays."""
    first = group[0]
    if "pool" in spec:
        wanted = questions.build(session, [{k: v for k, v in spec.items() if k != "id"}])
        same = (
            first.pool is not None
            and [q.pool for q in wanted][0] == list(first.pool)
            and len(wanted) == len(group)
        )
        if same:
            return None, None
        if answered:
            raise Conflict(
                f"{path}: students have submitted to {_name(group, versions)}: its exercises "
                "and how many each student gets stay as drawn",
                code="pool_drawn",
                details={"question": first.id},
            )
        return wanted, None
    if "exercise_id" not in spec:
        if "choose" in spec or "version" in spec:
            raise Invalid(f"{path}: give exercise_id with version, or pool with choose")
        return None, None
    alt = questions.resolve(session, {"exercise_id": spec["exercise_id"]}, path)
    current = versions.get(first.exercise_version_id or 0)
    if first.pool is None and current is not None and current.slug == alt.slug:
        number = spec.get("version") or current.version
        if number == current.version:
            return None, None
        target = questions.resolve(
            session, {"exercise_id": alt.slug, "version": number}, f"{path}.version"
        )
        version = session.get(ExerciseVersion, target.version_id)
        return None, version
    if answered:
        raise Conflict(
            f"{path}: students have submitted to {_name(group, versions)}: it stays that "
            "exercise (another version of it is allowed, and regrades its submissions)",
            code="question_answered",
            details={"question": first.id},
        )
    plain = {k: v for k, v in spec.items() if k in questions.QUESTION_KEYS}
    return questions.build(session, [plain]), None


def _settings(group: list[AssignmentQuestion], spec: dict[str, Any], path: str) -> None:
    """Points, attempts and variants of a kept question (every slot of a pool)."""
    changes: dict[str, Any] = {}
    if "points" in spec:
        changes["points"] = questions.check_points(spec["points"], f"{path}.points")
    if "max_attempts" in spec:
        limit = spec["max_attempts"]
        changes["max_attempts"] = (
            None if limit is None else questions.whole(limit, f"{path}.max_attempts", 1, 10_000)
        )
    if "variants" in spec:
        variants = spec["variants"] or "same"
        if variants not in VARIANTS:
            raise Invalid(f"{path}.variants: one of {', '.join(VARIANTS)}")
        changes["variants"] = variants
    if group[0].pool and changes.get("points", 0) is None:  # a pool's points are always set
        changes.pop("points")
    for q in group:
        for key, value in changes.items():
            setattr(q, key, value)


def regrade_question(session: Session, question: AssignmentQuestion, version: Any) -> list[int]:
    """Point a question and its submissions at another version of its exercise, keeping the
    earlier results (EarlierGrade); the submission ids to grade again."""
    question.exercise_version_id = version.id
    question.exercise_version = version
    table = table_of(Submission)
    mine = table.c.question_id == question.id
    session.execute(
        table_of(EarlierGrade)
        .insert()
        .from_select(
            [
                "submission_id",
                "exercise_version_id",
                "status",
                "score",
                "max_score",
                "results",
                "graded_at",
                "replaced_at",
            ],
            select(
                table.c.id,
                table.c.exercise_version_id,
                table.c.status,
                table.c.score,
                table.c.max_score,
                table.c.results,
                table.c.graded_at,
                literal(utcnow(), type_=table.c.created_at.type),
            ).where(mine, table.c.status.in_(DONE)),
        )
    )
    ids = list(session.scalars(select(table.c.id).where(mine).order_by(table.c.id)))
    session.execute(
        update(table)
        .where(mine)
        .values(
            exercise_version_id=version.id,
            max_score=version.max_score,
            status=SubmissionStatus.QUEUED,
            score=None,
            results=None,
            error=None,
            tries=0,
            claim_token=None,  # a grading still running on the old version is not stored
            claimed_at=None,
            graded_at=None,
            grade_ms=None,
        )
    )
    return ids
