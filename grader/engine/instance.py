"""One student's instance of an exercise: params, sample points and reference derivatives.

Everything here depends only on (exercise, seed, device), so it is computed once and cached
on the exercise; checking an answer then costs one evaluation of the answer at the points.
Points where the function or a reference derivative is not finite are redrawn.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .autograd import DTYPE, Derivatives, Patch, Value, WorkExceeded, evaluate_chain
from .compare import tolerance
from .diagnose import build_candidates
from .npeval import NpValue, to_array, to_numpy
from .prompts import part_prompt
from .readable import build_readable
from .render import format_number
from .shapes import entries
from .tensor_diagnose import build_tensor_candidates
from .tensors import finite_per_point, flat
from .texts import text_in
from .values import fill_params, format_value

if TYPE_CHECKING:
    from .exercise import Exercise, Part
    from .readable import Readable
    from .schema import ParamSpec

# 128 points, stratified: each variable's interval is cut into 128 equal strata with one point
# in each (a Latin hypercube), so a difference confined to a sliver of the interval (an answer
# wrong only for x < 0 on [-0.1, 5]) is still seen. Evaluating 128 points costs about what 32
# do: each tensor operation's cost is mostly fixed overhead.
N_POINTS = 128
MAX_DRAWS = 16  # batches of N_POINTS candidates before giving up on finding finite points
# Autograd nodes the reference derivatives of one instance may traverse, every draw and `at`
# point included (about 1 s of one core here; see docs/engine.md, "Bounds"). Checked when an
# exercise is validated, for every seed it tries, before each backward pass.
MAX_REFERENCE_WORK = 60_000
# Param sets validation tries (see `validation_params`), and the reference work they may take
# together: a cheap exercise is tried at every set, a heavy one at as many as the work affords
# (never fewer than MIN_VALIDATION_SETS).
VALIDATION_PARAM_SETS = 128
CORNERS = 64
MIN_VALIDATION_SETS = 8
MAX_VALIDATION_WORK = 8 * MAX_REFERENCE_WORK


class SamplingError(ValueError):
    def __init__(self, path: tuple, message: str):
        super().__init__(message)
        self.path = path
        self.message = message


def stable_seed(*parts: object) -> int:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def draw_params(exercise: Exercise, seed: int) -> dict[str, Any]:
    """Each param's value for this seed: a number, or nested lists for a tensor param."""
    return _draw_all(exercise, random.Random(stable_seed("params", exercise.id, seed)))


