"""Assignments: questions (exercises and pools) set in a course, with dates, attempts, a late
penalty and scoring; homework or timed exams. What each student gets is computed here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from grader import languages
from grader.db.models import (
    ANSWER_VISIBILITY,
    ASSIGNMENT_KINDS,
    EXAM_FEEDBACK,
    SCORE_POLICIES,
    Assignment,
    AssignmentQuestion,
    Course,
    ExerciseVersion,
    Extension,
    Membership,
    QuestionOverride,
    Submission,
    User,
    utcnow,
)
from grader.engine import ParseError, preview
from grader.engine.assistance import Taken
from grader.engine.texts import text_in
from grader.services import timezones, translation
from grader.services.accounts.access import course_role, require_course_staff
from grader.services.assignments import exams, question_edits, questions, scoring
from grader.services.assignments.help import part_help, taken_by
from grader.services.context import Actor, Services
from grader.services.errors import Conflict, Forbidden, Invalid, NotFound
from grader.services.exercises import instances
from grader.services.exercises.markup import latex_to_mathml, render_markdown
from grader.services.pagination import envelope, page
from grader.vocabulary import AssignmentState, SubmissionStatus


def reveal_wording(
    show: str,
    due_at: datetime | None,
    max_attempts: int | None,
    late_penalty: float | None,
    time_zone: str | None = None,
) -> str:
    """When a student will see the correct answer, as it will actually happen under the
    setting and the student's own due date and attempts (never a promise that cannot come
    true: "after the due date" without one is "not shown"). Dates in the course's zone."""
    if show == "always":
        return "the correct answer is shown"
    if show == "never":
        return "the correct answer is not shown for this assignment"
    due = timezones.shown(due_at, time_zone) if due_at else None
    if show == "after_due":
        if due is None:
            return "the correct answer is not shown: this assignment has no due date"
        return f"the correct answer is shown after the due date ({due})"
    moments = []
    if max_attempts is not None:
        moments.append("once you have no attempts left")
    if due is not None and late_penalty is None:
        moments.append(f"once the assignment closes ({due})")
    if not moments:
        return (
            "the correct answer is not shown: attempts are unlimited and the assignment "
            "does not close"
        )
    return "the correct answer is shown " + " or ".join(moments)


def check_show_answers(value: str) -> str:
    if value not in ANSWER_VISIBILITY:
        raise Invalid(
            f"show_answers must be one of {', '.join(ANSWER_VISIBILITY)}",
            details=[{"path": "show_answers"}],
        )
    return value


def check_score_policy(value: str) -> str:
    if value not in SCORE_POLICIES:
        raise Invalid(
            "score_policy must be best or last (which attempt counts in the gradebook)",
            details=[{"path": "score_policy"}],
        )
    return value


def answers_visible(
    row: Assignment, role: str, mine: StudentTerms, now: datetime | None = None
) -> bool:
    """Whether the student whose terms are `mine` (see `student_terms`) may see the correct
    answer now.

    Staff always may. "after_due" without a due date never shows it; "after_last_attempt"
    shows it once no attempt is left or the assignment is closed to them (past a due date that
    takes no late work). What a student was shown before an extension stays shown
    (`mine.answers_kept`): an extension gives time, it does not take back what they saw.
    """
    if role != "student":
        return True
    show = row.show_answers
    if show == "always":
        return True
    if show == "never":
        return False
    if mine.answers_kept:
        return True
    now = now or utcnow()
    if show == "after_due":
        return mine.past_due(now)
    return mine.attempts_left == 0 or mine.closed(row, now)


def course_zone(session: Session, course_id: int) -> str:
    return session.scalar(select(Course.time_zone).where(Course.id == course_id)) or "UTC"


def _check_dates(
    opens: datetime | None, due: datetime | None, closes: datetime | None = None
) -> None:
    if opens and due and due <= opens:
        raise Invalid("due_at must be after opens_at", details=[{"path": "due_at"}])
    if opens and closes and closes <= opens:
        raise Invalid("closes_at must be after opens_at", details=[{"path": "closes_at"}])
    if due and closes and closes < due:
        raise Invalid("closes_at cannot be before due_at", details=[{"path": "closes_at"}])


KIND_HELP = "kind is homework, exam or practice"
MAX_TIME_LIMIT = 7 * 24 * 60
ASSIGNMENT_KEYS = {
    "title",
    "kind",
    "questions",
    "exercise_id",
    "version",
    "opens_at",
    "due_at",
    "closes_at",
    "time_limit_minutes",
    "max_attempts",
    "late_penalty",
    "score_policy",
    "show_answers",
    "solution_hint",
    "exam_feedback",
    "shuffle",
    "target_skills",
    "target_level",
}
GOAL_LEVELS = ("familiar", "proficient", "mastered")  # what a practice assignment may ask


