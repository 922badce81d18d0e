"""Worked solutions drawn from the computation graph that grades the answer.

``solution(inst, part)`` lays out the part's ``define`` chain as a graph: one node per input,
param and defined name (with its value at the part's point, or its formula for expression
parts) and one edge per direct dependency, labelled with the local derivative — its formula
(``symbolic.derivative``) and autograd's value of it. The chain rule is then written out as the
sum over the paths from the variable to the function, each path's product of local
derivatives, and the total that autograd gives for the whole computation.

``ops_solution`` is the second, "operations" level: torch's own ``grad_fn`` graph of the same
computation (``MulBackward0``, ``PowBackward0`` ...), each node with the gradient flowing
through it, as ``z.backward()`` computes it.

``explain`` finds where a wrong answer went astray on the graph: the edge whose local
derivative was left out (chain rule), the paths left out, or the node where the product or
quotient rule was misapplied. Everything is computed from autograd's numbers, as the
diagnosis is. Work is bounded: paths are counted by dynamic programming and at most
``MAX_PATHS`` are written out; at most ``MAX_TRIED_EDGES`` edges are tried for a missed
factor; the operations graph stops at ``MAX_OPS`` nodes.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .autograd import DTYPE, as_points, derivative, evaluate, evaluate_chain
from .expr import BinOp, Call, Expr, Neg, names_in
from .messages import ENGLISH, Catalogue, Label, Message, Number, message, render
from .render import format_number, to_latex, to_text
from .symbolic import derivative as formula_of_derivative

if TYPE_CHECKING:
    from .exercise import Part
    from .instance import Instance

MAX_PATHS = 24
MAX_TRIED_EDGES = 32
MAX_OPS = 400

CHAIN, PRODUCT, QUOTIENT = "chain", "product", "quotient"


@dataclass(frozen=True)
class GraphNode:
    name: str
    kind: str  # "variable", "param", "define" or, at the operations level, "op" / "leaf"
    expression: str | None = None  # the define's formula (text); None for inputs
    latex: str | None = None
    value: float | None = None  # at the part's point (value parts and params)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "expression": self.expression,
            "value": self.value,
        }


@dataclass(frozen=True)
class GraphEdge:
    src: str
    dst: str
    text: str | None = None  # local derivative formula; None when not written
    latex: str | None = None
    value: float | None = None  # local derivative at the part's point

    @property
    def symbol(self) -> str:
        return f"∂{self.dst}/∂{self.src}"

    @property
    def label(self) -> str:
        parts = [self.symbol]
        if self.text is not None:
            parts.append(self.text)
        if self.value is not None:
            value = short_number(self.value)
            if value != self.text:
                parts.append(value)
        return " = ".join(parts)

    def to_dict(self) -> dict:
        return {
            "from": self.src,
            "to": self.dst,
            "local": {"text": self.text, "value": self.value},
        }


@dataclass(frozen=True)
class GraphPath:
    nodes: tuple[str, ...]
    product: float | None
    text: str  # "∂z/∂y · ∂y/∂x = 430 · 40 = 17200"

    def to_dict(self) -> dict:
        return {"nodes": list(self.nodes), "product": self.product, "text": self.text}


@dataclass(frozen=True)
class Solution:
    exercise_id: str
    part_id: str
    of: str
    wrt: str
    level: str
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    paths: tuple[GraphPath, ...] = ()
    path_count: int = 0  # all paths; only the first MAX_PATHS are written out
    total: float | None = None
    note: str | None = None
    point: dict[str, float] = field(default_factory=dict)
    highlight_edges: tuple[tuple[str, str], ...] = ()
    highlight_nodes: tuple[str, ...] = ()
    highlight_reason: str | None = None
    values_shown: bool = True
    # the note and the reason as messages (the texts above are their English), for pages
    # that word them in the reader's language
    note_said: Message | None = field(default=None, compare=False)
    reason_said: Message | None = field(default=None, compare=False)

    def note_in(self, words: Catalogue = ENGLISH) -> str | None:
        return render(self.note_said, "plain", words) if self.note_said else self.note

    def reason_in(self, words: Catalogue = ENGLISH) -> str | None:
        return (
            render(self.reason_said, "plain", words) if self.reason_said else self.highlight_reason
        )

    def to_dict(self) -> dict:
        return {
            "exercise": self.exercise_id,
            "part": self.part_id,
            "of": self.of,
            "wrt": self.wrt,
            "level": self.level,
            "point": self.point,
            "nodes": [n.to_dict() for n in self.nodes],
            "edges": [e.to_dict() for e in self.edges],
            "paths": [p.to_dict() for p in self.paths],
            "path_count": self.path_count,
            "total": self.total,
            "note": self.note,
            "highlight": {
                "edges": [{"from": a, "to": b} for a, b in self.highlight_edges],
                "nodes": list(self.highlight_nodes),
                "reason": self.highlight_reason,
            },
            "values_shown": self.values_shown,
        }

    def structure_only(self) -> Solution:
        """The graph as a hint: names and formulas, no values, no local derivatives."""
        return replace(
            self,
            nodes=tuple(replace(n, value=None) for n in self.nodes),
            edges=tuple(GraphEdge(e.src, e.dst) for e in self.edges),
            paths=tuple(GraphPath(p.nodes, None, _path_symbols(p.nodes)) for p in self.paths),
            total=None,
            point={},
            highlight_edges=(),
            highlight_nodes=(),
            highlight_reason=None,
            reason_said=None,
            values_shown=False,
        )

    def text_alternative(self, words: Catalogue = ENGLISH) -> str:
        """What the picture shows, in words (the SVG's description and the page's list), in
        the language of ``words``."""
        said = [message(f"solution.alt.graph_{self.level}", output=Label(self.of))]
        for n in self.nodes:
            what = f"{n.name} = {n.expression}" if n.expression else n.name
            if n.value is not None:
                what += f" = {short_number(n.value)}"
            said.append(message(f"solution.alt.node_{n.kind}", node=Label(what)))
        for e in self.edges:
            ends = {"src": Label(e.src), "dst": Label(e.dst)}
            if self.values_shown:
                said.append(message("solution.alt.edge", label=Label(e.label), **ends))
            else:
                said.append(message("solution.alt.edge_bare", **ends))
        for p in self.paths:
            path = message(
                "solution.alt.path", nodes=Label(" → ".join(p.nodes)), text=Label(p.text)
            )
            said.append(path)
        if self.path_count > len(self.paths):
            more = Number(float(self.path_count - len(self.paths)))
            said.append(message("solution.alt.more_paths", count=more))
        if self.total is not None:
            total = Label(f"{self.total:.13g}")
            derivative = Label(f"d{self.of}/d{self.wrt}")
            said.append(message("solution.alt.total", derivative=derivative, total=total))
        lines = [render(m, "plain", words) for m in said]
        if reason := self.reason_in(words):
            lines.append(reason)
        return " ".join(lines)


def short_number(x: float) -> str:
    """A number as a page shows it: exact integers whole, others to 7 significant digits."""
    if x == int(x) and abs(x) < 1e15:
        return format_number(x)
    return f"{x:.7g}"


def _path_symbols(nodes: Iterable[str]) -> str:
    seq = list(nodes)
    return " · ".join(f"∂{b}/∂{a}" for a, b in reversed(list(zip(seq, seq[1:], strict=False))))


# ------------------------------------------------------------------------ the names level


class _Graph:
    """The part's define chain with local derivatives as tensors over the part's points."""

    def __init__(self, inst: Instance, part: Part, component: int):
        ex = inst.exercise
        self.inst, self.part, self.component = inst, part, component
        wrt_seq = part.components[component]
        self.wrt = wrt_seq[0]
        self.of = part.of
        variables = list(ex.spec.variables)
        params = list(inst.param_values)
        defines = dict(ex.defines)
        used = ex.depends_on_names(part.of)
        inputs: dict[str, list[str]] = {}
        for name, node in ex.defines:
            if name in used:
                mentioned = names_in(node)
                inputs[name] = [m for m in [*variables, *params, *defines] if m in mentioned]
        needed = set(used) | {m for ms in inputs.values() for m in ms}
        self.order = [n for n in [*variables, *params] if n in needed] + [
            n for n, _ in ex.defines if n in used
        ]
        self.kinds = {n: "variable" for n in variables} | {n: "param" for n in params}
        self.kinds |= {n: "define" for n in defines}
        self.inputs = inputs
        self.defines = defines
        self.numeric = part.numeric
        point = inst.at_values(part) if part.numeric else dict(inst.sample_points)
        self.n = next(iter(point.values())).shape[0]
        env = evaluate_chain(ex.defines, {**inst.param_values, **point})
        self.values = {k: as_points(env[k], self.n, inst.device).detach() for k in self.order}
        self.point = {k: float(v[0]) for k, v in point.items()} if part.numeric else {}
        self.locals: dict[tuple[str, str], torch.Tensor] = {}
        for dst, srcs in inputs.items():
            for src in srcs:
                self.locals[(src, dst)] = self._local(dst, src)

    def _local(self, dst: str, src: str) -> torch.Tensor:
        """∂dst/∂src with every other direct input held fixed, at each point."""
        leaf = self.values[src].clone().requires_grad_(True)
        env = {**self.inst.param_values, **{m: self.values[m] for m in self.inputs[dst]}, src: leaf}
        out = evaluate(self.defines[dst], env)
        return derivative(out, leaf, create_graph=False).detach()

    def edges_on_paths(self) -> list[tuple[str, str]]:
        """Edges on some path from the variable to the function, in define order."""
        reach = {self.wrt}
        for name in self.order:
            if any(s in reach for s in self.inputs.get(name, [])):
                reach.add(name)
        back = {self.of}
        for name in reversed(self.order):
            if name in back:
                back.update(self.inputs.get(name, []))
        return [
            (s, d)
            for d in self.order
            for s in self.inputs.get(d, [])
            if s in reach and d in back and (s, d) in self.locals
        ]

    def path_sum(
        self, factor_one: tuple[str, str] | None = None, dropped: tuple[str, str] | None = None
    ) -> torch.Tensor:
        """Σ over paths of Π local derivatives (the chain rule), by dynamic programming;
        optionally with one edge's factor taken as 1 or its paths left out."""
        grad = {self.wrt: torch.ones(self.n, dtype=DTYPE, device=self.inst.device)}
        for name in self.order:
            total = None
            for src in self.inputs.get(name, []):
                if src not in grad or (src, name) == dropped:
                    continue
                local = self.locals[(src, name)]
                term = grad[src] if (src, name) == factor_one else grad[src] * local
                total = term if total is None else total + term
            if total is not None:
                grad[name] = total
        return grad.get(self.of, torch.zeros(self.n, dtype=DTYPE, device=self.inst.device))

    def path_count(self) -> int:
        count = {self.wrt: 1}
        for name in self.order:
            c = sum(count.get(s, 0) for s in self.inputs.get(name, []))
            if c:
                count[name] = c
        return count.get(self.of, 0)

    def paths(self, limit: int) -> list[tuple[str, ...]]:
        """Up to ``limit`` paths from the variable to the function (depth-first)."""
        users: dict[str, list[str]] = {}
        for dst in self.order:
            for src in self.inputs.get(dst, []):
                users.setdefault(src, []).append(dst)
        out: list[tuple[str, ...]] = []
        stack: list[tuple[str, ...]] = [(self.wrt,)]
        while stack and len(out) < limit:
            path = stack.pop()
            if path[-1] == self.of:
                out.append(path)
                continue
            stack.extend(path + (nxt,) for nxt in reversed(users.get(path[-1], [])))
        return out


