"""No answer or exercise of the allowed size can make the engine do unbounded work.

Regression tests for the three ways a 40-character answer used to hold a process for seconds
or hours (regex backtracking in the label skipper, exact big-integer powers of int params,
exponential word splitting), and for the bounds that make the class impossible. Nothing here
measures time: work is bounded by construction and checked structurally (no nested
quantifiers, floats only, piece look-ups counted); the pytest timeout below only turns a
regression into a failure instead of a hung suite.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path
from re import _constants as sre_constants

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.engine import (
    MAX_LENGTH,
    ParseError,
    grade,
    grade_batch,
    load_exercise,
    parse,
    preview,
    run_self_tests,
)
from grader.engine.autograd import evaluate
from grader.engine.budget import MAX_DIAGNOSIS_WORK, diagnosis_budget
from grader.engine.curves import curves
from grader.engine.expr import MAX_NODES, MAX_SPLIT_WORD, node_count, split_word
from grader.engine.instance import MAX_REFERENCE_WORK
from grader.engine.labels import MAX_LABEL, label_end
from grader.engine.loading import ExerciseInvalid
from grader.engine.schema import MAX_DEFINES, MAX_PARTS, MAX_VARIABLES
from tests.helpers import make_exercise

from .counting import FIXED_CALLS, GRADE_CALLS_PER_CHAR, PARSE_CALLS_PER_CHAR, CallCounter
from .worst_exercises import chain_exercise, gradient_exercise

pytestmark = pytest.mark.timeout(120)

ENGINE = Path(__file__).resolve().parents[2] / "grader" / "engine"


# ---------------------------------------------------------------- 1. the label skipper

ADVERSARIAL_LABELS = {
    "dd-run": "dy/" + "dd" * 2000 + "!",
    "dd-run-36": "dy/" + "dd" * 36 + "!",
    "d-run": "d" * MAX_LENGTH,
    "partial-run": "\u2202" * MAX_LENGTH,
    "primes": "y" + "'" * (MAX_LENGTH - 1),
    "underscores": "z" + "_" * (MAX_LENGTH - 2) + "x",
    "spaces": " " * (MAX_LENGTH - 1) + "=",
    "dx-spaces": "dy/" + "dx " * 1300,
    "d-spaces": "dy / " + "d " * 1990,
    "word-run": "dz/d" + "x" * (MAX_LENGTH - 5),
    "repeated-labels": "y' = " * 800,
}


@pytest.mark.parametrize("text", list(ADVERSARIAL_LABELS.values()), ids=list(ADVERSARIAL_LABELS))
def test_adversarial_label_text_is_read_or_refused(tutorial, text):
    """Each used to backtrack (exponentially in the run of d's); now a hand scanner reads it."""
    ex = tutorial["chain"]
    result = grade(ex, {"dz-formula": text}).parts["dz-formula"]
    assert result.correct is False
    assert result.error is not None


def test_the_label_scanner_reads_only_the_start_of_the_answer():
    assert label_end("dz/dx = 20x") == len("dz/dx =")
    # a label cannot be longer than MAX_LABEL, whatever follows it
    long_name = "d" + "z" * MAX_LABEL + "/dx = 20x"
    assert label_end(long_name) == 0
    assert label_end("z" * (MAX_LABEL - 3) + "' = 1") == MAX_LABEL
    assert label_end("z" * (MAX_LABEL - 2) + "' = 1") == 0


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("dz/dx = 20x", 7),
        ("d^2y/dx^2 = 3", 11),
        ("\u2202z/\u2202x \u2202y = 1", 10),
        ("dz/dxdy=1", 8),
        ("f''(t) = 1", 8),
        ("z_{x} = 1", 7),
        ("dz_x/dx = 1", 9),
        ("y == 3", 0),
        ("dy/ = 3", 0),
        ("z_x1 = 2", 0),
    ],
)
def test_labels_students_write_are_read_past(text, end):
    assert label_end(text) == end


def test_only_one_label_is_read_past(tutorial):
    result = grade(tutorial["chain"], {"dz-formula": "dz/dx = z_x = 20x"}).parts["dz-formula"]
    assert "right-hand side" in result.error
    assert result.error.startswith("column 13:")  # the second '=', counted in the whole text