def practice_goal(spec: dict[str, Any]) -> tuple[list[str], str]:
    """A practice assignment's target skills (from the skill map, each with templates to
    practise it) and level; one point per skill reached by the due date."""
    from grader.engine.generate import builtin_templates
    from grader.engine.skills import skill_map

    if spec.get("questions") is not None or spec.get("exercise_id") is not None:
        raise Invalid(
            "a practice assignment has no questions: it asks for target_skills and a "
            "target_level reached by the due date",
            details=[{"path": "questions"}],
        )
    skills = spec.get("target_skills")
    practised = {s for t in builtin_templates().values() for s in t.skills}
    if not isinstance(skills, list) or not skills or len(skills) > 20:
        raise Invalid(
            "target_skills: a list of 1 to 20 skills (GET /api/v1/skills lists them)",
            details=[{"path": "target_skills"}],
        )
    for i, name in enumerate(skills):
        if not isinstance(name, str) or name not in skill_map() or name not in practised:
            raise Invalid(
                f"target_skills[{i}]: {name!r} is not a skill that can be practised "
                f"(one of: {', '.join(s for s in skill_map().ids() if s in practised)})",
                details=[{"path": f"target_skills[{i}]"}],
            )
    level = _choice(spec.get("target_level"), GOAL_LEVELS, "target_level", "proficient")
    return list(dict.fromkeys(skills)), level


def _choice(value: Any, allowed: tuple[str, ...], path: str, default: str) -> str:
    value = default if value is None else value
    if value not in allowed:
        raise Invalid(f"{path} is one of {', '.join(allowed)}", details=[{"path": path}])
    return value


def _exam_settings(kind: str, limit: Any, closes: datetime | None, due: datetime | None) -> None:
    if limit is not None and (
        not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_TIME_LIMIT
    ):
        raise Invalid(
            f"time_limit_minutes is a whole number from 1 to {MAX_TIME_LIMIT}",
            details=[{"path": "time_limit_minutes"}],
        )
    if limit is not None and kind != "exam":
        raise Invalid(
            "only an exam has a time limit (kind: exam)", details=[{"path": "time_limit_minutes"}]
        )


def create_assignment(svc: Services, actor: Actor, course_id: int, spec: dict[str, Any]) -> dict:
    """An assignment from `spec`: either one exercise (exercise_id, version?) or `questions`
    (see questions.build), with title?, kind? (homework|exam), opens_at?, due_at?,
    closes_at?, time_limit_minutes? (exams), max_attempts? (the questions' default),
    late_penalty?, show_answers?, solution_hint?, score_policy?, exam_feedback?, shuffle?"""
    unknown = set(spec) - ASSIGNMENT_KEYS
    if unknown:
        raise Invalid(f"unknown field(s) {', '.join(sorted(unknown))}")
    given = {k: v for k, v in spec.items() if v is not None}
    goal: tuple[list[str], str] | None = None
    if spec.get("kind") == "practice":
        goal = practice_goal(spec)
    elif "target_skills" in given or "target_level" in given:
        raise Invalid(
            "target_skills and target_level belong to kind: practice",
            details=[{"path": "target_skills"}],
        )
    elif ("questions" in given) == ("exercise_id" in given):
        raise Invalid(
            "give either exercise_id (a one-exercise assignment) or questions",
            details=[{"path": "questions"}],
        )
    if "questions" in given and "version" in given:
        raise Invalid("version goes inside each question", details=[{"path": "version"}])
    kind = _choice(spec.get("kind"), ASSIGNMENT_KINDS, "kind", "homework")
    show = check_show_answers(spec.get("show_answers") or "always")
    policy = check_score_policy(spec.get("score_policy") or "best")
    feedback = _choice(spec.get("exam_feedback"), EXAM_FEEDBACK, "exam_feedback", "full")
    title = spec.get("title")
    if title is not None and (not isinstance(title, str) or len(title.strip()) > 300):
        raise Invalid("title has at most 300 characters", details=[{"path": "title"}])
    specs = spec.get("questions")
    if specs is None and goal is None:
        specs = [{"exercise_id": spec["exercise_id"], "version": spec.get("version")}]
    with svc.db.write() as session:
        require_course_staff(session, actor, course_id)
        check_not_archived(session, course_id)
        zone = course_zone(session, course_id)  # a time without an offset is in it
        opens = timezones.in_zone(spec.get("opens_at"), zone, "opens_at")
        due = timezones.in_zone(spec.get("due_at"), zone, "due_at")
        closes = timezones.in_zone(spec.get("closes_at"), zone, "closes_at")
        _check_dates(opens, due, closes)
        _exam_settings(kind, spec.get("time_limit_minutes"), closes, due)
        rows = questions.build(session, specs) if specs else []
        row = Assignment(
            course_id=course_id,
            title=(title or "").strip() or None,
            kind=kind,
            opens_at=opens,
            due_at=due,
            closes_at=closes,
            time_limit_minutes=spec.get("time_limit_minutes"),
            max_attempts=spec.get("max_attempts"),
            late_penalty=spec.get("late_penalty"),
            follow_through=spec.get("follow_through"),
            show_answers=show,
            solution_hint=bool(spec.get("solution_hint")),
            score_policy=policy,
            exam_feedback=feedback,
            shuffle=bool(spec.get("shuffle")),
            questions=rows,
            target_skills=goal[0] if goal else None,
            target_level=goal[1] if goal else None,
        )
        session.add(row)
        session.flush()
        return summary(session, row)


def load(session: Session, actor: Actor, assignment_id: int) -> tuple[Assignment, str]:
    """The assignment and the actor's role in its course (403/404 otherwise)."""
    row = session.get(Assignment, assignment_id)
    if row is None:
        raise NotFound(f"no assignment {assignment_id}")
    return row, course_role(session, actor, row.course_id)


