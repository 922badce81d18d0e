"""The grading engine: a pure library (no Flask, no database).

Typical use::

    ex = load_exercise(yaml_text, source="chain.yaml")      # raises ExerciseInvalid
    result = grade(ex, {"dz": "20x"}, seed=7)               # never raises for bad answers
    result.to_dict()  # {"score", "max_score", "parts": {id: {"correct", ...}}}
"""

from .assistance import grade, grade_batch
from .check import Grade, PartResult, Preview, parse_answer, preview
from .curves import Curves, curves
from .exercise import Exercise, Part
from .expr import MAX_DEPTH, MAX_LENGTH, MAX_NODES, ParseError, parse
from .instance import SamplingError
from .loading import ExerciseInvalid, Problem, load_exercise, load_exercise_file
from .render import to_latex, to_mathml, to_text
from .selftest import run_self_tests

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "Curves",
    "Exercise",
    "ExerciseInvalid",
    "Grade",
    "ParseError",
    "Part",
    "PartResult",
    "Preview",
    "Problem",
    "SamplingError",
    "curves",
    "grade",
    "grade_batch",
    "load_exercise",
    "load_exercise_file",
    "parse",
    "parse_answer",
    "preview",
    "run_self_tests",
    "to_latex",
    "to_mathml",
    "to_text",
]