def solution(
    inst: Instance,
    part: Part,
    component: int = 0,
    given: dict[tuple[str, str], float] | None = None,
) -> Solution:
    """The names-level worked solution of one answer box of ``part``.

    ``given``: a student's values of some edges' local derivatives (their steps, which were
    wrong), drawn on those edges in place of the true ones, with the paths and the total
    worked out from them (what a later answer consistent with them comes to)."""
    g = _Graph(inst, part, component)
    given = {e: v for e, v in (given or {}).items() if e in g.locals} if part.numeric else {}
    for edge, value in given.items():
        g.locals[edge] = torch.full_like(g.locals[edge], value)
    ex = inst.exercise
    numeric = g.numeric
    nodes = []
    for name in g.order:
        kind = g.kinds[name]
        expr = g.defines.get(name) if kind == "define" else None
        show_value = numeric or kind == "param"
        nodes.append(
            GraphNode(
                name,
                kind,
                to_text(expr) if expr is not None else None,
                to_latex(expr) if expr is not None else None,
                float(g.values[name][0]) if show_value else None,
            )
        )
    edges = []
    for (src, dst), local in g.locals.items():
        formula = None if (src, dst) in given else formula_of_derivative(g.defines[dst], src)
        edges.append(
            GraphEdge(
                src,
                dst,
                to_text(formula) if formula is not None else None,
                to_latex(formula) if formula is not None else None,
                float(local[0]) if numeric else None,
            )
        )
    by_pair = {(e.src, e.dst): e for e in edges}
    paths = []
    for nodes_on in g.paths(MAX_PATHS):
        pairs = list(zip(nodes_on, nodes_on[1:], strict=False))
        symbols = _path_symbols(nodes_on)
        if numeric:
            product = 1.0
            for pair in pairs:
                product *= float(g.locals[pair][0])
            factors = " · ".join(short_number(float(g.locals[p][0])) for p in reversed(pairs))
            text = f"{symbols} = {factors} = {short_number(product)}"
            paths.append(GraphPath(nodes_on, product, text))
        else:
            formulas = [by_pair[p].text for p in reversed(pairs)]
            written = [f for f in formulas if f is not None]
            text = symbols
            if len(written) == len(formulas):
                text += " = " + " · ".join(f"({f})" if _compound(f) else f for f in written)
            paths.append(GraphPath(nodes_on, None, text))
    order = len(part.components[component])
    total = None
    note = None
    if numeric:
        total = float(g.path_sum()[0]) if given else float(inst.reference(part)[component][0])
    if order > 1:
        note = message(
            "solution.higher_order",
            order=Number(float(order)),
            first=Label(", ".join(part.components[component])),
            derivative=Label(f"d{g.of}/d{g.wrt}"),
        )
    elif not g.paths(1):
        note = message("solution.independent", output=Label(g.of), input=Label(g.wrt))
    reason = _given_reason(g, given, total) if given else None
    return Solution(
        exercise_id=ex.id,
        part_id=part.id,
        of=g.of,
        wrt=g.wrt,
        level="names",
        nodes=tuple(nodes),
        edges=tuple(edges),
        paths=tuple(paths),
        path_count=g.path_count(),
        total=total,
        note=render(note, "plain") if note else None,
        note_said=note,
        point=g.point,
        highlight_edges=tuple(given),
        highlight_reason=render(reason, "plain") if reason else None,
        reason_said=reason,
    )


