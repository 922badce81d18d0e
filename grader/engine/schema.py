"""The exercise YAML contract: the pydantic schema of a file and the limits it sets.

Structure, types and unknown keys are checked here; names, expressions and sampling are checked
by `loading.py` against the parsed exercise.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SLUG = r"^[a-z0-9][a-z0-9-]*$"
PART_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
IDENT = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*$")
MAX_PARTS = 50
MAX_DEFINES = 100
MAX_DEFINE_NODES = 5000  # all definitions together: bounds sampling and diagnosis work
MAX_TEST_ANSWERS = 300
MAX_VARIABLES = 20
MAX_CODE = 20_000  # characters of a code answer, a starter or a code self-test
MAX_BATCH = 16  # the largest batch size a code part's checks use

DEFAULT_EXPRESSION_TOLERANCE = {"rtol": 1e-6, "atol": 1e-9}
# Hand-computed numbers: within 0.05 % (about four significant digits).
DEFAULT_VALUE_TOLERANCE = {"rtol": 5e-4, "atol": 1e-8}
# Student code computes in float64 (or float32 with torch): a little looser than formulas.
DEFAULT_CODE_TOLERANCE = {"rtol": 1e-5, "atol": 1e-8}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def as_text(v: Any) -> Any:
    """Numbers written in YAML (``y: 5``) are expressions too."""
    if isinstance(v, bool):
        return v
    return str(v) if isinstance(v, int | float) else v


Text = Annotated[str, Field(max_length=4000)]

# A text given in several languages: {en: ..., zh-CN: ...} by BCP 47 tag; a plain string is in
# the exercise's `language` (texts.py picks the reader's).
LanguageTag = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$", max_length=20)]
MAX_LANGUAGES = 8


def localized(limit: int, least: int = 0) -> Any:
    """A text of at most `limit` characters, or one per language (at most MAX_LANGUAGES)."""
    one = Annotated[str, Field(min_length=least, max_length=limit)]
    return one | Annotated[dict[LanguageTag, one], Field(min_length=1, max_length=MAX_LANGUAGES)]


class Tolerance(_Strict):
    rtol: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    atol: float | None = Field(default=None, ge=0, allow_inf_nan=False)


# Param values are floats in every computation; ints beyond 2^53 would not be exact.
MAX_PARAM = 10**15
ParamNumber = Annotated[float, Field(ge=-MAX_PARAM, le=MAX_PARAM, allow_inf_nan=False)]
ParamInt = Annotated[int, Field(ge=-MAX_PARAM, le=MAX_PARAM)]


class ParamSpec(_Strict):
    int_: tuple[ParamInt, ParamInt] | None = Field(default=None, alias="int")
    choice: list[ParamInt | ParamNumber] | None = Field(default=None, min_length=1, max_length=1000)
    uniform: tuple[ParamNumber, ParamNumber] | None = None
    shape: list[int] | None = Field(default=None, max_length=8)  # a tensor of such entries


class TensorVariable(_Strict):
    """``{shape: [2, 3], range: [-2, 2]}``: every entry is sampled in the range."""

    shape: list[int | str] = Field(max_length=8)  # a name such as N: the batch dimension
    range: tuple[float, float]


VariableSpec = tuple[float, float] | TensorVariable


def variable_range(spec: VariableSpec) -> tuple[float, float]:
    return spec.range if isinstance(spec, TensorVariable) else spec


class Mistake(_Strict):
    answer: Text | list[Text]
    feedback: Annotated[str, Field(min_length=1, max_length=2000)]

    @field_validator("answer", mode="before")
    @classmethod
    def coerce_answer(cls, v: Any) -> Any:
        return [as_text(x) for x in v] if isinstance(v, list) else as_text(v)


class SelfTests(_Strict):
    accept: list[Text | list[Text]] = Field(default_factory=list, max_length=100)
    reject: list[Text | list[Text]] = Field(default_factory=list, max_length=100)

    @field_validator("accept", "reject", mode="before")
    @classmethod
    def coerce_answers(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [[as_text(y) for y in x] if isinstance(x, list) else as_text(x) for x in v]
        return v


Module = Literal["numpy", "math", "torch"]
DEFAULT_MODULES: tuple[Module, ...] = ("numpy", "math")
CodeText = Annotated[str, Field(min_length=1, max_length=MAX_CODE)]


class CodeReject(_Strict):
    """A wrong implementation and the bug the diagnosis must name (``bug: null``: any)."""

    code: CodeText
    bug: str | None = None


class CodeTests(_Strict):
    accept: list[CodeText] = Field(default_factory=list, max_length=20)
    reject: list[CodeReject] = Field(default_factory=list, max_length=20)


class CodeSpec(_Strict):
    """What a code part asks: a Python function whose outputs are the gradients of ``of``
    with respect to ``wrt`` (in order), called with ``args`` (variables, and ``upstream``: the
    gradient flowing into ``of`` from above when ``of`` is not a number)."""

    function: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z_0-9]*$", max_length=64)]
    args: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1, max_length=MAX_VARIABLES)
    returns: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1, max_length=8)
    upstream: str | None = None
    starter: Annotated[str, Field(max_length=MAX_CODE)] = ""
    modules: list[Module] = Field(default_factory=lambda: list(DEFAULT_MODULES), max_length=3)
    checks: int = Field(default=5, ge=1, le=12)  # generated inputs (K)
    edges: dict[str, list[float]] = Field(default_factory=dict, max_length=MAX_VARIABLES)
    integers: list[str] = Field(default_factory=list, max_length=MAX_VARIABLES)  # class labels
    time_limit_s: float = Field(default=5.0, gt=0, le=60, allow_inf_nan=False)
    tests: CodeTests | None = None


SkillList = list[Annotated[str, Field(max_length=64)]]  # ids of the skill map (skills.yaml)
MAX_SKILLS = 20

MAX_HINTS = 10
MAX_STEPS = 12
MAX_USES = 8
DEFAULT_HINT_PENALTY = 0.1
DEFAULT_STEP_PENALTY = 0.2
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
PartId = Annotated[str, Field(pattern=PART_ID, max_length=64)]


class HintSpec(_Strict):
    """One hint: Markdown revealed on request, and the share of the part's points it costs
    (taken only when the part is then answered right)."""

    text: localized(2000, least=1)  # type: ignore[valid-type]
    penalty: Share = DEFAULT_HINT_PENALTY


class StepSpec(_Strict):
    """A smaller part a student may open: the derivative of ``of`` with respect to the name
    ``wrt`` (a variable or a defined name), every other name ``of``'s definition mentions held
    fixed when ``wrt`` is one of them (a local derivative on an edge of the graph)."""

    of: Annotated[str, Field(max_length=64)]
    wrt: Annotated[str, Field(max_length=64)]


class PartSpec(_Strict):
    id: PartId
    kind: Literal["value", "expression", "gradient", "code"]
    of: str
    wrt: str | list[str]
    at: dict[str, float | list[Any]] | None = None  # a nested list for a tensor
    points: float = Field(default=1.0, gt=0, le=1000, allow_inf_nan=False)
    tolerance: Tolerance | None = None
    mistakes: list[Mistake] = Field(default_factory=list, max_length=50)
    tests: SelfTests | None = None
    code: CodeSpec | None = None  # kind: code only
    skills: SkillList | None = Field(default=None, max_length=MAX_SKILLS)  # None: the exercise's

    # Earlier parts this one builds on (follow-through credit); None: inferred from the graph
    uses: list[PartId] | None = Field(default=None, max_length=MAX_USES)
    # Steps a student may open (None or true: generated from the graph; false: none)
    steps: list[StepSpec] | bool | None = Field(default=None)
    step_penalty: Share | None = None  # the share of the points opening the steps costs
    hints: list[HintSpec] = Field(default_factory=list, max_length=MAX_HINTS)

    @field_validator("steps", mode="before")
    @classmethod
    def bound_steps(cls, v: Any) -> Any:
        if isinstance(v, list) and len(v) > MAX_STEPS:
            raise ValueError(f"at most {MAX_STEPS} steps")
        return v

    @field_validator("hints", mode="before")
    @classmethod
    def coerce_hints(cls, v: Any) -> Any:
        """A hint written as plain text costs the default penalty."""
        if isinstance(v, list):
            return [{"text": x} if isinstance(x, str) else x for x in v]
        return v

    @property
    def wrt_list(self) -> list[str]:
        return [self.wrt] if isinstance(self.wrt, str) else list(self.wrt)


class ExerciseSpec(_Strict):
    id: Annotated[str, Field(pattern=SLUG, max_length=64)]
    title: localized(200, least=1)  # type: ignore[valid-type]
    statement: localized(20_000) = ""  # type: ignore[valid-type]
    language: LanguageTag = "en"  # the language of its plain texts, and its default
    skills: SkillList = Field(default_factory=list, max_length=MAX_SKILLS)  # what it practises
    variables: dict[str, VariableSpec] = Field(min_length=1, max_length=MAX_VARIABLES)
    params: dict[str, ParamSpec] = Field(default_factory=dict, max_length=MAX_VARIABLES)
    define: dict[str, Text] = Field(min_length=1, max_length=MAX_DEFINES)
    tolerance: Tolerance | None = None
    # {N: [1, 3, 5]}: shapes may use N, the batch dimension; code checks use each size,
    # everything else the first
    batch: dict[str, list[Annotated[int, Field(ge=1, le=MAX_BATCH)]]] | None = Field(
        default=None, max_length=1
    )
    parts: list[PartSpec] = Field(min_length=1, max_length=MAX_PARTS)
    # The share of a part's points a later answer earns when it is right given the student's
    # own wrong earlier answer (follow-through; 0: none)
    follow_through: Share = 1.0
    step_penalty: Share = DEFAULT_STEP_PENALTY

    @field_validator("define", mode="before")
    @classmethod
    def coerce_defines(cls, v: Any) -> Any:
        return {k: as_text(x) for k, x in v.items()} if isinstance(v, dict) else v


class GenerateSpec(_Strict):
    """A template's ``generate:``: which grammar draws the function, and its options."""

    grammar: str
    mistake: Annotated[str, Field(max_length=64)]  # the diagnosis its classic mistake must get
    functions: list[Annotated[str, Field(max_length=32)]] | None = Field(
        default=None, min_length=1, max_length=12
    )
    degree: tuple[Annotated[int, Field(ge=0, le=6)], Annotated[int, Field(ge=0, le=6)]] | None = (
        None
    )
    coefficients: tuple[Annotated[int, Field(ge=-9, le=9)], Annotated[int, Field(ge=-9, le=9)]] = (
        -5,
        5,
    )
    shape: tuple[Annotated[int, Field(ge=1, le=6)], Annotated[int, Field(ge=1, le=6)]] | None = None


class TemplateSpec(_Strict):
    """An exercise template: what it practises, and how each exercise is drawn."""

    id: Annotated[str, Field(pattern=SLUG, max_length=48)]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    skills: SkillList = Field(min_length=1, max_length=MAX_SKILLS)
    generate: GenerateSpec