def check_open(
    row: Any, role: str, now: datetime | None = None, *, due_at: datetime | None = None
) -> bool:
    """Whether a submission now is late; refuses before opening or after a hard due date.

    `due_at`: the student's own due date when an extension moved it."""
    now = now or utcnow()
    if role != "student":
        return False
    if row.opens_at and now < row.opens_at:
        raise Forbidden(
            f"assignment {row.id} opens at {row.opens_at.isoformat()}",
            code="not_open",
            details={"opens_at": row.opens_at.isoformat()},
        )
    due = due_at or row.due_at
    late = bool(due and now > due)
    if late and row.late_penalty is None:
        raise Forbidden(
            f"assignment {row.id} was due at {due.isoformat()} and takes no late work",
            code="past_due",
            details={"due_at": due.isoformat()},
        )
    closes = getattr(row, "closes_at", None)
    if closes is not None and now > closes and getattr(row, "kind", "homework") != "exam":
        raise Forbidden(
            f"assignment {row.id} closed at {closes.isoformat()} and takes no more work",
            code="closed",
            details={"closes_at": closes.isoformat()},
        )
    return late


def state(row: Assignment, now: datetime | None = None) -> AssignmentState:
    """upcoming, open, late (past due, late work taken with a penalty) or closed."""
    now = now or utcnow()
    if row.opens_at and now < row.opens_at:
        return AssignmentState.UPCOMING
    if row.closes_at and now > row.closes_at:
        return AssignmentState.CLOSED
    if row.due_at and now > row.due_at:
        return AssignmentState.CLOSED if row.late_penalty is None else AssignmentState.LATE
    return AssignmentState.OPEN


@dataclass(frozen=True)
class StudentTerms:
    """One student's standing on one assignment: its due date and attempt limit as an
    extension moved them, the attempts used (failed gradings use none) and left."""

    due_at: datetime | None
    max_attempts: int | None
    attempts_used: int = 0
    extended: bool = False
    answers_kept: bool = False  # the correct answer was shown before an extension

    @property
    def attempts_left(self) -> int | None:
        if self.max_attempts is None:
            return None
        return max(self.max_attempts - self.attempts_used, 0)

    def past_due(self, now: datetime | None = None) -> bool:
        return self.due_at is not None and (now or utcnow()) > self.due_at

    def closed(self, row: Any, now: datetime | None = None) -> bool:
        """Past this student's due date, and the assignment takes no late work."""
        return self.past_due(now) and row.late_penalty is None

    def state(self, row: Any, now: datetime | None = None) -> AssignmentState:
        """upcoming, open, late (past due, late work taken with a penalty), closed, or done
        (no attempt left while it is open), for this student."""
        now = now or utcnow()
        if row.opens_at and now < row.opens_at:
            return AssignmentState.UPCOMING
        if self.past_due(now):
            found = AssignmentState.CLOSED if row.late_penalty is None else AssignmentState.LATE
        else:
            found = AssignmentState.OPEN
        if found is not AssignmentState.CLOSED and self.attempts_left == 0:
            return AssignmentState.DONE
        return found


def effective_terms(
    due_at: datetime | None,
    max_attempts: int | None,
    extension: Extension | None,
    attempts_used: int = 0,
    extra_here: int = 0,
) -> StudentTerms:
    """The rule, in one place: the assignment's `due_at` and `max_attempts` as the student's
    `extension` (or None) moves them. An extension's due date only ever moves the date later;
    its extra attempts (and `extra_here`, those at one question) add to a limit (no limit
    stays no limit).

    Callers that hold the rows already (the submission path, the gradebook) call this; others
    call `student_terms`, which loads them."""
    if extension is None:
        return StudentTerms(due_at, max_attempts, attempts_used)
    due = extension.due_at
    if due is None or (due_at is not None and due <= due_at):
        due = due_at
    extra = (extension.extra_attempts or 0) + extra_here
    limit = None if max_attempts is None else max_attempts + extra
    kept = bool(getattr(extension, "answers_shown", False))
    # a row that only keeps answers shown (see keep_answers_shown) extends nothing
    extended = due != due_at or bool(extra)
    return StudentTerms(due, limit, attempts_used, extended, kept)


def student_terms(session: Session, row: Assignment, student_id: int) -> StudentTerms:
    """A student's effective due date and attempts on one assignment, extension included.
    Every page, the API and the gradebook take a student's due date and attempts from here
    (or `student_terms_for`, its form for many assignments), never from the assignment."""
    return student_terms_for(session, [row], student_id)[row.id]


def student_terms_for(
    session: Session, rows: Sequence[Assignment], student_id: int
) -> dict[int, StudentTerms]:
    """`student_terms` for many assignments at once (two queries): assignment id -> terms."""
    ids = [r.id for r in rows]
    if not ids:
        return {}
    extensions = {
        ext.assignment_id: ext
        for ext in session.scalars(
            select(Extension).where(
                Extension.assignment_id.in_(ids), Extension.student_id == student_id
            )
        )
    }
    used: dict[int, int] = {
        assignment_id: count
        for assignment_id, count in session.execute(
            select(Submission.assignment_id, func.count(Submission.id))
            .where(
                Submission.assignment_id.in_(ids),
                Submission.student_id == student_id,
                Submission.status != SubmissionStatus.FAILED,
            )
            .group_by(Submission.assignment_id)
        )
    }
    return {
        r.id: effective_terms(r.due_at, r.max_attempts, extensions.get(r.id), used.get(r.id, 0))
        for r in rows
    }


