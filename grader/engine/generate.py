"""Exercise templates: a fresh exercise per draw, checked before a student sees it.

A template is YAML with a ``generate:`` section (docs/engine.md, "Exercise templates"): the
grammar that draws the function (``grammars.py``), its options, and the diagnosis the skill's
classic mistake must get. ``generate(template, seed)`` draws an exercise and checks it: it is
real and finite on its interval, its derivative is not constant where the skill needs more,
its numbers stay small, its formulas render, the right answer is graded right and the classic
mistake is diagnosed as that mistake. A draw that fails is redrawn, at most ``MAX_DRAWS``
times, each from a seed derived from (template, seed, draw): the same seed gives the same
exercise, so a student's item is regenerated exactly for review, regrade and analytics.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import ValidationError

from . import yamlsafe
from .check import grade
from .exercise import Exercise
from .grammars import FUNCTION_CHOICES, GRAMMARS, Draft
from .instance import SamplingError, stable_seed
from .loading import ExerciseInvalid, Problem, format_path, load_exercise_data
from .render import to_latex, to_mathml
from .schema import TemplateSpec
from .skills import skill_map

TEMPLATES_DIR = Path(__file__).with_name("templates")
MAX_DRAWS = 16  # redraws before a template is declared broken for a seed
VALUE_LIMIT = 1e4  # the derivative's largest magnitude at the sample points
MAX_LATEX = 600  # characters of a definition's LaTeX: longer is not a hand exercise
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Template:
    spec: TemplateSpec
    source: str

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def skills(self) -> list[str]:
        return list(self.spec.skills)

    @property
    def skill(self) -> str:
        """The skill it practises first (the one the scheduler files it under)."""
        return self.spec.skills[0]


class TemplateInvalid(ExerciseInvalid):
    pass


class GenerationFailed(RuntimeError):
    """No draw of a template passed the checks within ``MAX_DRAWS`` (a template bug)."""


@dataclass
class Item:
    """One generated exercise: its YAML, the loaded exercise, and the answers it was
    checked with."""

    template: Template
    seed: int
    draws: int  # how many draws it took (1: the first passed)
    text: str  # exercise YAML, with the checked answers as its self-tests
    exercise: Exercise
    answers: dict[str, Any]
    mistakes: dict[str, Any]

    @property
    def skills(self) -> list[str]:
        return self.template.skills


def load_template(text: str | bytes, source: str = "<template>") -> Template:
    """Parse and check a template; raises ``TemplateInvalid`` listing every problem."""
    try:
        loaded = yamlsafe.load(text)
    except yamlsafe.YamlError as exc:
        raise TemplateInvalid(
            [Problem(format_path(exc.path), exc.message, exc.line, source)]
        ) from None
    try:
        spec = TemplateSpec.model_validate(loaded.data)
    except ValidationError as exc:
        problems = [
            Problem(format_path(e["loc"]), e["msg"], loaded.line_of(tuple(e["loc"])), source)
            for e in exc.errors()
        ]
        raise TemplateInvalid(problems) from None
    problems = [Problem(format_path(p), m, loaded.line_of(p), source) for p, m in _semantics(spec)]
    if problems:
        raise TemplateInvalid(problems)
    return Template(spec, source)


def _semantics(spec: TemplateSpec) -> list[tuple[tuple, str]]:
    out: list[tuple[tuple, str]] = []
    g = spec.generate
    for i, name in enumerate(spec.skills):
        if name not in skill_map():
            out.append((("skills", i), f"unknown skill '{name}'"))
    if g.grammar not in GRAMMARS:
        out.append((("generate", "grammar"), f"unknown grammar (one of: {', '.join(GRAMMARS)})"))
    elif g.functions is not None:
        allowed = FUNCTION_CHOICES.get(g.grammar, [])
        for i, fn in enumerate(g.functions):
            if fn not in allowed:
                choices = ", ".join(allowed) or "none"
                out.append((("generate", "functions", i), f"'{fn}' is not a choice ({choices})"))
    for key in ("degree", "coefficients", "shape"):
        pair = getattr(g, key)
        if pair is not None and pair[0] > pair[1]:
            out.append((("generate", key), f"{key}: [lo, hi] needs lo <= hi"))
    lo, hi = g.coefficients
    if not any(c for c in range(lo, hi + 1) if abs(c) >= 2):
        out.append((("generate", "coefficients"), "the range needs a number other than 0 and ±1"))
    return out


@cache
def builtin_templates() -> dict[str, Template]:
    """The product's templates (``templates/*.yaml`` beside this module), by id."""
    out = {}
    for path in sorted(TEMPLATES_DIR.glob("*.yaml")):
        t = load_template(path.read_bytes(), source=f"templates/{path.name}")
        out[t.id] = t
    return out