def _given_reason(g: _Graph, given: dict[tuple[str, str], float], total: float | None) -> Message:
    yours = Label(
        ", ".join(f"∂{dst}/∂{src} = {short_number(v)}" for (src, dst), v in given.items())
    )
    if total is None:
        return message("solution.drawn_with", given=yours)
    derivative, value = Label(f"d{g.of}/d{g.wrt}"), Label(short_number(total))
    return message("solution.drawn_with_total", given=yours, derivative=derivative, total=value)


def _said(sol: Solution, reason: Message, **changes: object) -> Solution:
    """``sol`` with a reason (and the highlight in ``changes``)."""
    return replace(sol, highlight_reason=render(reason, "plain"), reason_said=reason, **changes)  # type: ignore[arg-type]


def _compound(text: str) -> bool:
    return any(op in text for op in " +-")


def path_sum(inst: Instance, part: Part, component: int = 0) -> torch.Tensor:
    """The chain rule's sum over paths at the part's points (first derivative)."""
    return _Graph(inst, part, component).path_sum()


# ------------------------------------------------------------------- where the mistake is


def explain(
    sol: Solution, inst: Instance, part: Part, component: int, code: str | None, s: torch.Tensor
) -> Solution:
    """``sol`` with the edge, paths or node where the answer ``s`` went wrong highlighted.

    ``code`` is the diagnosis of the answer. For ``chain`` the missed edge (its local
    derivative left out) or the left-out paths are found by recomputing the path sum with
    that edge changed and comparing with the answer; for ``product``/``quotient`` the defined
    names whose formula has a product (quotient) of two factors that depend on the variable.
    """
    if code == CHAIN and len(part.components[component]) == 1:
        g = _Graph(inst, part, component)
        tol = inst.tolerance(part, component)
        s = as_points(s, g.n, inst.device)
        for edge in g.edges_on_paths()[:MAX_TRIED_EDGES]:
            src, dst = edge
            if bool(((g.path_sum(factor_one=edge) - s).abs() <= tol).all()):
                reason = message(
                    "solution.missed_factor",
                    factor=Label(f"∂{dst}/∂{src}"),
                    src=Label(src),
                    dst=Label(dst),
                )
                return _said(sol, reason, highlight_edges=(edge,))
            if bool(((g.path_sum(dropped=edge) - s).abs() <= tol).all()):
                missed = tuple(p for p in g.paths(MAX_PATHS) if _on(edge, p))
                pairs = tuple(dict.fromkeys(pr for p in missed for pr in _pairs(p)))
                reason = message(
                    "solution.missed_paths",
                    src=Label(src),
                    dst=Label(dst),
                    output=Label(sol.of),
                    input=Label(sol.wrt),
                )
                return _said(sol, reason, highlight_edges=pairs, highlight_nodes=())
        return sol
    if code in (PRODUCT, QUOTIENT):
        op = "*" if code == PRODUCT else "/"
        g = _Graph(inst, part, component)
        deps = {n: inst.exercise.depends_on(n) for n in g.order if g.kinds[n] == "define"}
        names = tuple(
            n
            for n in g.order
            if g.kinds[n] == "define" and _has_rule_site(g.defines[n], op, g.wrt, deps)
        )
        if names:
            rule = "product" if code == PRODUCT else "quotient"
            reason = message(f"solution.{rule}_misapplied", names=Label(", ".join(names)))
            return _said(sol, reason, highlight_nodes=names)
    return sol


