"""Typed SQLAlchemy 2 models: the record of users, courses, exercises and submissions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from grader.vocabulary import COURSE_ROLES, ROLES, SubmissionStatus  # noqa: F401  (roles: also read here)

# Which of a student's scores counts for an assignment
SCORE_POLICIES = ("best", "last")
# When students may see the correct answer of an assignment (its reference curve, formula, value)
ANSWER_VISIBILITY = ("never", "after_due", "after_last_attempt", "always")
# A homework set, a timed exam (a start, a server-held end, a close time), or practice graded
# by the mastery reached in its target skills (grader/services/practice)
ASSIGNMENT_KINDS = ("homework", "exam", "practice")
# What a student sees after each submission while an exam is running
EXAM_FEEDBACK = ("none", "score", "full")
# Per question: one set of parameters per student, or new ones after each wrong graded attempt
VARIANTS = ("same", "new_each_attempt")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONType}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_hash: Mapped[str | None] = mapped_column(String(255))  # argon2; web sign-in
    display_name: Mapped[str | None] = mapped_column(String(200))  # from a roster, if given
    # web sessions carry the version they were signed in under; sign-out, a password change
    # and an administrator's "sign out everywhere" add one, which ends them all at once
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locale: Mapped[str | None] = mapped_column(String(16))  # chosen language (#29), a BCP 47 tag


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]  # archived courses are read-only and listed apart
    # IANA name: times are shown and typed in it (stored in UTC); see services/timezones.py
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    locale: Mapped[str | None] = mapped_column(String(16))  # default language of its pages


class Membership(Base):
    __tablename__ = "memberships"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # accommodations for every timed exam of the course (an exam's own override them)
    time_factor: Mapped[float | None] = mapped_column(Float)
    extra_minutes: Mapped[int | None]

    user: Mapped[User] = relationship()


class Exercise(Base):
    """An exercise, named by the `id` slug of its YAML; its content lives in versions."""

    __tablename__ = "exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    latest_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[ExerciseVersion]] = relationship(
        back_populates="exercise", order_by="ExerciseVersion.version"
    )


class ExerciseVersion(Base):
    """One immutable upload of an exercise."""

    __tablename__ = "exercise_versions"
    __table_args__ = (UniqueConstraint("exercise_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    yaml_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    max_score: Mapped[float] = mapped_column(Float)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # milliseconds of grading one submission: measured at upload, refined by observed grades;
    # the scheduler grades versions at or above GRADER_HEAVY_MS apart from the cheap ones
    cost_ms: Mapped[float | None] = mapped_column(Float)

    exercise: Mapped[Exercise] = relationship(back_populates="versions")


class BrokenInstance(Base):
    """A student's seed for which an exercise version cannot be built (its params empty the
    domain, or the work bound is passed): recorded once, shown to the exercise's instructors."""

    __tablename__ = "broken_instances"
    __table_args__ = (UniqueConstraint("exercise_version_id", "seed"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_version_id: Mapped[int] = mapped_column(
        ForeignKey("exercise_versions.id", ondelete="CASCADE")
    )
    seed: Mapped[int] = mapped_column(BigInteger)
    params: Mapped[str] = mapped_column(String(1000))
    message: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assignment(Base):
    """An ordered list of questions set in a course, with dates, attempt rules and scoring.

    One-exercise assignments are assignments with one question. `max_attempts` is the default
    of questions that set none; `title` None reads as the first question's exercise title.
    """

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(
        String(16), default="homework", server_default="homework"
    )  # one of ASSIGNMENT_KINDS
    opens_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]  # exams: no work after it, whatever the time limit
    time_limit_minutes: Mapped[int | None]  # exams: from each student's start
    max_attempts: Mapped[int | None]
    late_penalty: Mapped[float | None] = mapped_column(Float)
    # the share of a part's points an answer right given the student's own wrong earlier
    # answer earns (follow-through); None: each exercise's own setting
    follow_through: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    show_answers: Mapped[str] = mapped_column(
        String(24), default="always", server_default="always"
    )  # one of ANSWER_VISIBILITY
    # show the worked solution's graph, without values, before the answer may be seen
    solution_hint: Mapped[bool] = mapped_column(default=False, server_default=false())
    score_policy: Mapped[str] = mapped_column(
        String(8), default="best", server_default="best"
    )  # one of SCORE_POLICIES
    exam_feedback: Mapped[str] = mapped_column(
        String(8), default="full", server_default="full"
    )  # one of EXAM_FEEDBACK
    shuffle: Mapped[bool] = mapped_column(default=False, server_default=false())
    # kind "practice": the skills to reach and the level to reach in each (mastery.Level)
    target_skills: Mapped[list[str] | None] = mapped_column(JSONType)
    target_level: Mapped[str | None] = mapped_column(String(16))

    questions: Mapped[list[AssignmentQuestion]] = relationship(
        back_populates="assignment",
        order_by="AssignmentQuestion.position",
        cascade="all, delete-orphan",
    )


class AssignmentQuestion(Base):
    """One question of an assignment: an exercise version, or one draw from a pool.

    A pool that gives each student `choose` different exercises is `choose` rows of one
    `group_no`, slots 0..choose-1, each with the whole `pool` (exercise version ids): slot k
    takes the k-th of the student's draw, so the draws of one student never repeat.
    """

    __tablename__ = "assignment_questions"
    __table_args__ = (
        Index("ix_assignment_questions_assignment_position", "assignment_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    group_no: Mapped[int] = mapped_column(Integer, default=0)  # the pool a slot belongs to
    slot: Mapped[int] = mapped_column(Integer, default=0)
    exercise_version_id: Mapped[int | None] = mapped_column(ForeignKey("exercise_versions.id"))
    pool: Mapped[list[int] | None] = mapped_column(JSONType)  # exercise version ids
    choose: Mapped[int] = mapped_column(Integer, default=1)
    points: Mapped[float | None] = mapped_column(Float)  # None: the exercise's max score
    max_attempts: Mapped[int | None]  # None: the assignment's
    variants: Mapped[str] = mapped_column(
        String(20), default="same", server_default="same"
    )  # one of VARIANTS
    # mixed into the student's parameter seed; "" for an assignment's first question, so a
    # one-exercise assignment keeps the parameters it had before questions existed
    seed_key: Mapped[str] = mapped_column(String(32), default="", server_default="")

    assignment: Mapped[Assignment] = relationship(back_populates="questions")
    exercise_version: Mapped[ExerciseVersion | None] = relationship()


class Submission(Base):
    """One attempt by one student; the row is the record of its grading state."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("question_id", "student_id", "attempt"),
        UniqueConstraint("student_id", "idempotency_key"),
        Index("ix_submissions_status_id", "status", "id"),
        Index("ix_submissions_assignment_student", "assignment_id", "student_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("assignment_questions.id", ondelete="CASCADE")
    )
    # which of the question's parameter sets the answers were given on (new_each_attempt)
    variant: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    exercise_version_id: Mapped[int] = mapped_column(ForeignKey("exercise_versions.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    answers: Mapped[dict[str, Any]]
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=SubmissionStatus.QUEUED)
    late: Mapped[bool] = mapped_column(default=False)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    results: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    tries: Mapped[int] = mapped_column(default=0)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    graded_at: Mapped[datetime | None]
    grade_ms: Mapped[float | None] = mapped_column(Float)
    # a claim's lease: its live worker renews it; the sweep requeues only expired ones
    lease_until: Mapped[datetime | None]
    # claimed alone: a batch holding it was abandoned, and which row was at fault is unknown
    solo: Mapped[bool] = mapped_column(default=False, server_default=false())
    # an instructor trying the assignment ("preview as student"): never counted anywhere
    preview: Mapped[bool] = mapped_column(default=False, server_default=false())


class EarlierGrade(Base):
    """A submission's result before a regrade moved it to another exercise version."""

    __tablename__ = "earlier_grades"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    exercise_version_id: Mapped[int] = mapped_column(ForeignKey("exercise_versions.id"))
    status: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    results: Mapped[dict[str, Any] | None]
    graded_at: Mapped[datetime | None]
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)


class Extension(Base):
    """One student's later due date and/or extra attempts for one assignment."""

    __tablename__ = "extensions"
    __table_args__ = (UniqueConstraint("assignment_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    due_at: Mapped[datetime | None]
    extra_attempts: Mapped[int] = mapped_column(default=0)
    # the correct answer had been shown to the student when the extension was given: it stays
    # shown (an extension gives time; it does not take back what the student saw)
    answers_shown: Mapped[bool] = mapped_column(default=False, server_default=false())
    # exams: this student's time factor and extra minutes for this exam (None: the course's)
    time_factor: Mapped[float | None] = mapped_column(Float)
    extra_minutes: Mapped[int | None]
    # extra attempts at one question (question id as text -> attempts), on top of extra_attempts
    question_attempts: Mapped[dict[str, int] | None] = mapped_column(JSONType)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HelpTaken(Base):
    """The help a student took on one part of one question: hints revealed, steps opened.

    Submissions carry a copy of it (their answers' ``@help``), which the grading penalises."""

    __tablename__ = "help_taken"
    __table_args__ = (UniqueConstraint("question_id", "student_id", "part_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("assignment_questions.id", ondelete="CASCADE")
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    part_id: Mapped[str] = mapped_column(String(64))
    hints: Mapped[int] = mapped_column(default=0, server_default="0")
    steps: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExamStart(Base):
    """When a student started an exam (their end is computed from it), and finished it."""

    __tablename__ = "exam_starts"
    __table_args__ = (UniqueConstraint("assignment_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class ScoreOverride(Base):
    """An instructor's score for one student on one assignment, with the reason."""

    __tablename__ = "score_overrides"
    __table_args__ = (UniqueConstraint("assignment_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuestionOverride(Base):
    """An instructor's score for one student at one question (in its points), with the
    reason; it replaces what their attempts there count (#24)."""

    __tablename__ = "question_overrides"
    __table_args__ = (UniqueConstraint("question_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("assignment_questions.id", ondelete="CASCADE")
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MetricCount(Base):
    """A histogram bucket (or its sum/count) of the embedded pool, shared by all processes.

    Several service processes grade from one database, so what they observe for /metrics is
    added up here, in the transaction that stores the results.
    """

    __tablename__ = "metric_counts"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[float] = mapped_column(Float, default=0.0)


class RateBucket(Base):
    """A per-user token bucket (tokens left and when they were counted), shared by every
    service process (each process counting alone let N processes allow N times the rate)."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    level: Mapped[float] = mapped_column(Float)
    at: Mapped[float] = mapped_column(Float)  # epoch seconds


class SignInCounter(Base):
    """Sign-in attempts under a throttle key (an account from an address, an account, an
    address) since the start of its window; one atomic upsert counts each attempt."""

    __tablename__ = "sign_in_counters"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    since: Mapped[float] = mapped_column(Float)  # epoch seconds: the window's start


class Lease(Base):
    """A named piece of work one process holds at a time (a course's roster import), until it
    lets go or `until` passes (its process died): one atomic upsert takes it."""

    __tablename__ = "leases"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(32))
    since: Mapped[float] = mapped_column(Float)  # epoch seconds
    until: Mapped[float] = mapped_column(Float)  # epoch seconds: free for the taking after