def check_not_archived(session: Session, course_id: int) -> None:
    archived = session.scalar(select(Course.archived_at).where(Course.id == course_id))
    if archived is not None:
        raise Forbidden(f"course {course_id} is archived and read-only", code="archived")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def attempts_used(
    session: Session, assignment_id: int, student_id: int, question_id: int | None = None
) -> int:
    """Attempts a student used (failed gradings use none), at one question or in all."""
    where = [
        Submission.assignment_id == assignment_id,
        Submission.student_id == student_id,
        Submission.status != SubmissionStatus.FAILED,
    ]
    if question_id is not None:
        where.append(Submission.question_id == question_id)
    return int(session.scalar(select(func.count(Submission.id)).where(*where)) or 0)


def question_terms(
    row: Any, question: Any, extension: Extension | None, used: int = 0
) -> StudentTerms:
    """A student's terms at one question (`effective_terms` per question): the assignment's
    due date and the question's attempt limit (else the assignment's), as the student's
    extension moves them (its extra attempts at each question and at this one), with the
    attempts used at this question."""
    limit = question.max_attempts if question.max_attempts is not None else row.max_attempts
    here = (getattr(extension, "question_attempts", None) or {}).get(str(question.id), 0)
    return effective_terms(row.due_at, limit, extension, used, here)


def question_student_terms(
    session: Session, row: Assignment, question_id: int | None, student_id: int
) -> StudentTerms:
    """`student_terms` at one question of `row` (its first when None), loading the rows."""
    question = next((q for q in row.questions if q.id == question_id), row.questions[0])
    used = attempts_used(session, row.id, student_id, question.id)
    return question_terms(row, question, extension_of(session, row.id, student_id), used)


# Settings that move when answers are shown ("after_due", "after_last_attempt"): a change of
# them never hides again what a student could already see (the worked solution included).
ANSWER_TIMING = ("opens_at", "due_at", "closes_at", "max_attempts", "late_penalty")


def answers_seen_by(session: Session, row: Assignment) -> set[int]:
    """The students of the course who may see some question's correct answer now (three
    queries, whatever the class size)."""
    if row.show_answers not in ("after_due", "after_last_attempt"):
        return set()
    students = session.scalars(
        select(Membership.user_id).where(
            Membership.course_id == row.course_id, Membership.role == "student"
        )
    )
    extensions = {
        e.student_id: e
        for e in session.scalars(select(Extension).where(Extension.assignment_id == row.id))
    }
    used = {
        (student, question): count
        for student, question, count in session.execute(
            select(Submission.student_id, Submission.question_id, func.count(Submission.id))
            .where(
                Submission.assignment_id == row.id,
                Submission.status != SubmissionStatus.FAILED,
            )
            .group_by(Submission.student_id, Submission.question_id)
        )
    }
    now = utcnow()
    return {
        student
        for student in students
        if any(
            answers_visible(
                row,
                "student",
                question_terms(row, q, extensions.get(student), used.get((student, q.id), 0)),
                now,
            )
            for q in row.questions
        )
    }


def keep_answers_shown(session: Session, row: Assignment, seen: set[int], actor: Actor) -> int:
    """After a change of `row`'s dates or attempts: every student of `seen` (who could see a
    correct answer before it) keeps seeing it, through their extension row (made for them
    when they have none: it moves nothing else). Returns how many were kept."""
    lost = seen - answers_seen_by(session, row)
    if not lost:
        return 0
    found = {
        e.student_id: e
        for e in session.scalars(
            select(Extension).where(
                Extension.assignment_id == row.id, Extension.student_id.in_(lost)
            )
        )
    }
    for student in lost:
        extension = found.get(student)
        if extension is None:
            extension = Extension(assignment_id=row.id, student_id=student, extra_attempts=0)
            extension.created_by = actor.id
            session.add(extension)
        extension.answers_shown = True
    session.flush()
    return len(lost)


def extension_of(session: Session, assignment_id: int, student_id: int) -> Extension | None:
    return session.scalar(
        select(Extension).where(
            Extension.assignment_id == assignment_id, Extension.student_id == student_id
        )
    )


def pick_question(items: list[Any], question_id: int | None, assignment_id: int) -> Any:
    """The question `question_id` of the assignment; without one, its only question (a 422
    naming the questions when it has several)."""
    if question_id is None:
        if len(items) == 1:
            return items[0]
        ids = [q.id for q in items]
        raise Invalid(
            f"assignment {assignment_id} has {len(ids)} questions; submit to one of them at "
            f"/api/v1/assignments/{assignment_id}/questions/{{question id}}/submissions",
            code="several_questions",
            details={"questions": ids},
        )
    for q in items:
        if q.id == question_id:
            return q
    raise NotFound(f"assignment {assignment_id} has no question {question_id}")


@dataclass
class QuestionState:
    """One question as one student has it: the drawn exercise, the parameters' seed for the
    current variant, points, attempts and the counted score."""

    row: AssignmentQuestion
    number: int  # 1.. in the order this student sees the questions
    version: questions.Alternative
    points: float
    tally: scoring.Tally
    terms: StudentTerms  # this question's attempt limit and use (staff: no limit)
    variant: int
    seed: int

    @property
    def limit(self) -> int | None:
        return self.terms.max_attempts

    @property
    def attempts_left(self) -> int | None:
        return self.terms.attempts_left

    @property
    def score(self) -> float | None:
        return self.tally.points(self.points)


def _ordered(row: Assignment, student_id: int) -> list[AssignmentQuestion]:
    items = list(row.questions)
    return questions.student_order(items, row.id, student_id) if row.shuffle else items