def find_template(name: str) -> Template:
    """A built-in template by id, else a template file by path."""
    found = builtin_templates().get(name)
    if found is not None:
        return found
    path = Path(name)
    if not path.is_file():
        known = ", ".join(builtin_templates())
        raise TemplateInvalid(
            [Problem("", f"no template '{name}' (built in: {known}; or a file path)", None, name)]
        )
    return load_template(path.read_bytes(), source=str(path))


def generate(template: Template, seed: int) -> Item:
    """The exercise of ``template`` for ``seed`` (the same for the same seed), checked."""
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"the seed must be between 0 and {MAX_SEED}")
    grammar = GRAMMARS[template.spec.generate.grammar]
    why = ""
    for draw in range(MAX_DRAWS):
        rng = random.Random(stable_seed("generate", template.id, seed, draw))
        draft = grammar(rng, template.spec.generate)
        data = item_data(template, seed, draft)
        text = item_yaml(template, seed, data)
        try:
            exercise = load_exercise_data(data, text, f"{template.id}@{seed}", validated=True)
        except ExerciseInvalid as exc:
            why = str(exc.problems[0])
            continue
        failed = check_item(exercise, draft, seed, template.spec.generate.mistake)
        if failed is None:
            return Item(template, seed, draw + 1, text, exercise, draft.answers, draft.mistakes)
        why = failed
    raise GenerationFailed(f"template {template.id}, seed {seed}: no draw passed ({why})")


def check_item(exercise: Exercise, draft: Draft, seed: int, mistake: str) -> str | None:
    """Why a drawn exercise may not be shown (None: it may)."""
    try:
        inst = exercise.instance(seed)
        for part in exercise.parts:
            for c in range(len(part.components)):
                ref = np.asarray(inst.np_reference(part, c), dtype=float)
                if not np.isfinite(ref).all():
                    return f"{part.id}: the derivative is not finite"
                if np.abs(ref).max() > VALUE_LIMIT:
                    return f"{part.id}: the derivative reaches {np.abs(ref).max():.3g}"
                if draft.varies and np.ptp(ref) <= 1e-6 * (1 + np.abs(ref).max()):
                    return f"{part.id}: the derivative is constant"
    except SamplingError as exc:
        return exc.message
    for name, node in exercise.defines:
        if len(to_latex(node)) > MAX_LATEX:
            return f"{name}: too long to read"
        to_mathml(node)
    right = grade(exercise, draft.answers, seed)
    for pid, result in right.parts.items():
        if not result.correct:
            return f"{pid}: the right answer was graded wrong ({result.plain})"
    wrong = grade(exercise, draft.mistakes, seed)
    for pid in draft.mistakes:
        got = wrong.parts[pid].diagnosis
        if got != mistake:
            return f"{pid}: the classic mistake was diagnosed as {got}, not {mistake}"
    return None


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: yaml.SafeDumper, value: list) -> yaml.SequenceNode:
    flat = all(isinstance(v, str | int | float) for v in value)  # [-1.0, 1.0] on one line
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flat)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(list, _list)


def item_data(template: Template, seed: int, draft: Draft) -> dict[str, Any]:
    """The drawn exercise as the data of its YAML (its answers as self-tests)."""
    parts = []
    for part in draft.parts:
        accept, reject = draft.answers[part["id"]], draft.mistakes.get(part["id"])
        tests: dict[str, Any] = {"accept": [accept]}
        if reject is not None:
            tests["reject"] = [reject]
        parts.append({**part, "tests": tests})
    data: dict[str, Any] = {
        "id": f"{template.id}-{seed}"[:64],
        "title": template.title,
        "skills": template.skills,
        "statement": draft.statement,
        "variables": draft.variables,
    }
    if draft.params:
        data["params"] = draft.params
    data["define"] = draft.define
    data["parts"] = parts
    return data


def item_yaml(template: Template, seed: int, data: dict[str, Any]) -> str:
    """The drawn exercise's data as library YAML (libyaml's emitter where it is built in)."""
    header = f"# drawn from template {template.id} with seed {seed}\n"
    return header + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
