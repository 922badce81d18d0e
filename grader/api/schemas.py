"""Request and response schemas of /api/v1 (pydantic v2; the OpenAPI document comes from them)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from grader.engine import MAX_LENGTH
from grader.services.results import Page, ParamValue

MAX_ID = 2**31 - 1  # the largest INTEGER on PostgreSQL
Username = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Params(BaseModel):
    """Query and header models: flask-openapi3 asks for their JSON schema on every request,
    so it is computed once per class (it never changes)."""

    @classmethod
    @functools.cache
    def model_json_schema(  # type: ignore[override]  # same arguments, passed through
        cls, *args: Any, **kwargs: Any
    ) -> dict[str, Any]:
        return super().model_json_schema(*args, **kwargs)


# --- paths and queries -------------------------------------------------------------------


class Paging(Params):
    limit: int = Field(50, ge=1, le=200, description="items per page (at most 200)")
    offset: int = Field(0, ge=0, le=10**9, description="items to skip")


class ExerciseSearch(Paging):
    q: str | None = Field(None, max_length=100, description="ids or titles containing this")


class UserPath(BaseModel):
    user_id: int


class TokenPath(BaseModel):
    token_id: int


class ExercisePath(BaseModel):
    exercise_id: str = Field(max_length=100, description="the exercise's `id` slug")


class ExerciseQuery(Params):
    version: int | None = Field(
        None, ge=1, le=MAX_ID, description="a version number; default the latest"
    )


class CoursePath(BaseModel):
    course_id: int


class MemberPath(BaseModel):
    course_id: int
    username: str = Field(max_length=64)


class AssignmentPath(BaseModel):
    assignment_id: int


class QuestionPath(BaseModel):
    assignment_id: int
    question_id: int


class PartHelpPath(BaseModel):
    assignment_id: int
    part: str = Field(max_length=64)


class QuestionPartHelpPath(BaseModel):
    assignment_id: int
    question_id: int
    part: str = Field(max_length=64)


class AssignmentQuery(Params):
    student: str | None = Field(
        None,
        max_length=64,
        description="instructors: the assignment as this student gets it (pool draws, "
        "parameters), read only",
    )


class SubmissionPath(BaseModel):
    submission_id: int


class UserQuery(Paging):
    role: Literal["admin", "instructor", "student"] | None = None


class SubmissionQuery(Paging):
    student: str | None = Field(None, max_length=64, description="instructors: one student's")
    question: int | None = Field(None, ge=1, le=MAX_ID, description="one question's")
    status: Literal["queued", "grading", "graded", "failed"] | None = None


class WaitQuery(Params):
    wait: int = Field(0, ge=0, le=600_000, description="ms to wait for the grade (capped)")


class IdempotencyHeader(Params):
    idempotency_key: str | None = Field(
        None,
        max_length=200,
        description="a retried POST with the same key returns the first submission",
    )


# --- bodies ------------------------------------------------------------------------------


class UserCreate(Strict):
    username: str = Username
    role: Literal["admin", "instructor", "student"]


class TokenCreate(Strict):
    name: str = Field("", max_length=100)


class PasswordChange(Strict):
    current_password: str = Field(
        max_length=1024, description="the password now (empty when the user has none yet)"
    )
    new_password: str = Field(min_length=8, max_length=1024)


class PasswordResetQuery(BaseModel):
    link: bool = Field(
        False,
        description="true: no new password but a one-time sign-in link (24 hours) through "
        "which the student signs in and chooses one",
    )


class CourseCreate(Strict):
    title: str = Field(min_length=1, max_length=200)
    time_zone: str = Field(
        "UTC",
        max_length=64,
        description="IANA name (e.g. America/Chicago): the course's times are shown in it, and "
        "a time sent without an offset is read in it",
    )


class MemberCreate(Strict):
    username: str = Username
    role: Literal["instructor", "student"] = "student"


ScorePolicy = Literal["best", "last"]
SCORE_POLICY_HELP = "which attempt counts in the gradebook: the best (default) or the last"
ShowAnswers = Literal["never", "after_due", "after_last_attempt", "always"]
SHOW_ANSWERS_HELP = (
    "when students may see the correct answer: never, after the due date, once they have no "
    "attempts left (or the assignment is closed to them), or always"
)
SOLUTION_HINT_HELP = (
    "before the correct answer may be seen, show the worked solution's computation graph "
    "without values or local derivatives, as a hint of structure"
)


# Times: with an offset (2030-03-01T17:00:00-06:00, ...Z) they are that moment; without
# one they are read in the course's time zone by the services (grader/services/timezones.py).
# Every time is given back in UTC with its offset, so a value sent back unchanged stays put.
LOCAL_TIME_HELP = "with an offset, or without one: read in the course's time zone"


class AssignmentSettings(Strict):
    opens_at: datetime | None = Field(None, description=LOCAL_TIME_HELP)
    due_at: datetime | None = Field(None, description=LOCAL_TIME_HELP)
    max_attempts: int | None = Field(None, ge=1, le=10_000)
    late_penalty: float | None = Field(
        None, ge=0, le=1, description="fraction taken off late work; null: no late work"
    )
    follow_through: float | None = Field(
        None,
        ge=0,
        le=1,
        description="share of a part's points an answer right given the student's own wrong "
        "earlier answer earns; 0: none; null: each exercise's own setting (default 1)",
    )


QUESTIONS_HELP = (
    'the questions, in order: {"exercise_id", "version"?, "points"?, "max_attempts"?, '
    '"variants"?: "same"|"new_each_attempt"} or a pool {"pool": ["ex-a", "ex-b", ...], '
    '"choose"?: n, "points"?, "max_attempts"?, "variants"?} from which each student gets '
    "`choose` different exercises, drawn once and kept (at most 100 questions)"
)
ExamFeedback = Literal["none", "score", "full"]
EXAM_FEEDBACK_HELP = (
    "what students see after each submission while an exam runs: nothing, the score only, or "
    "full feedback (after the close: show_answers decides)"
)


class AssignmentCreate(AssignmentSettings):
    """One exercise (`exercise_id`, `version`?) or `questions`; one of the two."""

    title: str | None = Field(None, min_length=1, max_length=300)
    kind: Literal["homework", "exam", "practice"] = "homework"
    target_skills: list[str] | None = Field(
        None,
        max_length=20,
        description="practice: the skills to reach (ids from /skills); one point each",
    )
    target_level: Literal["familiar", "proficient", "mastered"] | None = Field(
        None, description="practice: the level to reach in each by the due date (proficient)"
    )
    questions: list[dict[str, Any]] | None = Field(
        None, min_length=1, max_length=100, description=QUESTIONS_HELP
    )
    exercise_id: str | None = Field(None, min_length=1, max_length=100)
    version: int | None = Field(None, ge=1, le=MAX_ID, description="default: the latest version")
    closes_at: datetime | None = Field(
        None, description="exams: no work after it; " + LOCAL_TIME_HELP
    )
    time_limit_minutes: int | None = Field(
        None, ge=1, le=10080, description="exams: from each student's start"
    )
    show_answers: ShowAnswers = Field("always", description=SHOW_ANSWERS_HELP)
    solution_hint: StrictBool = Field(False, description=SOLUTION_HINT_HELP)
    score_policy: ScorePolicy = Field("best", description=SCORE_POLICY_HELP)
    exam_feedback: ExamFeedback = Field("full", description=EXAM_FEEDBACK_HELP)
    shuffle: StrictBool = Field(False, description="order the questions per student")


class AssignmentUpdate(AssignmentSettings):
    """Only the fields sent change; null clears a date, the attempt limit or late work."""

    title: str | None = Field(None, min_length=1, max_length=300)
    closes_at: datetime | None = Field(None, description=LOCAL_TIME_HELP)
    time_limit_minutes: int | None = Field(None, ge=1, le=10080)
    show_answers: ShowAnswers | None = Field(None, description=SHOW_ANSWERS_HELP)
    solution_hint: StrictBool | None = Field(None, description=SOLUTION_HINT_HELP)
    score_policy: ScorePolicy | None = Field(None, description=SCORE_POLICY_HELP)
    exam_feedback: ExamFeedback | None = Field(None, description=EXAM_FEEDBACK_HELP)
    shuffle: StrictBool | None = None
    questions: list[dict[str, Any]] | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="replace the questions (only while nobody has submitted)",
    )
    version: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="move to this version of the exercise and regrade every submission "
        "(earlier results are kept)",
    )


class CourseUpdate(Strict):
    title: str | None = Field(None, min_length=1, max_length=200)
    archived: bool | None = Field(None, description="archived courses are read-only")
    time_zone: str | None = Field(None, max_length=64, description="IANA name")
    locale: str | None = Field(
        None,
        max_length=35,
        description='default language of its pages for users who chose none: "en" or '
        '"zh-CN" ("" clears it)',
    )


class UserUpdate(Strict):
    locale: str | None = Field(
        max_length=35,
        description='your language: "en" or "zh-CN"; null: chosen per request (the LMS '
        "launch's locale, Accept-Language, the course's default, English)",
    )


class ExtensionCreate(Strict):
    """One student's extension (`username`), or the whole class's (`all: true` with due_at)."""

    username: str | None = Field(
        None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$"
    )
    all: StrictBool = Field(False, description="every student of the course: give due_at")
    due_at: datetime | None = Field(
        None, description="the student's own, later due date; " + LOCAL_TIME_HELP
    )
    extra_attempts: int | None = Field(
        None, ge=0, le=1000, description="on top of each question's max_attempts"
    )
    time_factor: float | None = Field(
        None, ge=1, le=10, allow_inf_nan=False, description="exams: this student's time factor"
    )
    extra_minutes: int | None = Field(None, ge=0, le=10080, description="exams: extra minutes")
    question_id: int | None = Field(
        None,
        ge=1,
        description="with username and extra_attempts only: extra attempts at this question "
        "alone (0 takes them back); the rest of the student's extension stays",
    )


class Accommodations(Strict):
    time_factor: float | None = Field(
        None,
        ge=1,
        le=10,
        allow_inf_nan=False,
        description="every timed exam's limit is multiplied by it (null: 1)",
    )
    extra_minutes: int | None = Field(
        None, ge=0, le=10080, description="added to every timed exam (null: none)"
    )


class OverrideCreate(Strict):
    username: str = Username
    score: float = Field(ge=0, allow_inf_nan=False, description="0 to the exercise's max score")
    reason: str = Field(min_length=1, max_length=1000)
    question_id: int | None = Field(
        None,
        ge=1,
        description="the student's score at this question alone (0 to its points, for their "
        "own pool draw); the assignment's score is then the sum with it",
    )


class ExerciseCopy(Strict):
    id: str = Field(min_length=1, max_length=64, description="the copy's new `id` slug")


class ImportQuery(Params):
    dry_run: bool = Field(True, description="check every row and change nothing (default)")


class FormatQuery(Params):
    format: Literal["json", "csv"] | None = Field(
        None, description="csv: the same table as CSV (or send 'Accept: text/csv')"
    )


class GradebookQuery(FormatQuery):
    questions: bool = Field(False, description="csv: a column per question too")


class MemberGradesPath(BaseModel):
    course_id: int
    username: str = Field(max_length=64)


class PreviewQuery(Params):
    seed: int = Field(0, ge=0, le=2**63 - 1, description="the student seed to show")
    version: int | None = Field(None, ge=1, le=MAX_ID, description="default: the latest")


class DiffQuery(Params):
    model_config = ConfigDict(populate_by_name=True)

    from_: int = Field(alias="from", ge=1, le=MAX_ID, description="the older version")
    to: int = Field(ge=1, le=MAX_ID, description="the newer version")


class PreviewBody(Strict):
    # the engine's own bound; the service also applies GRADER_MAX_ANSWER_CHARS (2000 by default)
    expression: str = Field(max_length=MAX_LENGTH)
    part: str | None = Field(None, max_length=100)


Answer = str | list[str]
MAX_CODE = 20_000  # the engine's bound on a code answer (grader.engine.schema.MAX_CODE)


class SubmissionCreate(Strict):
    answers: dict[str, Answer] = Field(
        max_length=100, description="part id -> answer; a gradient part takes a list"
    )


class StepsCheck(Strict):
    answers: dict[str, str] = Field(
        max_length=12, description='step id ("<part>.<n>") -> answer, as in a submission'
    )


# --- responses (documentation) -----------------------------------------------------------


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class Created(BaseModel):
    id: int


class Preview(BaseModel):
    latex: str
    mathml: str
    text: str


class Accepted(BaseModel):
    id: int
    status: str
    attempt: int | None = None
    repeated: bool = False
    question_id: int | None = None


class MessageArg(BaseModel):
    """A typed argument of a feedback message (see docs/engine.md, "Feedback messages")."""

    type: Literal["formula", "number", "label", "authored", "words"]
    text: str | None = None  # formula, number, label, words
    latex: str | None = None  # formula
    value: float | None = None  # number
    markdown: str | None = None  # authored


class FeedbackMessage(BaseModel):
    code: str  # e.g. chain.missing_inner: what is said, worded per language by its code
    args: dict[str, MessageArg]
    subject: str | None = None  # the answer box it is about, in a part with several


class CodeOutput(BaseModel):
    correct: bool
    max_error: float | None = Field(
        None, description="largest |yours - autograd|; null: shapes differ"
    )
    shape: list[int] | None = Field(None, description="the shape your function returned")


class CodeCheck(BaseModel):
    batch: int | None = Field(None, description="the batch size of this check's inputs")
    inputs_shapes: dict[str, list[int]]
    outputs: dict[str, CodeOutput]
    error: str | None = Field(None, description="what went wrong running your code on it")


class PartResult(BaseModel):
    correct: bool
    score: float
    feedback: str | None = None  # Markdown with $...$ math
    feedback_html: str | None = None  # the feedback rendered: sanitised HTML, math as MathML
    diagnosis: str | None = None
    error: str | None = None
    messages: list[FeedbackMessage] | None = None  # the feedback as structured messages
    checks: list[CodeCheck] | None = Field(
        None, description="code parts: each generated input and each output's verdict"
    )


class CodeRunBody(Strict):
    part: str = Field(max_length=100, description="the code part's id")
    code: str = Field(max_length=MAX_CODE, description="the Python source of your function")


class CodeRunOutput(BaseModel):
    shape: list[int]
    shape_ok: bool


class CodeRunCheck(BaseModel):
    batch: int | None = None
    inputs_shapes: dict[str, list[int]]
    outputs: dict[str, CodeRunOutput]
    error: str | None = None


class CodeRun(BaseModel):
    ok: bool = Field(description="it ran on every check and every output has the right shape")
    message: str = Field(description="what to fix first, or that it ran, in your language")
    messages: list[FeedbackMessage] = Field(
        default_factory=list, description="the same as structured messages (codes, arguments)"
    )
    checks: list[CodeRunCheck]
    output: str = Field(description="what the code printed (the first 4000 characters)")


class TakenHelp(BaseModel):
    hints: int = Field(description="hints revealed")
    steps: bool = Field(description="the steps were opened")


class HelpRecord(BaseModel):
    """The help a student took, carried with the answers under `@help`."""

    taken: dict[str, TakenHelp] = Field(description="part id -> the help taken on it")
    follow_through: float | None = Field(
        default=None, description="the assignment's follow-through share (null: the exercise's)"
    )


class SubmissionOut(BaseModel):
    id: int
    assignment_id: int
    question_id: int
    variant: int
    student: str | None
    attempt: int
    status: str
    score: float | None
    max_score: float
    late: bool
    penalty: float
    parts: dict[str, PartResult]
    feedback: Literal["none", "score", "full"] = Field(
        "full", description="what of the grade the reader sees now (exams: the instructor's choice)"
    )
    error: str | None
    answers: dict[str, Answer | HelpRecord] = Field(
        description="part id -> answer; `@help`: the help taken (steps, hints)"
    )
    created_at: str
    graded_at: str | None
    grade_ms: float | None
    preview: bool = Field(False, description="an instructor's try: never counted")
    repeated: bool = Field(
        False,
        description="on a submit: the same answers as the last attempt, whose result this is "
        "(no attempt was used)",
    )


class SubmissionPage(Page):
    items: list[SubmissionOut]


class SolutionQuery(Params):
    part: str | None = Field(
        None, max_length=100, description="the part's id (default: the first part)"
    )
    level: Literal["names", "ops"] = Field(
        "names", description="names: the define chain; ops: torch's grad_fn operations"
    )
    wrt: str | None = Field(
        None, max_length=100, description="a gradient's component (default: the first)"
    )


class ExerciseSolutionQuery(SolutionQuery, ExerciseQuery):
    seed: int = Field(0, ge=0, le=MAX_ID, description="the student's seed (params)")


# --- practice (docs/practice.md) -----------------------------------------------------------


class PracticeQuery(Params):
    skill: str | None = Field(
        None, max_length=64, description="practise this skill only (an id from /skills)"
    )


class PracticeItemPath(BaseModel):
    item_id: int = Field(ge=1, le=MAX_ID)


class PracticeAnswers(Strict):
    answers: dict[str, Answer] = Field(
        max_length=20, description="part id -> answer; a gradient part takes a list"
    )


class MisconceptionQuery(Params):
    weeks: int = Field(8, ge=1, le=52, description="how many weeks back, this one included")


class PracticePart(BaseModel):
    id: str
    kind: str
    points: float
    numeric: bool
    prompt_latex: str | None = None
    prompt_mathml: str | None = None
    components: list[str] | None = None
    component_labels: list[str] | None = None
    at: dict[str, ParamValue] | None = None
    shapes: list[Any] | None = None


class PracticeItem(BaseModel):
    id: int
    course_id: int
    skill: str = Field(description="the skill it practises (an id of the skill map)")
    skill_name: str
    template: str = Field(description="the template it was drawn from")
    seed: int = Field(description="the draw: the same template and seed give the same item")
    title: str
    statement: str = Field(description="Markdown with $...$ math")
    statement_html: str
    parts: list[PracticePart]
    attempts: int = Field(description="answers given to it so far (the first one counts)")


class PracticeNext(BaseModel):
    item: PracticeItem
    reason: str = Field(description="why this item comes next, in words the student sees")
    reason_message: FeedbackMessage


class SkillStanding(BaseModel):
    level: Literal["not_started", "attempted", "familiar", "proficient", "mastered"]
    estimate: float = Field(description="P(the student knows the skill), 0..1")
    evidence: int = Field(description="graded answers about it so far")


class PracticeGraded(BaseModel):
    item_id: int
    score: float
    max_score: float
    parts: dict[str, PartResult]
    counted: bool = Field(description="the item's first answer: it moved the mastery")
    mastery: dict[str, SkillStanding]


class SkillRef(BaseModel):
    id: str
    name: str


class StudentMastery(BaseModel):
    username: str
    display_name: str | None
    skills: dict[str, SkillStanding]


class CourseMastery(BaseModel):
    course_id: int
    skills: list[SkillRef]
    students: list[StudentMastery]


class Skill(BaseModel):
    id: str
    name: str
    group: str
    description: str
    requires: list[str] = Field(description="the skills it builds on")
    templates: list[str] = Field(description="the templates that draw exercises for it")


class SkillMap(BaseModel):
    skills: list[Skill]
    levels: list[str]
    diagnoses: dict[str, str] = Field(
        description="diagnosis code -> the skill it is evidence against"
    )


class MisconceptionRow(BaseModel):
    diagnosis: str
    skill: str
    total: int
    per_week: list[int]


class CourseMisconceptions(BaseModel):
    course_id: int
    weeks: list[str] = Field(description="each week's Monday (UTC), oldest first")
    misconceptions: list[MisconceptionRow]