def student_questions(
    session: Session,
    secret_key: str,
    row: Assignment,
    student_id: int,
    extension: Extension | None,
    role: str,
) -> list[QuestionState]:
    """Every question of `row` as `student_id` has it, in their order (staff: no limits)."""
    items = _ordered(row, student_id)
    drawn = {q.id: questions.drawn_version(q, student_id) for q in items}
    versions = questions.alternatives(session, set(drawn.values()))
    tallies: dict[int, scoring.Tally] = {q.id: scoring.Tally() for q in items}
    subs = session.execute(
        select(
            Submission.question_id,
            Submission.attempt,
            Submission.status,
            Submission.score,
            Submission.max_score,
            Submission.late,
        )
        .where(Submission.assignment_id == row.id, Submission.student_id == student_id)
        .order_by(Submission.attempt, Submission.id)
    ).all()
    for sub in subs:
        if sub.question_id in tallies:
            tallies[sub.question_id].add(sub, row.score_policy, row.late_penalty)
    for question_id, score in session.execute(
        select(QuestionOverride.question_id, QuestionOverride.score).where(
            QuestionOverride.assignment_id == row.id, QuestionOverride.student_id == student_id
        )
    ):
        if question_id in tallies:  # the instructor's score at this question replaces it
            tallies[question_id].override = score
    out = []
    for number, q in enumerate(items, start=1):
        version = versions[drawn[q.id]]
        tally = tallies[q.id]
        variant = tally.wrong if q.variants == "new_each_attempt" else 0
        terms = question_terms(row, q, extension, tally.attempts)
        if role != "student":
            terms = StudentTerms(terms.due_at, None, tally.attempts, terms.extended)
        out.append(
            QuestionState(
                row=q,
                number=number,
                version=version,
                points=questions.points_of(q, version.max_score),
                tally=tally,
                terms=terms,
                variant=variant,
                seed=questions.question_seed(secret_key, student_id, row.id, q.seed_key, variant),
            )
        )
    return out


def _parts(instance: Any) -> list[dict[str, Any]]:
    parts = []
    for part in instance.prompts:
        latex = part.get("prompt_latex") or ""
        parts.append({**part, "prompt_mathml": latex_to_mathml(latex) if latex else ""})
    return parts


def _question_dict(
    svc: Services,
    row: Assignment,
    state_: QuestionState,
    role: str,
    *,
    content: bool,
    level: str,
    taken: dict[tuple[int, str], Taken] | None = None,
) -> dict[str, Any]:
    """One question of a student's view: points, attempts, score and (with `content`) the
    statement and parts with their own parameters, each part with its steps and hints
    (`help`: how many, at what penalty, and what the student opened)."""
    tally = state_.tally
    hidden_score = level == "none"
    out: dict[str, Any] = {
        "id": state_.row.id,
        "number": state_.number,
        "title": state_.version.title,
        "exercise_id": state_.version.slug,
        "version": state_.version.version,
        "points": state_.points,
        "max_score": state_.version.max_score,
        "max_attempts": state_.limit,
        "attempts_used": tally.attempts,
        "attempts_left": state_.attempts_left,
        "score": None if hidden_score else state_.score,
        "status": ("submitted" if tally.attempts else "not_started")
        if hidden_score
        else tally.status,
        "variants": state_.row.variants,
        "variant": state_.variant,
        "answers_visible": level == "full" and answers_visible(row, role, state_.terms),
        "parts": [],
    }
    if content:
        version = state_.version
        instance = instances.student_instance(svc, version.version_id, version.sha256, state_.seed)
        spec, wanted = instance.exercise.spec, languages.current()
        statement, used = instance.statement_in(wanted)
        out["title"] = text_in(spec.title, wanted, spec.language)[0]
        out["statement"] = statement
        out["statement_html"] = render_markdown(statement)
        # the statement's language: the reader's where the exercise has it, else its default
        out["statement_language"] = languages.supported(used) or used
        out["params"] = dict(instance.param_values)
        out["parts"] = _parts(instance)
        for part in out["parts"]:
            mine = (taken or {}).get((state_.row.id, part["id"]))
            part["help"] = part_help(instance.exercise, part["id"], mine)
    return out


def _student_id(
    session: Session, actor: Actor, row: Assignment, role: str, as_student: str | None
) -> int:
    """Whose view: the actor's own, or (staff only) a student's of the course."""
    if as_student is None:
        return actor.id
    if role == "student":
        raise Forbidden("only the course's instructors may view the assignment as a student")
    found = session.scalar(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.course_id == row.course_id,
            Membership.role == "student",
            User.username == as_student,
        )
    )
    if found is None:
        raise NotFound(f"{as_student!r} is not a student of this course")
    return found


