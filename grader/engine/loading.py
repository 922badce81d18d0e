"""Loading an exercise: safe YAML, validation with file:line: path errors, the parsed Exercise.

Validation reports every problem at once. Structure and unknown keys are checked by the
pydantic schema (`schema.py`); names, expressions (every one is parsed), ``wrt``/``at`` and
sampling are checked afterwards against the parsed exercise.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from . import code_spec, yamlsafe
from .exercise import Exercise, Part
from .expr import CONSTANTS, Expr, ParseError, canonical_function, node_count, parse
from .labels import split_answer
from .schema import (
    DEFAULT_CODE_TOLERANCE,
    DEFAULT_EXPRESSION_TOLERANCE,
    DEFAULT_VALUE_TOLERANCE,
    IDENT,
    MAX_DEFINE_NODES,
    MAX_TEST_ANSWERS,
    ExerciseSpec,
    ParamSpec,
    PartSpec,
    TensorVariable,
    Text,
    Tolerance,
    VariableSpec,
    as_text,
    variable_range,
)
from .shapes import Shape, ShapeError, check_declared, describe, infer
from .skills import skill_map
from .steps import check_steps, has_steps
from .uses import check_uses

# ---------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an exercise, located as file:line: path."""

    path: str
    message: str
    line: int | None = None
    source: str = "<exercise>"

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "message": self.message}


class ExerciseInvalid(ValueError):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def format_path(path: Iterable[str | int]) -> str:
    out = ""
    for piece in path:
        if isinstance(piece, int):
            out += f"[{piece}]"
        else:
            out += f".{piece}" if out else str(piece)
    return out


class _Collector:
    def __init__(self, loaded: yamlsafe.LoadedYaml | None, source: str):
        self.loaded = loaded
        self.source = source
        self.problems: list[Problem] = []

    def add(self, path: tuple, message: str, line: int | None = None) -> None:
        if line is None and self.loaded is not None:
            line = self.loaded.line_of(path)
        self.problems.append(Problem(format_path(path), message, line, self.source))


# ---------------------------------------------------------------------------- loading


def load_exercise_file(path: str | FsPath) -> Exercise:
    p = FsPath(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror}"
        raise ExerciseInvalid([Problem("", message, None, str(p))]) from None
    return load_exercise(data, source=str(p))


def load_exercise(
    text: str | bytes, source: str = "<exercise>", validated: bool = False
) -> Exercise:
    """Parse and validate an exercise; raises ``ExerciseInvalid`` listing every problem.

    ``validated``: the text passed this validation before (a stored version), so the sampling
    checks, which draw instances for several seeds, are skipped; everything else is checked."""
    try:
        loaded = yamlsafe.load(text)
    except yamlsafe.YamlError as exc:
        raise ExerciseInvalid(
            [Problem(format_path(exc.path), exc.message, exc.line, source)]
        ) from None
    raw = text.decode("utf-8") if isinstance(text, bytes) else text
    return _load_parsed(loaded, raw, source, validated)


def load_exercise_data(
    data: dict, text: str, source: str = "<exercise>", validated: bool = False
) -> Exercise:
    """``load_exercise`` of YAML already parsed: ``data`` is what ``text`` reads as (a
    generated exercise builds both; parsing its own text again would double its cost)."""
    return _load_parsed(yamlsafe.LoadedYaml(data), text, source, validated)


def _load_parsed(loaded: yamlsafe.LoadedYaml, raw: str, source: str, validated: bool) -> Exercise:
    errors = _Collector(loaded, source)
    for path, line in loaded.duplicates:
        errors.add(path, f"'{path[-1]}' is given twice", line)
    if not isinstance(loaded.data, dict):
        errors.add((), "an exercise is a mapping of keys (id, title, variables, define, parts)")
        raise ExerciseInvalid(errors.problems)
    if "generate" in loaded.data:
        errors.add(
            ("generate",),
            "this is an exercise template, not an exercise: draw an exercise from it with "
            "`python -m grader generate FILE --seed N`",
        )
        raise ExerciseInvalid(errors.problems)
    try:
        spec = ExerciseSpec.model_validate(loaded.data)
    except ValidationError as exc:
        # Report every structural problem, then go on checking what did validate.
        _report_sizes(exc, errors)
        spec = _validate_piecewise(loaded.data, errors)
    generic = spec
    code_spec.check_batch(spec, errors.add)
    batch = code_spec.batch_of(spec)
    if batch is not None and batch[1]:
        spec = code_spec.concrete(spec, batch[1][0])
    # Code parts draw their own inputs (class labels among them): sampled only for formulas.
    formulas = any(p is not None and p.kind != "code" for p in spec.parts)
    exercise = _check_semantics(spec, raw, errors, source, sample=formulas and not validated)
    if errors.problems:
        raise ExerciseInvalid(errors.problems)
    assert exercise is not None
    exercise.generic_spec = generic
    return exercise