# ---------------------------------------------------------------- the regex audit


def _engine_regexes() -> list[tuple[str, str]]:
    """Every regular expression written as a literal in grader/engine (file, pattern)."""
    found = []
    for path in sorted(ENGINE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.args
            ):
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append((path.name, arg.value))
    return found


def _verbose(pattern: str) -> int:
    return re.VERBOSE if "\n" in pattern else 0


def _unbounded_repeats(parsed, inside: bool = False) -> list[str]:
    """Unbounded quantifiers nested inside another unbounded quantifier."""
    bad = []
    for op, arg in parsed:
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            lo, hi, sub = arg
            unbounded = hi == sre_constants.MAXREPEAT or hi > 64
            if unbounded and inside:
                bad.append(str(sub))
            bad += _unbounded_repeats(sub, inside or unbounded)
        elif op in (sre_constants.SUBPATTERN, sre_constants.ATOMIC_GROUP):
            bad += _unbounded_repeats(arg[-1], inside)
        elif op == sre_constants.BRANCH:
            for branch in arg[1]:
                bad += _unbounded_repeats(branch, inside)
        elif op == sre_constants.POSSESSIVE_REPEAT:
            bad += _unbounded_repeats(arg[2], True)
    return bad


def test_the_engine_regexes_are_found():
    # the audit below would pass vacuously if the search found nothing
    assert len(_engine_regexes()) >= 4


@pytest.mark.parametrize("source,pattern", _engine_regexes())
def test_no_engine_regex_nests_unbounded_quantifiers(source, pattern):
    """Nested quantifiers (``(a+)+``, ``(\\s*\\w+)*``) are what backtracks exponentially."""
    parsed = re._parser.parse(pattern, _verbose(pattern))
    assert _unbounded_repeats(parsed) == [], f"{source}: {pattern!r}"