def view(
    svc: Services,
    actor: Actor,
    assignment_id: int,
    *,
    past_due_ok: bool = False,
    as_student: str | None = None,
) -> dict:
    """The assignment as the actor sees it: their own pool draw and parameters per question,
    never the definitions (staff also get each question's `definition`; with `as_student`,
    what that student gets, read only).

    `past_due_ok`: also past a due date that takes no late work (to read it again; submitting
    stays refused). Before it opens it is never shown to students. A timed exam shows its
    questions' content only once started.
    """
    now = utcnow()
    with svc.db.read() as session:
        row, role = load(session, actor, assignment_id)
        student_id = _student_id(session, actor, row, role, as_student)
        extension = extension_of(session, row.id, student_id)
        mine = effective_terms(row.due_at, row.max_attempts, extension)
        try:
            check_open(row, role, due_at=mine.due_at)
        except Forbidden as exc:
            if not (past_due_ok and exc.code in ("past_due", "closed")):
                raise
        shown_role = "student" if as_student else role
        states = student_questions(
            session, svc.config.secret_key, row, student_id, extension, shown_role
        )
        start, ends = exams.student_timing(session, row, student_id)
        zone = course_zone(session, row.course_id)
        versions = questions.alternatives(session, questions.version_ids(row.questions))
        definitions = {q.id: questions.definition(q, versions) for q in row.questions}
        taken = taken_by(session, row.id, student_id)
    level = exams.feedback_level(row, shown_role, now)
    content = not (
        shown_role == "student" and row.kind == "exam" and row.time_limit_minutes and start is None
    )
    items = [
        _question_dict(svc, row, st, shown_role, content=content, level=level, taken=taken)
        for st in states
    ]
    if role != "student":
        for item in items:
            item["definition"] = definitions[item["id"]]
    scores = [None if level == "none" else st.score for st in states]
    out: dict[str, Any] = {
        "id": row.id,
        "course_id": row.course_id,
        "title": _title(row, states[0].version.title if states else ""),
        "kind": row.kind,
        "time_zone": zone,
        "opens_at": _iso(row.opens_at),
        "due_at": _iso(mine.due_at),
        "closes_at": _iso(row.closes_at),
        "time_limit_minutes": row.time_limit_minutes,
        "late_penalty": row.late_penalty,
        "follow_through": row.follow_through,
        "score_policy": row.score_policy,
        "show_answers": row.show_answers,
        "solution_hint": row.solution_hint,
        "exam_feedback": row.exam_feedback,
        "feedback": level,
        "shuffle": row.shuffle,
        "extended": mine.extended,
        "your_role": role,
        "max_score": round(sum(st.points for st in states), 9),
        "score": scoring.total(scores),
        "questions": items,
    }
    if as_student:
        out["as_student"] = as_student
    if row.kind == "exam":
        out.update(exams.timing(start, ends, now))
        out["started"] = start is not None
    if row.kind == "practice":
        out.update(_goal_view(svc, row, student_id))
    if len(items) == 1:  # a one-exercise assignment: its question's fields, as always
        only = items[0]
        out.update(
            {
                "exercise_id": only["exercise_id"],
                "version": only["version"],
                "statement": only.get("statement", ""),
                "statement_html": only.get("statement_html", ""),
                "params": only.get("params", {}),
                "parts": only["parts"],
                "max_score": only["max_score"] if states[0].row.points is None else only["points"],
                "max_attempts": only["max_attempts"] if role == "student" else row.max_attempts,
                "answers_visible": only["answers_visible"],
                "attempts_used": only["attempts_used"],
                "attempts_left": only["attempts_left"] if role == "student" else None,
            }
        )
    return out


def question_view(
    svc: Services,
    actor: Actor,
    assignment_id: int,
    question_id: int | None,
    *,
    past_due_ok: bool = False,
) -> dict[str, Any]:
    """One question as a page shows it: the assignment's fields with this question's
    statement, parts, attempts and score at the top level (the shape of a one-exercise
    assignment), and `question`, `previous`/`next` question ids in the student's order."""
    whole = view(svc, actor, assignment_id, past_due_ok=past_due_ok)
    items = whole["questions"]
    chosen = pick_question([_Id(q["id"]) for q in items], question_id, assignment_id)
    index = next(i for i, q in enumerate(items) if q["id"] == chosen.id)
    q = items[index]
    return {
        **whole,
        "exercise_id": q["exercise_id"],
        "version": q["version"],
        "question_title": q["title"],
        "statement": q.get("statement", ""),
        "statement_html": q.get("statement_html", ""),
        "statement_language": q.get("statement_language"),
        "params": q.get("params", {}),
        "parts": q["parts"],
        "max_score": q["max_score"],
        "points": q["points"],
        "max_attempts": q["max_attempts"],
        "attempts_used": q["attempts_used"],
        "attempts_left": q["attempts_left"] if whole["your_role"] == "student" else None,
        "answers_visible": q["answers_visible"],
        "question": q,
        "question_id": q["id"],
        "question_count": len(items),
        "previous": items[index - 1]["id"] if index > 0 else None,
        "next": items[index + 1]["id"] if index + 1 < len(items) else None,
    }


@dataclass(frozen=True)
class _Id:
    id: int


def _goal_view(svc: Services, row: Assignment, student_id: int) -> dict[str, Any]:
    """A practice assignment's targets and the student's best level in each so far (before
    the due date), and the score it makes."""
    from grader.engine.mastery import Level, at_least
    from grader.services.mastery.goals import Goal, best_levels

    targets = list(row.target_skills or [])
    level = row.target_level or "proficient"
    goal = Goal(row.id, row.course_id, tuple(targets), level, row.due_at)
    with svc.db.read() as session:
        best = best_levels(session, goal, [student_id]).get(student_id, {})
    progress = {s: best.get(s, Level.NOT_STARTED).value for s in targets}
    reached = sum(at_least(v, level) for v in progress.values())
    return {
        "target_skills": targets,
        "target_level": level,
        "progress": progress,
        "max_score": float(len(targets)),
        "score": float(reached),
    }