def _pairs(path: tuple[str, ...]) -> list[tuple[str, str]]:
    return list(zip(path, path[1:], strict=False))


def _on(edge: tuple[str, str], path: tuple[str, ...]) -> bool:
    return edge in _pairs(path)


def _has_rule_site(node: Expr, op: str, wrt: str, deps: dict[str, set[str]]) -> bool:
    def on_w(n: Expr) -> bool:
        return any(m == wrt or wrt in deps.get(m, ()) for m in names_in(n))

    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, BinOp):
            if n.op == op and on_w(n.left) and on_w(n.right):
                return True
            stack.extend((n.left, n.right))
        elif isinstance(n, Neg | Call):
            stack.append(n.arg)
    return False


# ------------------------------------------------------------------- the operations level


def ops_solution(inst: Instance, part: Part, component: int = 0) -> Solution:
    """torch's ``grad_fn`` graph of the part's computation, with the gradient through each.

    Evaluated at the part's point (value parts) or at the first sample point (expression
    parts); each node's value is the gradient of the function with respect to that node's
    output, as backpropagation computes it.
    """
    ex = inst.exercise
    wrt = part.components[component][0]
    point = (
        inst.at_values(part) if part.numeric else {k: v[:1] for k, v in inst.sample_points.items()}
    )
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in point.items()}
    out = evaluate_chain(ex.defines, {**inst.param_values, **leaves})[part.of]
    here = {k: float(v[0]) for k, v in point.items()}
    if not isinstance(out, torch.Tensor) or out.grad_fn is None:
        nothing = message("solution.nothing_to_backpropagate", output=Label(part.of))
        return Solution(
            ex.id,
            part.id,
            part.of,
            wrt,
            "ops",
            (),
            (),
            point=here,
            note=render(nothing, "plain"),
            note_said=nothing,
        )
    leaf_names = {id(t): k for k, t in leaves.items()}
    ids: dict[int, str] = {}
    found: list = []
    queue: deque = deque([out.grad_fn])  # breadth first from the output: the order backward runs
    while queue and len(found) < MAX_OPS:
        fn = queue.popleft()
        if fn is None or id(fn) in ids:
            continue
        variable = getattr(fn, "variable", None)
        name = leaf_names.get(id(variable)) if variable is not None else None
        ids[id(fn)] = name if name is not None else f"{type(fn).__name__}#{len(found)}"
        found.append(fn)
        queue.extend(child for child, _ in fn.next_functions)
    flowing: dict[int, float] = {}
    handles = []
    for fn in found:
        if getattr(fn, "variable", None) is None:
            handles.append(fn.register_hook(_recorder(flowing, id(fn))))
    try:
        grads = torch.autograd.grad(out.sum(), list(leaves.values()), allow_unused=True)
    finally:
        for h in handles:
            h.remove()
    leaf_grad = {
        k: (float(g[0]) if g is not None else 0.0) for k, g in zip(leaves, grads, strict=True)
    }
    nodes = []
    edges = []
    for fn in found:
        name = ids[id(fn)]
        variable = getattr(fn, "variable", None)
        if variable is not None:
            nodes.append(
                GraphNode(name, "leaf", f"AccumulateGrad ({name})", None, leaf_grad.get(name))
            )
        else:
            nodes.append(GraphNode(name, "op", type(fn).__name__, None, flowing.get(id(fn))))
        for child in dict.fromkeys(c for c, _ in fn.next_functions if c is not None):
            if id(child) in ids:
                edges.append(GraphEdge(ids[id(child)], name))
    note = None
    if len(found) >= MAX_OPS:
        note = message("solution.too_many_operations", count=Number(float(MAX_OPS)))
    total = float(inst.reference(part)[component][0]) if part.numeric else leaf_grad.get(wrt)
    return Solution(
        exercise_id=ex.id,
        part_id=part.id,
        of=part.of,
        wrt=wrt,
        level="ops",
        nodes=tuple(nodes),
        edges=tuple(edges),
        total=total,
        note=render(note, "plain") if note else None,
        note_said=note,
        point=here,
    )