def rebuild(exercise: Exercise, spec: ExerciseSpec) -> Exercise:
    """The exercise built from a variant of its (valid) spec, e.g. another batch size."""
    errors = _Collector(None, exercise.source)
    built = _check_semantics(spec, exercise.text, errors, exercise.source, sample=False)
    if built is None:
        raise ExerciseInvalid(errors.problems)
    return built


_SECTIONS: dict[str, tuple[Any, Any]] = {
    "variables": (VariableSpec, (0.0, 1.0)),
    "params": (ParamSpec, ParamSpec.model_construct(int_=(0, 0))),
    "define": (Text, "0"),
}


def _report_sizes(exc: ValidationError, errors: _Collector) -> None:
    """Too many (or no) parts, definitions, variables or params: the piecewise validation
    checks entries one by one and would not see these, which bound the exercise's work."""
    for err in exc.errors():
        if len(err["loc"]) == 1 and err["type"] in ("too_long", "too_short"):
            ctx = err.get("ctx", {})
            if err["type"] == "too_long":
                got = len(err["input"]) if hasattr(err.get("input"), "__len__") else "more"
                message = f"at most {ctx.get('max_length')} entries (got {got})"
            else:
                message = f"at least {ctx.get('min_length')} entry needed"
            errors.add(err["loc"], message)


def _validate_piecewise(data: dict, errors: _Collector) -> ExerciseSpec:
    """Validate each section and entry on its own, so one mistake hides no other.

    Entries that fail keep their name with a placeholder value (so references to them don't
    cascade into more errors); parts that fail are left out. Used only when the whole-document
    validation failed, so the exercise is rejected either way.
    """

    def report(exc: ValidationError, prefix: tuple) -> None:
        for err in exc.errors():
            errors.add(
                (*prefix, *err["loc"]), _pydantic_message({**err, "loc": (*prefix, *err["loc"])})
            )

    fields = ExerciseSpec.model_fields
    for key in data:
        if key not in fields:
            errors.add((key,), f"unknown key '{key}'")
    for key in ("id", "title", "variables", "define", "parts"):
        if key not in data:
            errors.add((key,), "this key is required")
    header = {k: data[k] for k in ("id", "title", "statement") if k in data}
    values: dict[str, Any] = {"id": "x", "title": "x", "statement": ""}
    for key, value in header.items():
        try:
            field = fields[key]
            annotated: Any = (
                Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
            )
            TypeAdapter(annotated).validate_python(value)
            values[key] = value
        except ValidationError as exc:
            report(exc, (key,))
    values["tolerance"] = None
    if data.get("tolerance") is not None:
        try:
            values["tolerance"] = Tolerance.model_validate(data["tolerance"])
        except ValidationError as exc:
            report(exc, ("tolerance",))
    for key, (kind, placeholder) in _SECTIONS.items():
        section = data.get(key) or {}
        if not isinstance(section, dict):
            errors.add((key,), "must be a mapping of names")
            section = {}
        adapter: TypeAdapter[Any] = TypeAdapter(kind)
        out = {}
        for name, raw_value in section.items():
            try:
                out[name] = adapter.validate_python(
                    as_text(raw_value) if key == "define" else raw_value
                )
            except ValidationError as exc:
                report(exc, (key, name))
                out[name] = placeholder
        values[key] = out
    parts = data.get("parts") or []
    if not isinstance(parts, list):
        errors.add(("parts",), "must be a list of parts")
        parts = []
    values["parts"] = []
    for i, raw_part in enumerate(parts):
        try:
            values["parts"].append(PartSpec.model_validate(raw_part))
        except ValidationError as exc:
            report(exc, ("parts", i))
            values["parts"].append(None)  # keeps the later parts' indices
    return ExerciseSpec.model_construct(**values)