def _title(row: Assignment, first: str) -> str:
    if not row.title and row.kind == "practice":
        from grader.engine.skills import skill_map

        names = [skill_map()[s].name for s in row.target_skills or [] if s in skill_map()]
        return "Practice: " + ", ".join(names)
    return row.title or first


def summary(session: Session, row: Assignment) -> dict[str, Any]:
    """An assignment's settings and question list (definitions), as its staff see them."""
    versions = questions.alternatives(session, questions.version_ids(row.questions))
    items = [questions.definition(q, versions) for q in row.questions]
    first = items[0] if items else {}
    total = 0.0
    for q in row.questions:
        if q.points is not None:
            total += q.points
        elif q.exercise_version_id in versions:
            total += versions[q.exercise_version_id].max_score
    out = {
        "id": row.id,
        "course_id": row.course_id,
        "title": _title(row, first.get("title") or (first.get("pool") or [{}])[0].get("title", "")),
        "kind": row.kind,
        "opens_at": _iso(row.opens_at),
        "due_at": _iso(row.due_at),
        "closes_at": _iso(row.closes_at),
        "time_limit_minutes": row.time_limit_minutes,
        "max_attempts": row.max_attempts,
        "late_penalty": row.late_penalty,
        "follow_through": row.follow_through,
        "show_answers": row.show_answers,
        "solution_hint": row.solution_hint,
        "score_policy": row.score_policy,
        "exam_feedback": row.exam_feedback,
        "shuffle": row.shuffle,
        "max_score": round(total, 9),
        "questions": items,
    }
    if len(items) == 1 and "exercise_id" in first:
        out["exercise_id"], out["version"] = first["exercise_id"], first["version"]
    if row.kind == "practice":
        targets = list(row.target_skills or [])
        out["target_skills"], out["target_level"] = targets, row.target_level
        out["max_score"] = float(len(targets))
    return out


SETTINGS = (
    "title",
    "opens_at",
    "due_at",
    "closes_at",
    "time_limit_minutes",
    "max_attempts",
    "late_penalty",
    "follow_through",
    "show_answers",
    "solution_hint",
    "score_policy",
    "exam_feedback",
    "shuffle",
)


def update_assignment(
    svc: Services, actor: Actor, assignment_id: int, changes: dict[str, Any]
) -> dict:
    """Change an assignment's settings (the course's instructors); keys absent stay as they are,
    a key given as None clears that setting (no date, no attempt limit, no late work).

    `version` moves a one-exercise assignment to another version of its exercise and regrades
    every submission with it; the earlier results are kept (earlier_grades). `questions`
    replaces the question list while nobody has submitted; items naming a question by `id`
    edit the list at any time (see question_edits: what is allowed after submissions)."""
    unknown = set(changes) - {*SETTINGS, "version", "questions"}
    if unknown:
        raise Invalid(f"cannot change {', '.join(sorted(unknown))}")
    changes = dict(changes)
    number = changes.pop("version", None)
    specs = changes.pop("questions", None)
    if "show_answers" in changes:
        check_show_answers(changes["show_answers"] or "")
    if "solution_hint" in changes and not isinstance(changes["solution_hint"], bool):
        raise Invalid("solution_hint must be true or false", details=[{"path": "solution_hint"}])
    if "score_policy" in changes:
        check_score_policy(changes["score_policy"] or "")
    if "exam_feedback" in changes:
        _choice(changes["exam_feedback"], EXAM_FEEDBACK, "exam_feedback", "full")
    if "shuffle" in changes and not isinstance(changes["shuffle"], bool):
        raise Invalid("shuffle must be true or false", details=[{"path": "shuffle"}])
    with svc.db.write() as session:
        row, role = load(session, actor, assignment_id)
        if role == "student":
            raise Forbidden("only the course's instructors may change assignments")
        zone = course_zone(session, row.course_id)  # a time without an offset is in it
        for key in ("opens_at", "due_at", "closes_at"):
            if key in changes:
                changes[key] = timezones.in_zone(changes[key], zone, key)
        timing = specs is not None or any(
            key in changes and changes[key] != getattr(row, key) for key in ANSWER_TIMING
        )
        # a new answer visibility is the instructor's choice, applied as set
        same_rule = changes.get("show_answers", row.show_answers) == row.show_answers
        seen = answers_seen_by(session, row) if timing and same_rule else None
        for key, value in changes.items():
            setattr(row, key, value)
        _check_dates(row.opens_at, row.due_at, row.closes_at)
        _exam_settings(row.kind, row.time_limit_minutes, row.closes_at, row.due_at)
        requeued = _replace_questions(session, row, specs) if specs is not None else []
        if seen:
            keep_answers_shown(session, row, seen, actor)
        if number is not None:
            requeued += _move_to_version(session, row, number)
        session.flush()
        out = {**summary(session, row), "regraded": len(requeued)}
    if requeued:
        svc.dispatcher.submitted(requeued)
    return out


def _replace_questions(session: Session, row: Assignment, specs: Any) -> list[int]:
    """A new question list: built afresh while nobody has submitted; once someone has, an
    edit of the questions named by id (see question_edits). The submissions to regrade."""
    named = isinstance(specs, list) and any(isinstance(s, dict) and "id" in s for s in specs)
    if named:
        return question_edits.edit_questions(session, row, specs)
    if session.scalar(select(exists().where(Submission.assignment_id == row.id))):
        raise Conflict(
            "students have submitted to this assignment: name each question you keep by its "
            "id (points, attempts, order and versions can change; new questions can be added)",
            code="has_submissions",
        )
    row.questions = questions.build(session, specs)
    return []


