"""The grading engine: a pure library (no Flask, no database).

Typical use::

    ex = load_exercise(yaml_text, source="chain.yaml")      # raises ExerciseInvalid
    result = grade(ex, {"dz": "20x"}, seed=7)               # never raises for bad answers
    result.to_dict()  # {"score", "max_score", "parts": {id: {"correct", ...}}}
"""

from .check import Grade, PartResult, Preview, grade, parse_answer, preview
from .exercise import Exercise, ExerciseInvalid, Part, Problem, load_exercise, load_exercise_file
from .expr import MAX_DEPTH, MAX_LENGTH, MAX_NODES, ParseError, parse
from .render import to_latex, to_mathml, to_text
from .selftest import run_self_tests

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "Exercise",
    "ExerciseInvalid",
    "Grade",
    "ParseError",
    "Part",
    "PartResult",
    "Preview",
    "Problem",
    "grade",
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