def _pydantic_message(err: dict) -> str:
    kind = err.get("type", "")
    loc = err.get("loc", ())
    if kind == "extra_forbidden":
        return f"unknown key '{loc[-1]}'" if loc else "unknown key"
    if kind == "missing":
        return "this key is required"
    if kind == "literal_error":
        return f"must be one of {err['ctx']['expected']}"
    if kind == "string_pattern_mismatch":
        if loc and loc[0] == "parts":
            return "a part id is letters, digits, '-' and '_', starting with a letter or digit"
        return "must be a slug: lowercase letters, digits and '-', starting with a letter or digit"
    msg = err.get("msg", "invalid value")
    got = err.get("input")
    if isinstance(got, str | int | float) and len(str(got)) < 60:
        msg += f" (got {got!r})"
    return msg[:1].lower() + msg[1:]


def _check_name(name: str, path: tuple, errors: _Collector, what: str) -> bool:
    if not IDENT.match(name):
        errors.add(path, f"'{name}' is not a valid {what} name (letters, digits and _)")
        return False
    if canonical_function(name) or name in CONSTANTS:
        errors.add(path, f"'{name}' is a built-in function or constant; pick another {what} name")
        return False
    return True


def _parse_at(
    text: str,
    names: list[str],
    path: tuple,
    errors: _Collector,
    shapes: dict[str, Shape] | None = None,
) -> Expr | None:
    """Parse an instructor expression; with ``shapes``, check its shapes too."""
    try:
        node = parse(text, names, shapes or ())
        if shapes is not None:
            infer(node, shapes)
        return node
    except ParseError as exc:
        errors.add(path, f"{exc}\n    {exc.caret.replace(chr(10), chr(10) + '    ')}")
    except ShapeError as exc:
        errors.add(path, str(exc))
    return None


def _check_shape(shape: Any, path: tuple, errors: _Collector) -> Shape | None:
    problem = check_declared(shape)
    if problem is not None:
        errors.add((*path, "shape"), problem)
        return None
    return tuple(shape)


def _check_semantics(
    spec: ExerciseSpec, raw: str, errors: _Collector, source: str, sample: bool = True
) -> Exercise | None:
    names: list[str] = []
    shapes: dict[str, Shape] = {}
    for v, vs in spec.variables.items():
        if _check_name(v, ("variables", v), errors, "variable"):
            names.append(v)
        lo, hi = variable_range(vs)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            errors.add(("variables", v), f"the interval [{lo}, {hi}] must have low < high")
        if isinstance(vs, TensorVariable):
            shape = _check_shape(vs.shape, ("variables", v), errors)
            if shape is not None:
                shapes[v] = shape
    for p, ps in spec.params.items():
        path = ("params", p)
        if _check_name(p, path, errors, "param"):
            if p in spec.variables:
                errors.add(path, f"'{p}' is already a variable")
            else:
                names.append(p)
        given = [k for k in ("int_", "choice", "uniform") if getattr(ps, k) is not None]
        if len(given) != 1:
            errors.add(path, "give exactly one of int: [lo, hi], choice: [...], uniform: [lo, hi]")
        elif ps.int_ is not None and ps.int_[0] > ps.int_[1]:
            errors.add(path, "int: [lo, hi] needs lo <= hi")
        elif ps.uniform is not None and not ps.uniform[0] < ps.uniform[1]:
            errors.add(path, "uniform: [lo, hi] needs lo < hi")
        if ps.shape is not None:
            shape = _check_shape(ps.shape, path, errors)
            if shape is not None:
                shapes[p] = shape
    _check_skills(spec, errors)
    defines: list[tuple[str, Expr]] = []
    for d, text in spec.define.items():
        path = ("define", d)
        if not _check_name(d, path, errors, "defined"):
            continue
        if d in names:
            errors.add(path, f"'{d}' is already a variable or param")
            continue
        node = _parse_at(text, names, path, errors, shapes)
        names.append(d)
        if node is not None:
            defines.append((d, node))
            shape = infer(node, shapes)
            if shape:
                shapes[d] = shape
    total = sum(node_count(n) for _, n in defines)
    if total > MAX_DEFINE_NODES:
        errors.add(
            ("define",),
            f"the definitions are too large ({total} nodes; at most {MAX_DEFINE_NODES})",
        )
    tests = sum(
        len(p.tests.accept) + len(p.tests.reject) for p in spec.parts if p is not None and p.tests
    )
    if tests > MAX_TEST_ANSWERS:
        errors.add(("parts",), f"too many test answers ({tests}; at most {MAX_TEST_ANSWERS})")
    base = _tolerance(spec.tolerance, {})
    parts: list[Part] = []
    seen: set[str] = set()
    for i, part_spec in enumerate(spec.parts):
        if part_spec is None:
            continue
        part = _check_part(spec, part_spec, i, names, base, seen, errors, shapes)
        if part is not None:
            parts.append(part)
    if errors.problems:
        return None
    exercise = Exercise(spec, raw, defines, parts, source, shapes)
    exercise.builder = rebuild
    _check_assistance(exercise, errors)
    if errors.problems:
        return None
    if sample:
        _check_sampling(exercise, errors)
    return exercise