HOSTILE_TEXT = [
    "d" * MAX_LENGTH,
    "dd" * (MAX_LENGTH // 2 - 1) + "!",
    "\u2202" * MAX_LENGTH,
    "'" * MAX_LENGTH,
    " " * MAX_LENGTH,
    "x" + " " * (MAX_LENGTH - 1),
    "1" * MAX_LENGTH,
    "1e" * (MAX_LENGTH // 2),
    "1." * (MAX_LENGTH // 2),
    "e+" * (MAX_LENGTH // 2),
    "a1" * (MAX_LENGTH // 2),
    "_" * MAX_LENGTH,
    "log_" * (MAX_LENGTH // 4),
    "{k}" * (MAX_LENGTH // 3),
    "{" * MAX_LENGTH,
]


@pytest.mark.parametrize("source,pattern", _engine_regexes())
def test_every_engine_regex_handles_hostile_text_of_the_maximum_size(source, pattern):
    regex = re.compile(pattern, _verbose(pattern))
    for text in HOSTILE_TEXT:
        regex.search(text)
        regex.fullmatch(text)
        regex.findall(text)


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_hostile_text_of_the_maximum_size_parses_or_is_refused(text):
    try:
        parse(text, ("x", "y", "xy", "k"))
    except ParseError:
        pass


# ---------------------------------------------------------------- 3. word splitting


def _brute_force_splits(word: str, vocab: set[str]) -> list[list[str]]:
    if not word:
        return [[]]
    return [
        [word[:i], *rest]
        for i in range(1, len(word) + 1)
        if word[:i] in vocab
        for rest in _brute_force_splits(word[i:], vocab)
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="xyq", min_size=1, max_size=12),
    st.sampled_from([("x", "y", "xy"), ("x", "xx", "xxx"), ("x", "y"), ("xy", "yx", "x")]),
)
def test_a_word_is_split_exactly_when_one_split_exists(word, names):
    vocab = {*names, "pi", "e"}
    splits = [s for s in _brute_force_splits(word, vocab) if len(s) > 1]
    expected = splits[0] if len(splits) == 1 else None
    assert split_word(word, names, allow_function_last=False) == expected


@pytest.mark.parametrize(
    ("names", "word"),
    [
        (("x", "y", "xy"), "xy" * 19 + "xq"),
        (("x", "y", "xy"), "xy" * 20),
        (("x", "xx", "xxx"), "x" * 30),
        (("x", "xx", "xxx"), "x" * MAX_SPLIT_WORD),
        (("x", "xx", "xxx"), "x" * (MAX_SPLIT_WORD - 1) + "q"),
    ],
)
def test_words_with_exponentially_many_splits_are_not_split(names, word):
    """Each of these took seconds to hours: every split was enumerated."""
    assert split_word(word, names, allow_function_last=True) is None


def test_ten_ambiguous_words_in_one_answer_are_refused():
    ex = make_exercise(
        """
        id: t
        title: T
        variables: {x: [1, 2], y: [1, 2]}
        define: {xy: x*y, f: x*y}
        parts:
          - {id: a, kind: expression, of: f, wrt: x}
        """
    )
    answer = " + ".join(["xy" * 19 + "xq"] * 10)
    result = grade(ex, {"a": answer}).parts["a"]
    assert "unknown name" in result.error
    with pytest.raises(ParseError):
        preview(ex, "a", answer)


def test_a_unique_split_is_still_found():
    assert split_word("xyz", ("x", "y", "z"), allow_function_last=False) == ["x", "y", "z"]
    assert split_word("pix", ("x",), allow_function_last=False) == ["pi", "x"]
    assert split_word("xsin", ("x",), allow_function_last=True) == ["x", "sin"]
    assert split_word("xsin", ("x",), allow_function_last=False) is None


# ---------------------------------------------------------------- 2. int params


@functools.cache
def _int_param_exercise():
    return make_exercise(
        """
        id: t
        title: T
        variables: {x: [1, 2]}
        params: {k: {int: [2, 5]}, m: {choice: [2, 3]}}
        define: {f: k*x^2 + m*x}
        parts:
          - {id: a, kind: expression, of: f, wrt: x}
          - {id: b, kind: value, of: f, wrt: x, at: {x: 1}}
        """
    )


TOWERS = {
    "k-tower-40": "k^(" + "*".join(["k"] * 40) + ")",
    "k-times-1000": " ".join(["k"] * 1000),
    "k-power-tower": "^".join(["k"] * 40),
    "m-tower": "(m*m*m*m*m*m*m*m)^(" + "*".join(["m"] * 60) + ")",
    "mixed": "x^(" + "*".join(["k"] * 40) + ") - k^k^k^k^k",
}


@pytest.mark.parametrize("answer", list(TOWERS.values()), ids=list(TOWERS))
def test_powers_of_int_params_are_graded_previewed_and_plotted(answer):
    """An exact integer power of k (5^5^40) used to run for hours in the pool and the plot."""
    ex = _int_param_exercise()
    for seed in range(3):
        result = grade(ex, {"a": answer, "b": answer}, seed=seed)
        assert result.parts["a"].correct is False
        assert result.parts["a"].error is None
        preview(ex, "a", answer)
        plot = curves(ex, seed, "a", answer)
        assert len(plot.answer) == len(plot.xs)


def test_params_enter_every_computation_as_floats():
    ex = _int_param_exercise()
    inst = ex.instance(0)
    assert isinstance(inst.param_values["k"], int)  # shown to the student as drawn
    value = evaluate(parse("k*k*k", ex.scope), inst.param_values)
    assert type(value) is float
    assert evaluate(parse("k^(k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k)", ex.scope), {"k": 5}) == (
        float("inf")
    )


def test_a_tower_of_int_params_in_a_definition_is_refused_not_computed():
    """The instructor's ``define`` is evaluated in floats too: inf, so a clear error."""
    with pytest.raises(ExerciseInvalid) as err:
        make_exercise(
            """
            id: t
            title: T
            variables: {x: [1, 2]}
            params: {k: {int: [2, 5]}}
            define: {f: x*k^(k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k*k)}
            parts:
              - {id: a, kind: expression, of: f, wrt: x}
            """
        )
    assert "finite" in str(err.value)


@pytest.mark.parametrize(
    "spec",
    [
        "{int: [100000000000000000000000000000, 200000000000000000000000000000]}",
        "{int: [1.0e+29, 2.0e+29]}",
        "{int: [1e29, 2e29]}",
        "{choice: [2, 100000000000000000000000000000]}",
        "{choice: [.inf]}",
        "{uniform: [0, .inf]}",
        "{uniform: [-1.0e+300, 1.0e+300]}",
    ],
)
def test_params_beyond_the_float_range_are_refused(spec):
    text = f"""
        id: t
        title: T
        variables: {{x: [1, 2]}}
        params: {{k: {spec}}}
        define: {{f: k*x}}
        parts:
          - {{id: a, kind: expression, of: f, wrt: x}}
        """
    with pytest.raises(ExerciseInvalid) as err:
        make_exercise(text)
    assert "params.k" in str(err.value)


# ---------------------------------------------------------------- exercise text


def test_yaml_nested_20000_deep_is_refused_at_once():
    for text in (
        "a: " + "[" * 20_000 + "]" * 20_000,
        "a: " + "{a: " * 20_000 + "}" * 20_000,
        "- " * 20_000 + "x",
        "".join("  " * i + "k:\n" for i in range(200)),
    ):
        with pytest.raises(ExerciseInvalid) as err:
            load_exercise(text)
        assert "nested too deeply" in str(err.value)
        assert len(str(err.value)) < 200  # one line, not a traceback


NUL_TEMPLATE = """
id: t
title: "T{title}"
statement: "Let y = 2x^2.{statement}"
variables: {{x: [1, 2]}}
define: {{y: "2*x^2{define}"}}
parts:
  - id: a
    kind: expression
    of: y
    wrt: x
    mistakes:
      - {{answer: "2*x{answer}", feedback: "Bring the exponent down.{feedback}"}}
    tests: {{accept: ["4x{test}"]}}
"""
NUL_FIELDS = ["title", "statement", "define", "answer", "feedback", "test"]


def test_the_nul_template_loads_without_a_nul():
    load_exercise(NUL_TEMPLATE.format(**dict.fromkeys(NUL_FIELDS, "")))


@pytest.mark.parametrize("field", NUL_FIELDS)
@pytest.mark.parametrize("escape", ["\\0", "\\x00", "\\u0000"])
def test_a_nul_character_in_any_text_field_is_refused_with_its_place(field, escape):
    """PostgreSQL cannot store NUL in text: refused at validation, so on every database."""
    values = dict.fromkeys(NUL_FIELDS, "")
    values[field] = escape
    with pytest.raises(ExerciseInvalid) as err:
        load_exercise(NUL_TEMPLATE.format(**values))
    assert "NUL" in str(err.value)


def test_a_raw_nul_byte_is_refused_with_its_line():
    with pytest.raises(ExerciseInvalid) as err:
        load_exercise("id: t\ntitle: a\x00b\n")
    assert ":2:" in str(err.value) and "NUL" in str(err.value)


# ---------------------------------------------------------------- instructor exercises


def test_an_exercise_whose_references_exceed_the_work_budget_is_refused_before_computing():
    """100 chained definitions with 50 fourth-derivative parts took minutes per student."""
    with pytest.raises(ExerciseInvalid) as err:
        load_exercise(chain_exercise(100, 50, 4))
    message = str(err.value)
    assert "too large to check quickly" in message
    # refused at the first backward pass that would cross the budget, not after all of them
    work = int(re.search(r"takes (\d+)", message).group(1))
    assert MAX_REFERENCE_WORK < work < 2 * MAX_REFERENCE_WORK


@pytest.mark.parametrize("args", [(100, 5, 2), (20, 50, 1)])
def test_an_accepted_exercise_draws_each_instance_within_the_budget(args):
    ex = load_exercise(chain_exercise(*args), validated=True)
    for seed in (0, 3):
        assert 0 < ex.instance(seed, budget=MAX_REFERENCE_WORK).work <= MAX_REFERENCE_WORK


def test_parts_asking_for_the_same_derivatives_share_the_work():
    one = load_exercise(chain_exercise(20, 1, 3), validated=True).instance(0, budget=10**9)
    # 50 parts: the same third derivative and its lower orders, which are steps towards it
    more = "".join(_same_parts(16, order, "y19", f"o{order}-") for order in (1, 2, 3))
    text = chain_exercise(20, 1, 3).replace("parts:\n", "parts:\n" + more)
    many = load_exercise(text, validated=True).instance(0, budget=10**9)
    assert many.work == one.work


@pytest.mark.parametrize(
    ("key", "entry", "limit"),
    [
        ("parts", "  - {{id: p{j}, kind: expression, of: y, wrt: x}}", MAX_PARTS),
        ("define", "  d{j}: x", MAX_DEFINES),
        ("variables", "  v{j}: [1, 2]", MAX_VARIABLES),
        ("params", "  k{j}: {{int: [1, 2]}}", MAX_VARIABLES),
    ],
)
def test_the_size_limits_are_enforced(key, entry, limit):
    """Each bounds the work an exercise costs; the piecewise validation used to miss them."""
    sections = {
        "variables": ["  x: [1, 2]"],
        "params": ["  k: {int: [1, 2]}"],
        "define": ["  y: x^2"],
        "parts": ["  - {id: a, kind: expression, of: y, wrt: x}"],
    }
    sections[key] += [entry.format(j=j) for j in range(limit)]
    text = "id: t\ntitle: T\n" + "".join(
        f"{name}:\n" + "\n".join(lines) + "\n" for name, lines in sections.items() if lines
    )
    with pytest.raises(ExerciseInvalid) as err:
        load_exercise(text, validated=True)
    assert f"{key}: at most {limit} entries (got {limit + 1})" in str(err.value)


def _same_parts(n: int, order: int, of: str, prefix: str) -> str:
    wrt = "[" + ", ".join(["x"] * order) + "]"
    return "".join(
        f"  - {{id: {prefix}{j}, kind: expression, of: {of}, wrt: {wrt}}}\n" for j in range(n)
    )


def test_a_stored_exercise_loads_without_drawing_instances():
    text = chain_exercise(20, 50, 1)
    ex = load_exercise(text, validated=True)
    assert len(ex._instances) == 0


@functools.cache
def _gradient():
    return load_exercise(gradient_exercise(), validated=True)


def _wrong_to_every_box(ex) -> dict:
    return {p.id: ", ".join(f"{c + 2}*v0" for c in range(len(p.components))) for p in ex.parts}


def test_one_submission_spends_at_most_the_diagnosis_budget():
    """20 variables x 50 gradient parts: one wrong submission took 26 s of pool time."""
    ex = _gradient()
    answers = _wrong_to_every_box(ex)
    with diagnosis_budget() as left:
        first = grade(ex, answers, seed=5)
    assert 0 <= left[0] < MAX_DIAGNOSIS_WORK  # spent, and never past it
    assert not any(p.correct for p in first.parts.values())  # (follow-through may credit some)
    built = len(ex.instance(5).cache.candidates)
    assert 0 < built < 50 * 20  # the budget ran out before every box was diagnosed
    # the next submission diagnoses boxes the first did not reach
    grade(ex, answers, seed=5)
    assert len(ex.instance(5).cache.candidates) > built


def test_a_batch_gives_each_submission_its_own_diagnosis_budget():
    ex = _gradient()
    answers = _wrong_to_every_box(ex)
    results = grade_batch(ex, [(answers, 11), (answers, 12)])
    assert not any(p.correct for r in results for p in r.parts.values())
    assert ex.instance(11).cache.candidates and ex.instance(12).cache.candidates


def test_diagnosis_cut_short_is_still_right_about_the_verdict_and_cheap_mistakes(tutorial):
    ex = tutorial["chain"]
    with diagnosis_budget(0):
        result = grade(ex, {"dz-formula": "-20x"}, seed=1).parts["dz-formula"]
    assert result.correct is False
    assert result.diagnosis == "sign"  # found without candidates


def test_self_tests_share_one_diagnosis_budget(monkeypatch):
    import grader.engine.diagnose as diagnose_module

    opened = []
    real = diagnose_module.diagnosis_budget

    def spy(*args, **kwargs):
        opened.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr("grader.engine.selftest.diagnosis_budget", spy)
    text = chain_exercise(20, 3, 1).replace(
        "wrt: [x]}", "wrt: [x], tests: {reject: ['1', '2', '3', 'x']}}"
    )
    assert run_self_tests(load_exercise(text)) == []
    assert len(opened) == 1


# ---------------------------------------------------------------- the property


@functools.cache
def _names_exercise():
    """Names that glue together (x, xx, xxx, y, xy), an int param, a gradient part."""
    ex = make_exercise(
        """
        id: t
        title: T
        variables: {x: [1, 2], y: [1, 2], xx: [1, 2]}
        params: {k: {int: [2, 5]}}
        define: {xy: x*y, xxx: x*xx, f: k*x^2*y + xy + xxx}
        parts:
          - {id: a, kind: expression, of: f, wrt: x}
          - {id: b, kind: gradient, of: f, wrt: [x, y]}
        """
    )
    for seed in range(3):  # instances and diagnosis candidates: made once, not per answer
        grade(ex, {"a": "dz/dx = xyk", "b": "x, y"}, seed=seed)
    preview(ex, "a", "xsin(y)")  # and whatever is imported on first use
    return ex


TERMS = [
    "x", "y", "xy", "k", "xx", "xxx", "(2)", "(1.5)", "e", "pi", "xyxyxyxyx", "k^k", "kkkk",
    "k k k", "sin(x)", "exp(xy)", "sqrt(y)", "x^(1/3)", "\u03c0x", "2x\u00b2", "(x+y)",
    "[xy - k]", "xsin(y)", "e^x(2x+y)", "abs(x)", "log(xx)", "k^(k*k*k*k*k*k*k*k)",
]  # fmt: skip
NOISE = [
    "d", "dd", "\u2202", "'", "/", "=", " ", "_", ",", "|", ".", "(", ")", "{", "]", "1e5",
    "dy/", "xyxyxyxyq", "\u221a", "\u00b2", "!", "\x00",
]  # fmt: skip
OPERATORS = ["+", "-", "*", "/", " ", "^"]


@st.composite
def answers_of_the_maximum_size(draw):
    """Formulas of names that glue, towers of the int param, labels and noise, repeated to
    half or all of MAX_LENGTH: many are read, many are refused, all are adversarial."""
    label = draw(st.sampled_from(["", "dz/dx = ", "f'(x) = ", "\u2202f/\u2202x = ", "f_x = "]))
    pool = st.sampled_from(TERMS + NOISE) if draw(st.booleans()) else st.sampled_from(TERMS)
    piece = st.tuples(pool, st.sampled_from(OPERATORS)).map("".join)
    motif = "".join(draw(st.lists(piece, min_size=1, max_size=30)))
    size = draw(st.sampled_from([MAX_LENGTH // 2, MAX_LENGTH]))
    body = motif * (size // len(motif) + 1)
    return (label + body)[:size].rstrip("+-*/^ ") or "x"


@settings(max_examples=30, deadline=None)
@given(answers_of_the_maximum_size(), st.integers(0, 2))
def test_every_answer_of_the_maximum_size_is_read_graded_and_diagnosed_within_its_bound(text, seed):
    ex = _names_exercise()
    with CallCounter() as parsing:
        try:
            shown = preview(ex, "a", text)
        except ParseError:
            shown = None
    assert parsing.calls <= FIXED_CALLS + PARSE_CALLS_PER_CHAR * len(text)
    if shown is not None:
        node = parse(text[label_end(text) :], ex.scope)
        assert node_count(node) <= MAX_NODES
        assert shown.text and shown.latex and shown.mathml
    with CallCounter() as grading, diagnosis_budget() as left:
        result = grade(ex, {"a": text, "b": f"{text}, {text[:200]}"}, seed=seed)
    assert grading.calls <= FIXED_CALLS + GRADE_CALLS_PER_CHAR * len(text)
    assert left[0] >= 0
    part = result.parts["a"]
    assert (part.error is None) == (shown is not None)
    assert part.correct in (True, False)