def _draw_all(exercise: Exercise, rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, spec in exercise.spec.params.items():
        shape = exercise.shapes.get(name, ())
        values = [_draw(spec, rng) for _ in range(entries(shape))]
        out[name] = _nest(values, shape) if shape else values[0]
    return out


def _every_value(spec: ParamSpec) -> list[float | int] | None:
    """Every value a param entry can take, when they are few enough to try them all."""
    if spec.choice is not None:
        return sorted(set(spec.choice))
    if spec.int_ is not None and spec.int_[1] - spec.int_[0] < VALIDATION_PARAM_SETS:
        return list(range(spec.int_[0], spec.int_[1] + 1))
    return None


def _ends(spec: ParamSpec) -> tuple[float | int, float | int]:
    if spec.int_ is not None:
        return spec.int_[0], spec.int_[1]
    if spec.choice is not None:
        return min(spec.choice), max(spec.choice)
    assert spec.uniform is not None  # validated: exactly one of int, choice, uniform
    return round(spec.uniform[0], 2), round(spec.uniform[1], 2)


def validation_params(exercise: Exercise, rng: random.Random) -> list[dict[str, Any]]:
    """The param sets validation tries (at most ``VALIDATION_PARAM_SETS``), corners first.

    Every set a student can draw when there are that few (every `int` and `choice` value,
    each entry of a tensor param independently); otherwise every corner of the param box
    (each param at its least and greatest value, all combinations while they are at most
    64) and then random sets drawn by `rng`, which should not be predictable: an exercise
    finite only at the sets validation draws then cannot be built on purpose. A region of
    the param space holding a fraction p of the students is missed by n random sets with
    chance (1 - p)^n (docs/exercises.md)."""
    names = list(exercise.spec.params)
    specs = [exercise.spec.params[n] for n in names]
    shapes = [exercise.shapes.get(n, ()) for n in names]

    def build(values_per_param: Any) -> dict[str, Any]:
        return {
            n: _nest(list(v), shape) if shape else v[0]
            for n, v, shape in zip(names, values_per_param, shapes, strict=True)
        }

    combos = itertools.islice(itertools.product(*[_ends(spec) for spec in specs]), CORNERS)
    corners = [
        build([[end] * entries(s) for end, s in zip(c, shapes, strict=True)]) for c in combos
    ]
    choices = [_every_value(spec) for spec in specs]
    space = 1
    for values, shape in zip(choices, shapes, strict=True):
        space *= len(values) ** entries(shape) if values is not None else VALIDATION_PARAM_SETS + 1
        space = min(space, VALIDATION_PARAM_SETS + 1)
    if space <= VALIDATION_PARAM_SETS:
        per_param = [
            list(itertools.product(values or [], repeat=entries(shape)))
            for values, shape in zip(choices, shapes, strict=True)
        ]
        rest = [build(combo) for combo in itertools.product(*per_param)]
    else:
        rest = [_draw_all(exercise, rng) for _ in range(VALIDATION_PARAM_SETS)]
    rng.shuffle(rest)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for params in corners + rest:
        key = repr(params)
        if key not in seen and len(out) < VALIDATION_PARAM_SETS:
            seen.add(key)
            out.append(params)
    return out


def _draw(spec: ParamSpec, rng: random.Random) -> float | int:
    if spec.int_ is not None:
        return rng.randint(*spec.int_)
    if spec.choice is not None:
        return rng.choice(spec.choice)
    assert spec.uniform is not None  # validated: exactly one of int, choice, uniform
    lo, hi = spec.uniform
    return round(rng.uniform(lo, hi), 2)


def _nest(values: list, shape: tuple[int, ...]) -> list:
    if len(shape) == 1:
        return list(values)
    step = len(values) // shape[0]
    return [_nest(values[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def latin_hypercube_column(lo: float, hi: float, m: int, gen: torch.Generator) -> torch.Tensor:
    """``m`` points in [lo, hi], one in each of ``m`` equal strata, in random order."""
    strata = torch.randperm(m, generator=gen).to(DTYPE)
    jitter = torch.rand(m, generator=gen, dtype=DTYPE)
    return lo + (hi - lo) * (strata + jitter) / m


Key = tuple[str, int]  # (part id, component)


@dataclass
class InstanceCache:
    """An instance's explicit caches: each depends only on (exercise, seed, device, part,
    component), is filled on first need and kept as long as the instance (a few are not kept
    when the work budget cut them short: see ``candidates`` and ``readable``)."""

    references: dict[Key, torch.Tensor] = field(default_factory=dict)  # per point
    tolerances: dict[Key, torch.Tensor] = field(default_factory=dict)  # compare.tolerance
    np_references: dict[Key, np.ndarray] = field(default_factory=dict)  # as numpy
    np_tolerances: dict[Key, np.ndarray] = field(default_factory=dict)
    candidates: dict[Key, Any] = field(default_factory=dict)  # the diagnosis's mistakes
    readable: dict[Key, Readable] = field(default_factory=dict)  # readable.build_readable
    # A step's reference at its points (assistance.py), by ("step", step id).
    steps: dict[tuple[str, str], torch.Tensor] = field(default_factory=dict)
    # The define chain at the readable points (readable.py): one slot, [points] or [None]
    # once worked out (None where no variable has readable points).
    readable_points: list[Any] = field(default_factory=list)


class Instance:
    def __init__(
        self,
        exercise: Exercise,
        seed: int,
        device: str = "cpu",
        budget: int | None = None,
        params: dict[str, Any] | None = None,
    ):
        self.exercise = exercise
        self.seed = seed
        self.device = torch.device(device)
        self.budget = budget  # of reference work (see MAX_REFERENCE_WORK)
        self.work = 0
        # The params' drawn values (the exercise's ``spec.params`` are their specs): validation's
        # chosen set, or a student's, from their seed.
        self.param_values: dict[str, Any] = (
            draw_params(exercise, seed) if params is None else params
        )
        # Tensor params as one-point tensors (the same at every point), for evaluation.
        self.param_env: dict[str, Value] = {
            k: torch.tensor([v], dtype=DTYPE, device=self.device) if isinstance(v, list) else v
            for k, v in self.param_values.items()
        }
        self.cache = InstanceCache()  # what is worked out on first need, and kept
        try:
            self._sample()
        except WorkExceeded as exc:
            raise self._too_much_work(exc) from None

    # -- what the student sees
    @property
    def statement(self) -> str:
        """The statement in the exercise's default language, its parameters filled in."""
        return self.statement_in(self.exercise.spec.language)[0]

    def statement_in(self, language: str) -> tuple[str, str]:
        """(the statement in `language` where the exercise has it, else its default; the
        language it is in), its parameters filled in."""
        spec = self.exercise.spec
        text, used = text_in(spec.statement, language, spec.language)
        return fill_params(text, self.param_values), used

    @cached_property
    def prompts(self) -> list[dict[str, Any]]:
        """Per part (in the order of ``exercise.parts``), what the student is shown of it."""
        return [part_prompt(self.exercise, p, self.param_values) for p in self.exercise.parts]

    # -- sampling
    def leaves(self, values: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Fresh copies of the variables' values that autograd differentiates with respect to."""
        return {v: t.detach().clone().requires_grad_(True) for v, t in values.items()}

    def chain(
        self,
        leaves: dict[str, torch.Tensor],
        patch: Patch | None = None,
        replace: Mapping[str, Callable[[Value], Value]] | None = None,
    ) -> dict[str, Value]:
        """The ``define`` chain evaluated at `leaves` with this student's params (one graph).

        `patch` and `replace` alter one node or one name on the way (the diagnosis's what-ifs).
        """
        env: dict[str, Value] = {**self.param_env, **leaves}
        return evaluate_chain(self.exercise.defines, env, patch=patch, replace=replace)

    def _sample(self) -> None:
        ex = self.exercise
        gen = torch.Generator().manual_seed(stable_seed("points", ex.id, self.seed))
        formula_parts = [p for p in ex.parts if not p.numeric and p.kind != "code"]
        only_code = all(p.kind == "code" for p in ex.parts)
        chosen: dict[str, list[torch.Tensor]] = {v: [] for v in ex.spec.variables}
        sizes = {part.id: [entries(s) for s in part.shapes] for part in formula_parts}
        refs: dict[tuple[str, int], list[torch.Tensor]] = {}
        have = 0
        m = N_POINTS
        for _ in range(MAX_DRAWS):
            cand = {
                v: _draw_points(lo, hi, m, ex.shapes.get(v, ()), gen)
                for v, (lo, hi) in ex.ranges.items()
            }
            leaves = self.leaves({v: t.to(self.device) for v, t in cand.items()})
            env = self.chain(leaves)
            ok = torch.ones(m, dtype=torch.bool, device=self.device)
            for name, _ in ex.defines if not only_code else ():  # code draws its own inputs
                ok &= finite_per_point(env[name], m).to(self.device)
            batch: dict[tuple[str, int], torch.Tensor] = {}
            wanted = [(p.of, wrt) for p in formula_parts for wrt in p.components]
            derivs = self._derivatives(env, leaves, wanted)
            for part in formula_parts:
                for c, wrt in enumerate(part.components):
                    size = sizes[part.id][c]
                    r = flat(derivs(part.of, wrt), m, size, self.device).view(m, size)
                    ok &= torch.isfinite(r).all(1)
                    batch[(part.id, c)] = r
            self.work = derivs.work
            idx = torch.nonzero(ok).flatten()[: N_POINTS - have]
            for v in chosen:
                chosen[v].append(cand[v].to(self.device)[idx])
            for key, r in batch.items():
                refs.setdefault(key, []).append(r.detach()[idx])
            have += len(idx)
            if have >= N_POINTS:
                break
        if have < N_POINTS:
            names = ", ".join(ex.spec.variables)
            raise SamplingError(
                ("variables",),
                f"could not find {N_POINTS} sample points where every defined expression and "
                f"derivative is finite (found {have}): narrow the intervals of {names} to the "
                "domain of the functions",
            )
        # The sample tensors answers are checked at, per variable (a part's ``points`` are
        # its score weight).
        self.sample_points = {v: torch.cat(ts) for v, ts in chosen.items()}
        self.cache.references = {k: torch.cat(ts).reshape(-1) for k, ts in refs.items()}
        values = self.chain(dict(self.sample_points))
        self.env: dict[str, Value] = {
            k: (v.detach() if isinstance(v, torch.Tensor) else v) for k, v in values.items()
        }

    def _derivatives(
        self,
        env: Mapping[str, Value],
        leaves: Mapping[str, torch.Tensor],
        wanted: list[tuple[str, list[str]]],
    ) -> Derivatives:
        return Derivatives(env, leaves, wanted, self.budget, self.work)

    def _too_much_work(self, exc: WorkExceeded) -> SamplingError:
        return SamplingError(
            ("parts",),
            f"the derivatives asked for are too large to check quickly: computing them for one "
            f"student takes {exc.work} or more autograd operations (at most {exc.budget}); ask "
            "for fewer or lower-order derivatives, or of smaller definitions",
        )

    # -- references
    def at_values(self, part: Part) -> dict[str, torch.Tensor]:
        """The one-point 'variables' of a numeric part (unused variables at mid-interval)."""
        out = {}
        for v, (lo, hi) in self.exercise.ranges.items():
            shape = self.exercise.shapes.get(v, ())
            x = (part.at or {}).get(v)
            if x is None:
                out[v] = torch.full((1, *shape), (lo + hi) / 2, dtype=DTYPE, device=self.device)
            else:
                out[v] = torch.tensor([x], dtype=DTYPE, device=self.device)
        return out

    def reference(self, part: Part) -> list[torch.Tensor]:
        """The reference derivative per component: values at the points, or at ``at``."""
        out = []
        for c, wrt in enumerate(part.components):
            key = (part.id, c)
            if key not in self.cache.references:
                leaves = self.leaves(self.at_values(part))
                derivs = self._derivatives(self.chain(leaves), leaves, [(part.of, wrt)])
                try:
                    size = entries(part.shapes[c])
                    r = flat(derivs(part.of, wrt), 1, size, self.device)
                except WorkExceeded as exc:
                    raise self._too_much_work(exc) from None
                self.work = derivs.work
                if not bool(torch.isfinite(r).all()):
                    where = ", ".join(
                        f"{k} = {format_value(v)}" for k, v in (part.at or {}).items()
                    )
                    raise SamplingError(
                        ("parts", part.index, "at"),
                        f"the derivative is not defined at {where} (it is {r.tolist()})",
                    )
                self.cache.references[key] = r.detach()
            out.append(self.cache.references[key])
        return out

    def tolerance(self, part: Part, component: int) -> torch.Tensor:
        """Allowed difference from the reference at each point (cached)."""
        key = (part.id, component)
        tol = self.cache.tolerances.get(key)
        if tol is None:
            ref = self.reference(part)[component]
            tol = self.cache.tolerances[key] = tolerance(ref, part.rtol, part.atol)
        return tol

    def answer_env(self, part: Part) -> tuple[dict[str, Value], int]:
        """Names an answer may use, and the number of points it is evaluated at."""
        if part.numeric:
            return dict(self.param_env), 1
        return self.env, N_POINTS

    @cached_property
    def _point_lists(self) -> dict[str, list[float]]:
        return {v: t.tolist() for v, t in self.sample_points.items() if t.dim() == 1}

    def point_label(self, i: int) -> str:
        return ", ".join(f"{v} = {_short(xs[i])}" for v, xs in self._point_lists.items())

    # -- the numpy view an answer is checked against (no gradients are needed there)
    @cached_property
    def np_env(self) -> dict[str, NpValue]:
        """``env`` as numpy arrays and floats (the answer environment of formula parts)."""
        return {k: to_numpy(v) for k, v in self.env.items()}

    @cached_property
    def np_params(self) -> dict[str, NpValue]:
        return {k: float(v) for k, v in self.param_values.items()}

    def np_answer_env(self, part: Part) -> tuple[dict[str, NpValue], int]:
        if part.numeric:
            return self.np_params, 1
        return self.np_env, N_POINTS

    def np_reference(self, part: Part, component: int) -> np.ndarray:
        key = (part.id, component)
        ref = self.cache.np_references.get(key)
        if ref is None:
            ref = self.cache.np_references[key] = to_array(self.reference(part)[component])
        return ref

    def np_tolerance(self, part: Part, component: int) -> np.ndarray:
        key = (part.id, component)
        tol = self.cache.np_tolerances.get(key)
        if tol is None:
            tol = self.cache.np_tolerances[key] = to_array(self.tolerance(part, component))
        return tol

    def readable(self, part: Part, component: int) -> Readable | None:
        """Simple points to name in feedback, with the reference there (cached)."""
        key = (part.id, component)
        found = self.cache.readable.get(key)
        if found is None:  # None is not kept: the next submission's budget may afford it
            found = build_readable(self, part, component)
            if found is not None:
                self.cache.readable[key] = found
        return found

    def candidates(self, part: Part, component: int) -> Any:
        """Derivatives a student who made a classic mistake would give (cached): a
        ``CandidateSet`` for a scalar exercise, a list of ``tensor_diagnose.Candidate``."""
        key = (part.id, component)
        found = self.cache.candidates.get(key)
        if found is None and part.is_tensor:
            found = self.cache.candidates[key] = build_tensor_candidates(self, part, component)
        if found is None:
            found = build_candidates(self, part, component)
            if not found.retry:  # one the work budget stopped at once is built next time
                self.cache.candidates[key] = found
        return found


def _draw_points(lo: float, hi: float, m: int, shape: tuple, gen: torch.Generator) -> torch.Tensor:
    """``m`` sample values of a variable: a Latin hypercube column per entry."""
    if not shape:
        return latin_hypercube_column(lo, hi, m, gen)
    columns = [latin_hypercube_column(lo, hi, m, gen) for _ in range(entries(shape))]
    return torch.stack(columns, dim=1).reshape(m, *shape)


def _short(x: float) -> str:
    if x == 0 or not math.isfinite(x):
        return format_number(x)
    return f"{x:.4g}"