def _check_skills(spec: ExerciseSpec, errors: _Collector) -> None:
    """Every skill named is one of the skill map's (skills.yaml)."""
    known = skill_map()
    where: list[tuple[tuple, list[str]]] = [(("skills",), spec.skills)]
    where += [
        (("parts", i, "skills"), p.skills) for i, p in enumerate(spec.parts) if p and p.skills
    ]
    for path, names in where:
        for j, name in enumerate(names):
            if name not in known:
                errors.add(
                    (*path, j),
                    f"unknown skill '{name}' (the skills are: {', '.join(known.ids())})",
                )


def _check_assistance(exercise: Exercise, errors: _Collector) -> None:
    """A part's ``uses`` must name earlier parts it is a function of; its ``steps`` names
    it is built from (see follow.py and steps.py)."""
    for part in exercise.parts:
        problem = check_uses(exercise, part)
        if problem is not None:
            errors.add(("parts", part.index, "uses"), problem)
        written = part.spec.steps
        if isinstance(written, list) and written:
            if not has_steps(part):
                errors.add(
                    ("parts", part.index, "steps"),
                    "only value, expression and gradient parts of first derivatives have steps",
                )
            else:
                check_steps(exercise, part, written, errors.add)


def _tolerance(tol: Tolerance | None, inherited: dict) -> dict:
    out = dict(inherited)
    if tol is not None:
        out.update({k: v for k, v in tol.model_dump().items() if v is not None})
    return out


def _check_part(
    spec: ExerciseSpec,
    ps: PartSpec,
    i: int,
    names: list[str],
    base: dict[str, float],
    seen: set[str],
    errors: _Collector,
    shapes: dict[str, Shape],
) -> Part | None:
    path = ("parts", i)
    ok = True
    if ps.id in seen:
        errors.add((*path, "id"), f"part id '{ps.id}' is used twice")
        ok = False
    seen.add(ps.id)
    if ps.of not in spec.define:
        errors.add(
            (*path, "of"), f"'{ps.of}' is not a defined name (define: {', '.join(spec.define)})"
        )
        ok = False
    wrt = ps.wrt_list
    if not wrt:
        errors.add((*path, "wrt"), "name at least one variable")
        ok = False
    if ps.kind == "code":
        ok = code_spec.check_code_part(spec, ps, path, shapes, errors.add) and ok
    elif ps.code is not None:
        errors.add((*path, "code"), "only a part of kind: code takes 'code:'")
        ok = False
    if len(wrt) > 4 and ps.kind not in ("gradient", "code"):
        errors.add((*path, "wrt"), "at most 4 successive derivatives")
        ok = False
    for j, w in enumerate(wrt):
        wpath = (*path, "wrt") if isinstance(ps.wrt, str) else (*path, "wrt", j)
        if w not in spec.variables:
            errors.add(wpath, f"'{w}' is not a variable")
            ok = False
    if ps.kind in ("gradient", "code") and len(set(wrt)) != len(wrt):
        errors.add((*path, "wrt"), "a gradient names each variable once")
        ok = False
    if ps.kind == "value" and ps.at is None:
        errors.add((*path, "at"), "a value part needs 'at', the point to evaluate at")
        ok = False
    if ps.kind == "expression" and ps.at is not None:
        errors.add(
            (*path, "at"), "an expression part asks for a formula; use kind: value for a number"
        )
        ok = False
    if ps.of in shapes and ps.kind != "code":
        errors.add(
            (*path, "of"),
            f"'{ps.of}' is {describe(shapes[ps.of])}; a part asks for the derivative of a "
            "number (a loss), so give it a scalar such as sum(...) or mse(...)",
        )
        ok = False
    if any(w in shapes for w in wrt) and len(wrt) > 1 and ps.kind not in ("gradient", "code"):
        errors.add((*path, "wrt"), "derivatives with respect to a tensor are of first order")
        ok = False
    if ps.at is not None:
        for v, x in ps.at.items():
            if v not in spec.variables:
                errors.add((*path, "at", v), f"'{v}' is not a variable")
                ok = False
            else:
                problem = check_at_value(x, shapes.get(v, ()))
                if problem is not None:
                    errors.add((*path, "at", v), problem)
                    ok = False
    defaults = DEFAULT_VALUE_TOLERANCE if ps.at is not None else DEFAULT_EXPRESSION_TOLERANCE
    if ps.kind == "code":
        defaults = DEFAULT_CODE_TOLERANCE
    tol = _tolerance(ps.tolerance, {**defaults, **base})
    ncomp = len(wrt) if ps.kind in ("gradient", "code") else 1
    answer_names = names if ps.at is None else [n for n in names if n in spec.params]
    answer_shapes = {n: s for n, s in shapes.items() if n in answer_names}
    mistakes = []
    for j, m in enumerate(ps.mistakes):
        mpath = (*path, "mistakes", j, "answer")
        texts = m.answer if isinstance(m.answer, list) else [m.answer]
        if isinstance(m.answer, list) and len(texts) != ncomp:
            errors.add(mpath, f"give {ncomp} answers, one per variable in wrt")
            continue
        nodes = [_parse_at(t, answer_names, mpath, errors, answer_shapes) for t in texts]
        parsed = [n for n in nodes if n is not None]
        if len(parsed) == len(nodes):
            mistakes.append((tuple(parsed), m.feedback))
    if ps.tests is not None:
        for key in ("accept", "reject"):
            for j, answer in enumerate(getattr(ps.tests, key)):
                tpath = (*path, "tests", key, j)
                components = split_answer(answer, ncomp)
                if components is None:
                    errors.add(tpath, f"give {ncomp} answers, one per variable in wrt")
                    continue
                for t in components:
                    _parse_at(t, answer_names, tpath, errors, answer_shapes)
    if not ok:
        return None
    part_shapes = tuple(shapes.get(w[-1], ()) for w in ([[w] for w in wrt] if ncomp > 1 else [wrt]))
    return Part(ps, i, tol["rtol"], tol["atol"], tuple(mistakes), part_shapes, bool(shapes))