def _recorder(flowing: dict[int, float], key: int) -> Callable[..., None]:
    def hook(grad_inputs: tuple, grad_outputs: tuple) -> None:
        g = grad_outputs[0] if grad_outputs else None
        if g is not None:
            flowing[key] = float(g.reshape(-1)[0])

    return hook


def part_solutions(inst: Instance, part: Part, level: str = "names") -> list[Solution]:
    """One worked solution per answer box of ``part`` (a gradient has one per component).

    None for a part of an exercise over tensors: graphs are drawn for numbers only."""
    if part.is_tensor:
        return []
    build = ops_solution if level == "ops" else solution
    return [build(inst, part, c) for c in range(len(part.components))]


def answer_solutions(
    inst: Instance,
    part: Part,
    answer: str | list[str] | None,
    level: str = "names",
    others: Mapping[str, Any] | None = None,
) -> list[Solution]:
    """The part's worked solutions with each wrong answer box's mistake marked on its graph.

    The answer is read and diagnosed again (microseconds) rather than stored: where the
    diagnosis is ``chain``, ``product`` or ``quotient``, ``explain`` finds the edge, paths or
    node on the graph. ``others``: the submission's other answers (its steps, earlier parts);
    a wrong step or earlier part on one of the graph's edges is drawn there (``given``).
    """
    from .check import PartResult, evaluate_part, read_part
    from .diagnose import diagnose

    sols = part_solutions(inst, part, level)
    if level != "names" or not sols:
        return sols
    given = wrong_edge_values(inst, part, others or {})
    if given:
        sols = [solution(inst, part, c, given) for c in range(len(sols))]
    if answer is None:
        return sols
    got = read_part(inst, part, answer)
    if isinstance(got, PartResult):
        return sols
    values = evaluate_part(inst, part, got.nodes)
    out = []
    for c, (sol, s) in enumerate(zip(sols, values, strict=True)):
        with np.errstate(invalid="ignore"):
            right = bool(
                (np.abs(s - inst.np_reference(part, c)) <= inst.np_tolerance(part, c)).all()
            )
        if right or sol.highlight_edges:
            out.append(sol)
            continue
        found = diagnose(inst, part, c, s, got.nodes[c], got.texts[c])
        code = found.code if found else None
        out.append(explain(sol, inst, part, c, code, torch.from_numpy(s)))
    return out


