"""A loaded, valid exercise: its parsed definitions and parts. `loading.py` builds them."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .code_spec import batch_of, concrete
from .instance import MAX_REFERENCE_WORK, Instance, SamplingError
from .nodes import Expr, names_in, node_count
from .schema import ExerciseSpec, PartSpec, variable_range
from .shapes import Shape
from .texts import default_text, every_text
from .told_names import names_shown, told_names


@dataclass(frozen=True)
class Part:
    """A validated part, with its instructor expressions parsed."""

    spec: PartSpec
    index: int
    rtol: float
    atol: float
    mistakes: tuple[tuple[tuple[Expr, ...], str], ...]  # (answers per component, feedback)
    shapes: tuple[Shape, ...] = ()  # each answer box's shape (all () for a scalar part)
    tensor: bool = False  # the exercise has tensors: checked by tensor_check, per entry

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def of(self) -> str:
        return self.spec.of

    @property
    def wrt(self) -> list[str]:
        return self.spec.wrt_list

    @property
    def points(self) -> float:
        return self.spec.points

    @property
    def at(self) -> dict[str, Any] | None:
        return self.spec.at

    @property
    def is_tensor(self) -> bool:
        """The part belongs to an exercise over tensors (its boxes may still be numbers)."""
        return self.tensor

    @property
    def numeric(self) -> bool:
        """Answers are numbers (a value part, or a gradient at a point)."""
        return self.spec.at is not None

    @property
    def own_skills(self) -> list[str] | None:
        """The part's own ``skills`` (None: it practises the exercise's)."""
        return self.spec.skills

    @cached_property
    def components(self) -> list[list[str]]:
        """The derivative each answer box asks for, as a ``wrt`` list."""
        if self.kind in ("gradient", "code"):
            return [[w] for w in self.wrt]
        return [self.wrt]


class Exercise:
    """A loaded, valid exercise. ``instance(seed)`` is one student's view of it."""

    def __init__(
        self,
        spec: ExerciseSpec,
        text: str,
        defines: list[tuple[str, Expr]],
        parts: list[Part],
        source: str,
        shapes: dict[str, Shape] | None = None,
    ):
        self.spec = spec
        self.shapes: dict[str, Shape] = dict(shapes or {})  # non-scalar names only
        self.text = text
        self.source = source
        self.defines: list[tuple[str, Expr]] = defines
        self.parts: list[Part] = parts
        self._instances: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        # what other modules derive from the exercise once (its steps, each part's uses)
        self.memo: dict[str, Any] = {}
        self.generic_spec: ExerciseSpec = spec  # before a batch dimension was given its size
        self.variants: dict[Any, Exercise] = {}  # the same exercise at other batch sizes
        # How a variant of the spec is built (loading.rebuild, set by the loader): given to
        # the exercise so that it needs no import of the loader, which imports it.
        self.builder: Callable[[Exercise, ExerciseSpec], Exercise] | None = None

    id = property(lambda self: self.spec.id)
    title = property(lambda self: default_text(self.spec.title, self.spec.language))
    variables = property(lambda self: dict(self.spec.variables))
    params = property(lambda self: dict(self.spec.params))

    def skills_of(self, part: Part) -> list[str]:
        """The skills a part's answer is evidence about: its own, else the exercise's."""
        own = part.own_skills
        return list(own) if own is not None else list(self.spec.skills)

    @cached_property
    def ranges(self) -> dict[str, tuple[float, float]]:
        """Each variable's sampling interval (of every entry, for a tensor)."""
        return {v: variable_range(s) for v, s in self.spec.variables.items()}

    @cached_property
    def tensor_names(self) -> frozenset[str]:
        return frozenset(self.shapes)

    def variant(self, size: int | None) -> Exercise:
        """The exercise with its batch dimension at ``size`` (built once, then kept)."""
        batch = batch_of(self.generic_spec)
        if batch is None or size is None or size == batch[1][0]:
            return self
        with self._lock:
            built = self.variants.get(size)
        if built is None:
            assert self.builder is not None, "a loaded exercise knows how to rebuild itself"
            built = self.builder(self, concrete(self.generic_spec, size))
            with self._lock:
                self.variants[size] = built
        return built

    @cached_property
    def chain_work(self) -> int:
        """Nodes one evaluation of the define chain costs (the unit of diagnosis work)."""
        return sum(node_count(tree) for _, tree in self.defines)

    @property
    def max_score(self) -> float:
        return float(sum(p.points for p in self.parts))

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)

    @cached_property
    def scope(self) -> frozenset[str]:
        """Every name an answer may use: variables, params and defined names."""
        return frozenset([*self.spec.variables, *self.spec.params, *(n for n, _ in self.defines)])

    @cached_property
    def shown_names(self) -> frozenset[str]:
        """The names in scope that the statement shows a student (a ``{k}`` param is hidden)."""
        statement = "\n".join(every_text(self.spec.statement))
        return names_shown(statement, self.spec.params, self.scope)

    def told_names(self, part: Part | None) -> frozenset[str]:
        """The names a student is told they may use in ``part``'s answer (see told_names)."""
        return self._told_names[part.numeric if part is not None else False]

    @cached_property
    def _told_names(self) -> dict[bool, frozenset[str]]:
        asked = {p.of for p in self.parts}
        params = self.shown_names & set(self.spec.params)
        return {
            False: told_names(self.spec.variables, self.shown_names, asked, False),
            True: told_names((), params, asked, True),
        }

    def depends_on(self, name: str) -> set[str]:
        """The variables ``name`` depends on, through the define chain."""
        if name in self.spec.variables:
            return {name}
        return set(self._dependencies[0].get(name, ()))

    def depends_on_names(self, name: str) -> set[str]:
        """The defined names ``name`` uses, directly or through others (itself included)."""
        return set(self._dependencies[1].get(name, ()))

    @cached_property
    def _dependencies(self) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
        """Per defined name, the variables and the defined names it depends on: one pass down
        the define chain, so that asking for every pair of parts (steps' ``uses``) is cheap."""
        variables: dict[str, frozenset[str]] = {v: frozenset({v}) for v in self.spec.variables}
        names: dict[str, frozenset[str]] = {}
        for n, node in self.defines:
            mentioned = names_in(node)
            variables[n] = frozenset().union(*(variables.get(m, ()) for m in mentioned))
            names[n] = frozenset({n}).union(*(names.get(m, ()) for m in mentioned))
        return variables, names

    def instance(self, seed: int, device: str = "cpu", budget: int | None = None) -> Instance:
        """The per-seed instance (params, sample points, cached references); LRU-cached.

        Making one is always bounded: ``budget`` (default ``MAX_REFERENCE_WORK``, what
        validation allowed) caps its autograd work, redraws included. A seed whose instance
        cannot be made raises ``SamplingError``, and the failure is kept too, so a broken
        student's every reload costs nothing more."""
        key = (int(seed), str(device))
        with self._lock:
            inst = self._instances.get(key)
            if inst is not None:
                self._instances.move_to_end(key)
                if isinstance(inst, SamplingError):
                    raise SamplingError(inst.path, inst.message)
                return inst
        try:
            inst = Instance(self, key[0], key[1], MAX_REFERENCE_WORK if budget is None else budget)
        except SamplingError as exc:
            inst = exc
        with self._lock:
            self._instances[key] = inst
            while len(self._instances) > 512:
                self._instances.popitem(last=False)
        if isinstance(inst, SamplingError):
            raise SamplingError(inst.path, inst.message)
        return inst