def check_at_value(x: Any, shape: Shape) -> str | None:
    """Why ``x`` is not a finite value of ``shape`` (a number, or nested lists), or None."""
    problem = _check_nested(x, shape)
    if problem is None or not shape:
        return problem
    return f"must be {describe(shape)} written as nested lists: {problem}"


def _check_nested(x: Any, shape: Shape) -> str | None:
    if not shape:
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
            return "must be a finite number"
        return None
    if not isinstance(x, list) or len(x) != shape[0]:
        got = f"{len(x)} entries" if isinstance(x, list) else "a number"
        return f"got {got} where {shape[0]} are expected"
    for row in x:
        problem = _check_nested(row, shape[1:])
        if problem is not None:
            return problem
    return None


def _check_sampling(exercise: Exercise, errors: _Collector) -> None:
    """Every part must have a finite reference: sample points and `at` points alike."""
    from .instance import (
        MAX_REFERENCE_WORK,
        MAX_VALIDATION_WORK,
        MIN_VALIDATION_SETS,
        Instance,
        SamplingError,
        validation_params,
    )

    for part in exercise.parts:
        if part.at is not None:
            missing = sorted(exercise.depends_on(part.of) - set(part.at))
            if missing:
                errors.add(
                    ("parts", part.index, "at"),
                    f"give a value for {', '.join(missing)} ({part.of} depends on it)",
                )
    if errors.problems:
        return
    # With params, a function may be defined for some students' values and not others: try
    # every param set a student can draw, or the corners and random sets (`validation_params`).
    if not exercise.spec.params:
        candidates: list[dict | None] = [None]
    else:
        candidates = list(validation_params(exercise, random.SystemRandom()))
    spent = 0
    for i, params in enumerate(candidates):
        if i >= MIN_VALIDATION_SETS and spent > MAX_VALIDATION_WORK:
            return  # a heavy exercise: as many sets as the validation work affords
        try:
            inst = Instance(exercise, i, budget=MAX_REFERENCE_WORK, params=params)
            for part in exercise.parts:
                inst.reference(part)
            spent += max(inst.work, 1)
        except SamplingError as exc:
            shown = ", ".join(f"{k} = {v}" for k, v in (params or {}).items())
            errors.add(exc.path, exc.message + (f" (for the params {shown})" if shown else ""))
            return
