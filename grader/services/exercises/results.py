"""What the exercise library's services answer (see grader.services.results)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from grader.services.results import Page, ParamValue, Result


class ExerciseCreated(Result):
    id: str
    version: int
    created: bool = Field(description="false: the upload was identical to the current version")


class ExerciseOut(Result):
    id: str
    title: str
    version: int = Field(description="the latest version")
    max_score: float
    owner: str | None = Field(description="who may edit it; null for the library's own")
    created_at: str
    updated_at: str


class ExercisePage(Page):
    items: list[ExerciseOut]


class VersionOut(Result):
    version: int
    title: str
    sha256: str = Field(description="of the version's YAML")
    created_at: str


class ExerciseDetail(ExerciseOut):
    """One exercise: the chosen version's YAML and every version."""

    yaml: str
    versions: list[VersionOut]


class Problem(Result):
    path: str = Field(description="where in the YAML, e.g. parts[0].of")
    line: int | None
    message: str


class Validation(Result):
    valid: bool
    problems: list[Problem]


class BrokenDraw(Result):
    version: int
    params: dict[str, ParamValue] | None = Field(description="the draw no answer could use")
    message: str
    at: str


class AuthoredVersion(VersionOut):
    created_by: str | None


class VersionHistory(Result):
    id: str
    latest: int
    broken: list[BrokenDraw] = Field(description="recorded draws that could not be graded")
    versions: list[AuthoredVersion] = Field(description="newest first")


class DiffLine(Result):
    op: str = Field(description='" " kept, "-" only in `from`, "+" only in `to`')
    old: int | None = Field(description="the line's number in `from`")
    new: int | None = Field(description="the line's number in `to`")
    text: str


class Diff(Result):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    from_: int = Field(alias="from")
    to: int
    changed: int = Field(description="lines added or removed")
    lines: list[DiffLine]
    unified: str


class ReferencePoint(Result):
    at: str = Field(description="the point, e.g. x = 1")
    values: list[str]


class Reference(Result):
    """A part's correct answer: its values (a value part), or a self-test formula graded right
    (MathML, per component) and the derivative's values at a few points."""

    formula_mathml: list[str] | None
    values: list[str] | None = None
    points: list[ReferencePoint] | None = None


class PreviewPart(Result):
    id: str
    kind: str
    points: float
    prompt_mathml: str
    component_labels: list[str]
    reference: Reference


class SelfTests(Result):
    passed: bool
    problems: list[Problem]


class ExercisePreview(Result):
    id: str
    version: int
    seed: int
    title: str
    params: dict[str, ParamValue]
    statement_html: str
    parts: list[PreviewPart]
    self_tests: SelfTests
