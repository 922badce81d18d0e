"""What the assignments services answer (see grader.services.results)."""

from __future__ import annotations

import builtins

from pydantic import Field

from grader.services.results import Page, ParamValue, Result


class PoolChoice(Result):
    exercise_id: str
    version: int
    title: str


class QuestionDefinition(Result):
    """What an instructor set for one question: an exercise, or a pool to draw from."""

    id: int
    position: int
    points: float | None = Field(description="null: the exercise's own max score")
    max_attempts: int | None
    variants: str = Field(description="same, or new_each_attempt")
    exercise_id: str | None = None
    version: int | None = None
    title: str | None = None
    pool: list[PoolChoice] | None = None
    choose: int | None = None
    slot: int | None = None
    group: int | None = None


class AssignmentSummary(Result):
    """An assignment's settings and its questions, as its instructors set them."""

    id: int
    course_id: int
    title: str
    kind: str = Field(description="homework or exam")
    opens_at: str | None
    due_at: str | None
    closes_at: str | None
    time_limit_minutes: int | None
    max_attempts: int | None
    late_penalty: float | None
    show_answers: str
    solution_hint: bool
    score_policy: str
    exam_feedback: str
    shuffle: bool
    max_score: float
    questions: list[QuestionDefinition]
    exercise_id: str | None = Field(
        default=None, description="a one-exercise assignment's exercise"
    )
    version: int | None = None


class AssignmentUpdated(AssignmentSummary):
    regraded: int | None = Field(
        default=None, description="submissions queued for regrading by a version change"
    )


class AssignmentPage(Page):
    items: list[AssignmentSummary]


class BatchDimension(Result):
    name: str
    sizes: list[int]


class CodePrompt(Result):
    """What a code part asks: the function to write, its inputs' shapes and the starter."""

    function: str
    signature: str
    args: list[str]
    returns: list[str]
    wrt: list[str]
    shapes: dict[str, list[int | str]] = Field(description="each argument's shape")
    batch: BatchDimension | None
    starter: str | None
    modules: list[str]


class StepOut(Result):
    """One step of a part: a smaller derivative ∂of/∂wrt, answered as `"<part>.<n>"`."""

    id: str
    number: int
    of: str
    wrt: str
    label: str
    latex: str
    prompt_mathml: str
    numeric: bool
    at: dict[str, ParamValue] | None


class StepsHelp(Result):
    available: int
    penalty: float = Field(description="taken off the part if it is then answered right")
    opened: bool
    list: builtins.list[StepOut] = Field(description="the steps, once opened")


class RevealedHint(Result):
    number: int
    markdown: str
    html: str
    penalty: float


class HintsHelp(Result):
    available: int
    penalties: list[float]
    revealed: list[RevealedHint]


class PartHelp(Result):
    """A part's steps and hints as the student sees them: how many, at what penalty, and
    what they opened."""

    steps: StepsHelp
    hints: HintsHelp
    penalty: float = Field(description="what the help taken so far costs the part")


class PartHelpAnswer(PartHelp):
    part: str
    question_id: int


class StepVerdict(Result):
    correct: bool
    feedback: str
    feedback_html: str
    error: str | None


class StepsChecked(Result):
    """A part's steps checked before the whole is answered (no attempt used)."""

    part: str
    question_id: int
    steps: dict[str, StepVerdict] = Field(description='by step id ("<part>.<n>")')
    note: str | None = Field(description="once every step is right: how they combine")
    note_html: str | None


class PartPrompt(Result):
    """One part as a student sees it (never its answer)."""

    id: str
    kind: str
    points: float
    numeric: bool
    prompt_latex: str
    prompt_mathml: str
    components: list[str]
    component_labels: list[str]
    at: dict[str, ParamValue] | None = Field(description="the point the part is asked at")
    shapes: list[list[int]] | None = Field(description="each answer box's shape (tensor parts)")
    help: PartHelp | None = Field(default=None, description="the part's steps and hints")
    code: CodePrompt | None = Field(
        default=None, description="code parts: the function to write, its inputs and the starter"
    )


class StudentQuestion(Result):
    """One question of a student's view: their own exercise, parameters and attempts."""

    id: int
    number: int
    title: str
    exercise_id: str
    version: int
    points: float
    max_score: float
    max_attempts: int | None
    attempts_used: int
    attempts_left: int | None
    score: float | None
    status: str
    variants: str
    variant: int
    answers_visible: bool
    parts: list[PartPrompt]
    statement: str | None = None
    statement_html: str | None = None
    params: dict[str, ParamValue] | None = None
    definition: QuestionDefinition | None = Field(default=None, description="staff only")


class AssignmentView(Result):
    """An assignment as its reader gets it; a one-exercise assignment also has its
    question's fields at the top level."""

    id: int
    course_id: int
    title: str
    kind: str
    time_zone: str
    opens_at: str | None
    due_at: str | None = Field(description="the reader's own (an extension moves it)")
    closes_at: str | None
    time_limit_minutes: int | None
    late_penalty: float | None
    score_policy: str
    show_answers: str
    solution_hint: bool
    exam_feedback: str
    feedback: str = Field(description="what the reader sees of grades now: none, score or full")
    shuffle: bool
    extended: bool
    your_role: str
    max_score: float
    score: float | None
    questions: list[StudentQuestion]
    as_student: str | None = None
    started: bool | None = Field(default=None, description="exams: the reader has started")
    started_at: str | None = None
    ends_at: str | None = None
    finished_at: str | None = None
    time_left_s: float | None = None
    server_now: str | None = None
    exercise_id: str | None = None
    version: int | None = None
    statement: str | None = None
    statement_html: str | None = None
    params: dict[str, ParamValue] | None = None
    parts: list[PartPrompt] | None = None
    max_attempts: int | None = None
    answers_visible: bool | None = None
    attempts_used: int | None = None
    attempts_left: int | None = None


class ExamStarted(Result):
    started_at: str
    ends_at: str | None = Field(description="null: no time limit and no close")
    preview: bool | None = Field(default=None, description="an instructor's try: nothing is stored")


class ExamFinished(Result):
    started_at: str
    finished_at: str | None


class ExamCounts(Result):
    not_started: int
    working: int
    finished: int


class ExamStudent(Result):
    username: str
    display_name: str | None
    state: str = Field(description="not_started, working or finished")
    time_factor: float
    extra_minutes: int
    started_at: str | None
    ends_at: str | None
    finished_at: str | None
    time_left_s: float | None
    server_now: str


class ExamRoster(Result):
    assignment_id: int
    time_limit_minutes: int | None
    closes_at: str | None
    counts: ExamCounts
    students: list[ExamStudent]


class CourseAccommodation(Result):
    username: str
    course_id: int
    time_factor: float | None
    extra_minutes: int | None