def wrong_edge_values(
    inst: Instance, part: Part, answers: Mapping[str, Any]
) -> dict[tuple[str, str], float]:
    """The student's wrong values of edges of a numeric part's graph, by edge: its edge steps
    they answered wrong, and earlier parts it uses that ask for one edge's derivative (dy/dx
    where y depends on x only directly) at the same point."""
    from .check import PartResult, evaluate_part, read_part
    from .follow import step_points, step_values
    from .steps import part_steps
    from .uses import part_uses

    out: dict[tuple[str, str], float] = {}
    if not part.numeric:
        return out
    ex = inst.exercise
    asked: list[tuple[str, Part, tuple[str, str], Callable[[], float]]] = []
    for step in part_steps(ex).get(part.id, ()):
        if step.local:

            def true_step(ref: Any = step) -> float:
                return float(step_values(inst, ref, step_points(inst, ref))[0])

            asked.append((step.id, step.part, (step.wrt, step.of), true_step))
    for used in part_uses(ex).get(part.id, ()):
        earlier = ex.part(used)
        if earlier.kind != "value" or len(earlier.wrt) != 1 or earlier.of == part.of:
            continue
        if _direct_edge(ex, earlier.wrt[0], earlier.of):

            def true_part(p: Part = earlier) -> float:
                return float(inst.reference(p)[0][0])

            asked.append((used, earlier, (earlier.wrt[0], earlier.of), true_part))
    for key, as_part, edge, truth in asked:
        text = answers.get(key)
        if not isinstance(text, str) or not text.strip():
            continue
        got = read_part(inst, as_part, text)
        if isinstance(got, PartResult):
            continue
        value = float(np.asarray(evaluate_part(inst, as_part, got.nodes)[0]).reshape(-1)[0])
        if not math.isclose(value, truth(), rel_tol=as_part.rtol, abs_tol=as_part.atol):
            out[edge] = value
    return out


