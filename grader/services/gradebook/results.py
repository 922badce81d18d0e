"""What the gradebook and analytics services answer (see grader.services.results)."""

from __future__ import annotations

from pydantic import Field

from grader.services.results import Result


class ColumnQuestion(Result):
    id: int
    number: int
    title: str
    points: float


class Column(Result):
    """One assignment of the gradebook."""

    id: int
    title: str
    kind: str
    max_score: float
    score_policy: str
    questions: list[ColumnQuestion]


class ExtensionTerms(Result):
    due_at: str | None
    extra_attempts: int | None
    time_factor: float | None
    extra_minutes: int | None
    question_attempts: dict[str, int] | None = Field(
        default=None, description="question id -> extra attempts at that question alone"
    )


class QuestionCell(Result):
    score: float | None = Field(description="counted: best or last attempt, after any penalty")
    points: float
    attempts: int
    late: bool
    status: str


class Cell(Result):
    """One student's counted score for one assignment."""

    score: float | None
    max_score: float
    attempts: int
    late: bool
    overridden: bool
    extension: ExtensionTerms | None
    reason: str | None = Field(default=None, description="the override's reason")
    due_at: str | None = None
    max_attempts: int | None = None
    attempts_left: int | None = None
    questions: dict[str, QuestionCell] | None = Field(
        default=None, description="question id -> cell"
    )


class StudentRow(Result):
    username: str
    display_name: str | None
    scores: dict[str, Cell] = Field(description="assignment id -> the student's cell")
    total: float
    max_total: float


class Gradebook(Result):
    assignments: list[Column]
    students: list[StudentRow]


class DetailQuestion(QuestionCell):
    id: int
    number: int
    exercise_id: str = Field(description="the student's own (their pool draw)")
    title: str


class DetailAssignment(Result):
    id: int
    title: str
    kind: str
    max_score: float
    score_policy: str
    score: float | None
    attempts: int
    late: bool
    overridden: bool
    extension: ExtensionTerms | None
    reason: str | None = None
    questions: list[DetailQuestion]


class StudentGrades(Result):
    username: str
    course_id: int
    assignments: list[DetailAssignment]
    total: float


class Override(Result):
    username: str
    assignment_id: int
    score: float
    reason: str
    question_id: int | None = Field(default=None, description="an override at this question")


class ExtensionGiven(Result):
    """One student's extension, or (`all: true`) the whole class's new due date."""

    assignment_id: int
    due_at: str | None
    username: str | None = None
    extra_attempts: int | None = None
    time_factor: float | None = None
    extra_minutes: int | None = None
    all: bool | None = Field(default=None, description="true: every student of the course")
    students: int | None = Field(default=None, description="the whole class: how many students")
    question_id: int | None = Field(default=None, description="the question given attempts")
    question_attempts: dict[str, int] | None = Field(
        default=None, description="question id -> extra attempts at that question alone"
    )


class WrongAnswer(Result):
    """A group of wrong answers equal at the sample points."""

    answer: str = Field(description="the representative, as typed most often")
    form: str | None
    draws: int
    count: int = Field(description="students")
    submissions: int
    diagnosis: str | None
    feedback: str | None
    variants: list[str]


class PartAnalytics(Result):
    attempts: int
    students: int
    first_try_correct: float | None
    students_correct: int
    mean_attempts_to_correct: float | None
    wrong_answers: list[WrongAnswer]


class AlternativeAnalytics(Result):
    exercise_id: str
    title: str
    parts: dict[str, PartAnalytics]


class QuestionAnalytics(Result):
    id: int
    number: int
    alternatives: list[AlternativeAnalytics]


class ScoreDistribution(Result):
    max_score: float
    edges: list[float]
    counts: list[int]
    students: int
    mean: float | None


class Analytics(Result):
    assignment_id: int
    title: str
    parts: dict[str, PartAnalytics] = Field(description="the first question's, by part id")
    questions: list[QuestionAnalytics]
    score_distribution: ScoreDistribution


class AlternativeStatistics(Result):
    exercise_id: str | None
    title: str | None
    students: int
    mean_score: float | None
    first_try_correct: float | None
    mean_attempts: float | None
    difficulty: float | None = Field(description="the mean score as a share of the points")
    discrimination: float | None = Field(description="the corrected item-total correlation")


class QuestionStatistics(Result):
    id: int
    number: int
    points: float
    alternatives: list[AlternativeStatistics]


class Statistics(Result):
    assignment_id: int
    students: int
    questions: list[QuestionStatistics]