def _move_to_version(session: Session, row: Assignment, number: int) -> list[int]:
    """Point a one-exercise assignment and its submissions at another version; queue them
    for grading."""
    question = row.questions[0]
    current = question.exercise_version
    if len(row.questions) != 1 or current is None:
        raise Invalid(
            "version moves a one-exercise assignment; this one has several questions or a pool",
            details=[{"path": "version"}],
        )
    if number == current.version:
        return []
    version = session.scalar(
        select(ExerciseVersion).where(
            ExerciseVersion.exercise_id == current.exercise_id, ExerciseVersion.version == number
        )
    )
    if version is None:
        raise NotFound(f"no version {number} of {current.exercise.slug!r}")
    return question_edits.regrade_question(session, question, version)


def list_for_course(svc: Services, actor: Actor, course_id: int, limit: int, offset: int) -> dict:
    with svc.db.read() as session:
        course_role(session, actor, course_id)
        query = (
            select(Assignment)
            .where(Assignment.course_id == course_id)
            .order_by(Assignment.id)
            .options(selectinload(Assignment.questions))
        )
        rows, total = page(session, query, limit, offset)
        return envelope([summary(session, r) for r in rows], total, limit, offset)


def delete_assignment(svc: Services, actor: Actor, assignment_id: int) -> None:
    """Delete an assignment nobody has submitted to."""
    with svc.db.write() as session:
        row, role = load(session, actor, assignment_id)
        if role == "student":
            raise Forbidden("only the course's instructors may delete assignments")
        if session.scalar(select(exists().where(Submission.assignment_id == row.id))):
            raise Conflict("the assignment has submissions and is kept as their record")
        session.delete(row)


def check_part(exercise: Any, part_id: str | None) -> None:
    if part_id is not None and part_id not in {p.id for p in exercise.parts}:
        known = ", ".join(p.id for p in exercise.parts)
        raise Invalid(f"no part {part_id!r}; the parts are {known}", details=[{"path": "part"}])


def student_exercise(
    svc: Services, actor: Actor, assignment_id: int, question_id: int | None
) -> tuple[int, str, int]:
    """(exercise version id, its sha256, parameter seed) of the actor's current variant of a
    question (the only one when None), when they may work on it now (403 otherwise)."""
    with svc.db.read() as session:
        row, role = load(session, actor, assignment_id)
        extension = extension_of(session, row.id, actor.id)
        mine = effective_terms(row.due_at, row.max_attempts, extension)
        check_open(row, role, due_at=mine.due_at)  # closed to students when submitting is
        question = pick_question(list(row.questions), question_id, assignment_id)
        version_id = questions.drawn_version(question, actor.id)
        variant = 0
        if question.variants == "new_each_attempt":
            states = student_questions(
                session, svc.config.secret_key, row, actor.id, extension, role
            )
            variant = next(st.variant for st in states if st.row.id == question.id)
        sha256 = session.scalar(
            select(ExerciseVersion.sha256).where(ExerciseVersion.id == version_id)
        )
    seed = questions.question_seed(
        svc.config.secret_key, actor.id, assignment_id, question.seed_key, variant
    )
    return version_id, sha256 or "", seed


def preview_answer(
    svc: Services,
    actor: Actor,
    assignment_id: int,
    expression: str,
    part_id: str | None,
    question_id: int | None = None,
) -> dict:
    """How an answer to a question (the only one when None) was read (LaTeX, MathML), or a
    422 with the message and column; with the student's own drawn exercise and parameters."""
    version_id, sha256, seed = student_exercise(svc, actor, assignment_id, question_id)
    exercise = svc.exercises.get(version_id, sha256)
    return preview_for(svc, exercise, part_id, expression, seed)


def preview_for(
    svc: Services, exercise: Any, part_id: str | None, expression: str, seed: int
) -> dict:
    """How ``expression`` reads as an answer to a part of ``exercise`` (LaTeX, MathML, text),
    or a 422 with the message and column."""
    if len(expression) > svc.config.max_answer_chars:
        raise Invalid(f"an answer may have at most {svc.config.max_answer_chars} characters")
    check_part(exercise, part_id)
    try:
        shown = preview(exercise, part_id, expression, seed)
    except ParseError as exc:
        said = translation.parse_error(exc)  # in the reader's language, caret and all
        raise Invalid(exc.template, values=exc.values, code="parse_error", details=said) from None
    return {"latex": shown.latex, "mathml": shown.mathml, "text": shown.text}


def settings(svc: Services, actor: Actor, assignment_id: int) -> dict[str, Any]:
    """Course, state and settings (those of `summary`) of an assignment the actor can see."""
    with svc.db.read() as session:
        row = session.get(Assignment, assignment_id)
        if row is None:
            raise NotFound(f"no assignment {assignment_id}")
        role = course_role(session, actor, row.course_id)
        course = session.get_one(Course, row.course_id)
        return {
            **summary(session, row),
            "id": row.id,
            "course_id": course.id,
            "course_title": course.title,
            "time_zone": course.time_zone,
            "role": role,
            "state": state(row),
            "due": row.due_at,
            "opens": row.opens_at,
            "closes": row.closes_at,
            "show_answers": row.show_answers,
            "solution_hint": row.solution_hint,
        }
