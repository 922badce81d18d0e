"""What the grading services answer (see grader.services.results)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from grader.services.results import Result


class SolutionNode(Result):
    name: str
    kind: str = Field(description="variable, param, define; at the ops level op or leaf")
    expression: str | None = Field(description="a define's formula; null for inputs")
    value: float | None = Field(description="at the part's point (null in a hint)")


class LocalDerivative(Result):
    text: str | None
    value: float | None


class SolutionEdge(Result):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    local: LocalDerivative = Field(description="the local derivative ∂to/∂from")


class SolutionPath(Result):
    nodes: list[str]
    product: float | None
    text: str


class HighlightEdge(Result):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str


class Highlight(Result):
    """Where the student's mistake is, on the graph."""

    edges: list[HighlightEdge]
    nodes: list[str]
    reason: str | None


class SolutionGraph(Result):
    """A part's worked solution: its computation graph, each path's chain-rule product and
    the total."""

    exercise: str
    part: str
    of: str
    wrt: str
    level: str = Field(description="names (the define chain) or ops (torch's operations)")
    point: dict[str, float]
    nodes: list[SolutionNode]
    edges: list[SolutionEdge]
    paths: list[SolutionPath]
    path_count: int = Field(description="every path; at most 24 are listed")
    total: float | None
    note: str | None
    highlight: Highlight
    values_shown: bool = Field(description="false: a structure hint, without values")