def _direct_edge(exercise: Any, src: str, dst: str) -> bool:
    """Whether ``dst``'s definition mentions ``src`` and nothing else that depends on it (so
    d dst/d src is that one edge's local derivative)."""
    node = dict(exercise.defines).get(dst)
    if node is None or src not in names_in(node):
        return False
    defined = dict(exercise.defines)
    return all(
        m == src or m not in defined or src not in exercise.depends_on(m) for m in names_in(node)
    )


def format_text(sol: Solution) -> str:
    """The worked solution as plain text (the command line's output)."""
    where = ", ".join(f"{k} = {short_number(v)}" for k, v in sol.point.items())
    head = f"Worked solution of {sol.exercise_id}, part {sol.part_id}: d{sol.of}/d{sol.wrt}"
    out = [head + (f" at {where}" if where else "") + f" ({sol.level} level)", ""]
    out.append("Nodes:" if sol.level == "names" else "Operations (gradient flowing through each):")
    for n in sol.nodes:
        text = (
            f"{n.name} = {n.expression}"
            if n.expression and sol.level == "names"
            else (n.expression or n.name)
        )
        sep = " = " if sol.level == "names" else "  gradient "
        value = "" if n.value is None else f"{sep}{short_number(n.value)}"
        out.append(f"  {text}{value}  ({n.kind})")
    if sol.level == "names":
        out += ["", "Local derivatives (one per edge):"]
        out += [f"  {e.src} -> {e.dst}: {e.label}" for e in sol.edges]
        if sol.paths:
            out += [
                "",
                f"Chain rule, summed over the {sol.path_count} paths from {sol.wrt} to {sol.of}:",
            ]
            out += [f"  {' -> '.join(p.nodes)}: {p.text}" for p in sol.paths]
            if sol.path_count > len(sol.paths):
                out.append(f"  ... and {sol.path_count - len(sol.paths)} more paths")
    if sol.total is not None:
        out += ["", f"Total from autograd: d{sol.of}/d{sol.wrt} = {sol.total:.13g}"]
    if sol.note:
        out += ["", sol.note]
    return "\n".join(out)
