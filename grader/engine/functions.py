"""The one registry of the answer language's functions.

Each function is defined once, micrograd-style, with everything the engine needs of it: the
names it may be typed as, its float form (constant folding), torch form (the reference and
autograd), numpy form (the fast checking path), its derivative rule (worked solutions and
feedback), its LaTeX and MathML, and its line in the docs. The parser, the three evaluators,
the symbolic derivatives, the renderers and the docs table (``reference.py`` writes the
one in docs/engine.md) all read it;
``tests/engine/test_functions.py`` walks it and checks that the forms agree, edges of the
domain included, that each derivative rule equals autograd's, and that each renders.

Adding a function is one entry in ``FUNCTIONS``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from . import tensors
from .algebra import ONE, TWO, add, div, mul, neg, num, power, sub
from .floats import total
from .nodes import Call, Expr

ScalarFn = Callable[[float], float]
TorchFn = Callable[[torch.Tensor], torch.Tensor]
ArrayFn = Callable[[np.ndarray], np.ndarray]
Rule = Callable[[Expr], Expr]


@dataclass(frozen=True)
class Function:
    """A function of one argument, applied entry by entry."""

    name: str  # canonical: what trees hold and ``to_text`` writes
    doc: str  # what it is, for the docs table
    scalar: ScalarFn  # on a Python float: never raises (nan/±inf at domain errors)
    torch: TorchFn  # on a float64 tensor, differentiable by autograd
    array: ArrayFn  # on a numpy float64 array (called under ``np.errstate(all="ignore")``)
    rule: Rule | None  # f'(u) as an expression of u; None where the derivative is 0
    latex: str  # the operator's LaTeX (``\sin``): f(u) is ``\sin\left(u\right)``
    mathml: str  # the operator's name in MathML ``<mi>``
    aliases: tuple[str, ...] = ()  # other names a student may type (arcsin, ln)
    inverse: str | None = None  # the function that f^-1(x) means (sin^-1 is asin)
    domain: tuple[float, float] = (-3.0, 3.0)  # where the registry test samples it
    edges: tuple[float, ...] = ()  # domain edges the forms must agree at (log at 0, ...)
    latex_form: str | None = None  # a whole form with ``{u}``: ``\sqrt{{u}}`` (else operator)
    mathml_form: str | None = None  # likewise for MathML

    def derivative(self, u: Expr) -> Expr:
        """f'(u), tidied (0 for a function whose derivative is 0 wherever it is defined)."""
        return num(0.0) if self.rule is None else self.rule(u)

    def to_latex(self, u: str) -> str:
        if self.latex_form is not None:
            return self.latex_form.replace("{u}", u)
        return rf"{self.latex}\left({u}\right)"

    def to_mathml(self, u: str, paren: Callable[[str], str]) -> str:
        if self.mathml_form is not None:
            return self.mathml_form.replace("{u}", u)
        return f"<mrow><mi>{self.mathml}</mi><mo>\u2061</mo>{paren(u)}</mrow>"


@dataclass(frozen=True)
class TensorOperation:
    """A function of whole tensors (several arguments, or a reduction): ``sum(A, 0)``."""

    name: str
    doc: str
    arity: tuple[int, int]  # (fewest, most) arguments
    torch: Callable[[list[tensors.Value]], tensors.Value] = field(repr=False)


def _c(fn: str) -> Callable[[Expr], Expr]:
    return lambda u: Call(fn, u)


def _sq(u: Expr) -> Expr:
    return power(u, TWO)


def _sigmoid_array(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # exact identity; no overflow for large |a|


def _sigmoid_scalar(v: float) -> float:
    if math.isnan(v):
        return v
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    z = math.exp(v)
    return z / (1.0 + z)


def _step_torch(t: torch.Tensor) -> torch.Tensor:
    # 1 where t > 0, else 0; nan stays nan; no derivative (autograd gives 0)
    return torch.where(torch.isnan(t), t, (t > 0).to(t.dtype))


def _step_array(a: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(a), a, (a > 0).astype(np.float64))


def _step_scalar(v: float) -> float:
    return v if math.isnan(v) else (1.0 if v > 0 else 0.0)


def _relu_scalar(v: float) -> float:
    return v if math.isnan(v) else max(v, 0.0)


def _cbrt_torch(t: torch.Tensor) -> torch.Tensor:
    return torch.sign(t) * torch.abs(t).pow(1 / 3)  # the real cube root, of negatives too


def _f(
    name: str,
    doc: str,
    fast: ScalarFn,
    tf: TorchFn,
    af: ArrayFn,
    rule: Rule | None,
    latex: str | None = None,
    mathml: str | None = None,
    **more: object,
) -> Function:
    """An entry; the float form falls back to numpy where ``math`` raises (see floats.total)."""
    return Function(
        name=name,
        doc=doc,
        scalar=total(fast, af),
        torch=tf,
        array=af,
        rule=rule,
        latex=latex if latex is not None else "\\" + name,
        mathml=mathml if mathml is not None else name,
        **more,  # type: ignore[arg-type]
    )


_PI_2 = math.pi / 2

FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        _f("sin", "sine", math.sin, torch.sin, np.sin, _c("cos"), inverse="asin"),
        _f("cos", "cosine", math.cos, torch.cos, np.cos, lambda u: neg(Call("sin", u)),
           inverse="acos"),
        _f("tan", "tangent", math.tan, torch.tan, np.tan, lambda u: _sq(Call("sec", u)),
           inverse="atan", domain=(-1.4, 1.4)),
        _f("sec", "secant, 1/cos", lambda v: 1 / math.cos(v), lambda t: 1 / torch.cos(t),
           lambda a: 1 / np.cos(a), lambda u: mul(Call("sec", u), Call("tan", u)),
           domain=(-1.4, 1.4)),
        _f("csc", "cosecant, 1/sin", lambda v: 1 / math.sin(v), lambda t: 1 / torch.sin(t),
           lambda a: 1 / np.sin(a), lambda u: neg(mul(Call("csc", u), Call("cot", u))),
           domain=(0.2, 3.0), edges=(0.0,)),
        _f("cot", "cotangent, cos/sin", lambda v: math.cos(v) / math.sin(v),
           lambda t: torch.cos(t) / torch.sin(t), lambda a: np.cos(a) / np.sin(a),
           lambda u: neg(_sq(Call("csc", u))), domain=(0.2, 3.0), edges=(0.0,)),
        _f("asin", "arcsine", math.asin, torch.asin, np.arcsin,
           lambda u: div(ONE, Call("sqrt", sub(ONE, _sq(u)))), r"\arcsin", "arcsin",
           aliases=("arcsin",), domain=(-0.95, 0.95), edges=(-1.0, 1.0, 1.5)),
        _f("acos", "arccosine", math.acos, torch.acos, np.arccos,
           lambda u: neg(div(ONE, Call("sqrt", sub(ONE, _sq(u))))), r"\arccos", "arccos",
           aliases=("arccos",), domain=(-0.95, 0.95), edges=(-1.0, 1.0, -1.5)),
        _f("atan", "arctangent", math.atan, torch.atan, np.arctan,
           lambda u: div(ONE, add(ONE, _sq(u))), r"\arctan", "arctan", aliases=("arctan",)),
        _f("sinh", "hyperbolic sine", math.sinh, torch.sinh, np.sinh, _c("cosh"),
           inverse="asinh", edges=(-1000.0, 1000.0)),
        _f("cosh", "hyperbolic cosine", math.cosh, torch.cosh, np.cosh, _c("sinh"),
           inverse="acosh", edges=(-1000.0, 1000.0)),
        _f("tanh", "hyperbolic tangent", math.tanh, torch.tanh, np.tanh,
           lambda u: sub(ONE, _sq(Call("tanh", u))), inverse="atanh"),
        _f("asinh", "inverse hyperbolic sine", math.asinh, torch.asinh, np.arcsinh,
           lambda u: div(ONE, Call("sqrt", add(_sq(u), ONE))), r"\operatorname{arsinh}",
           "arsinh", aliases=("arsinh", "arcsinh", "argsinh")),
        _f("acosh", "inverse hyperbolic cosine", math.acosh, torch.acosh, np.arccosh,
           lambda u: div(ONE, Call("sqrt", sub(_sq(u), ONE))), r"\operatorname{arcosh}",
           "arcosh", aliases=("arcosh", "arccosh", "argcosh"), domain=(1.05, 4.0),
           edges=(1.0, 0.5)),
        _f("atanh", "inverse hyperbolic tangent", math.atanh, torch.atanh, np.arctanh,
           lambda u: div(ONE, sub(ONE, _sq(u))), r"\operatorname{artanh}", "artanh",
           aliases=("artanh", "arctanh", "argtanh"), domain=(-0.95, 0.95),
           edges=(-1.0, 1.0, 1.5)),
        _f("exp", "the exponential, e^u", math.exp, torch.exp, np.exp, _c("exp"),
           edges=(-1000.0, 1000.0)),
        _f("log", "the natural logarithm", math.log, torch.log, np.log,
           lambda u: div(ONE, u), r"\ln", "ln", aliases=("ln", "log_e"),
           domain=(0.1, 5.0), edges=(0.0, -1.0)),
        _f("log10", "the logarithm to base 10", math.log10, torch.log10, np.log10,
           lambda u: div(ONE, mul(u, Call("log", num(10)))), r"\log_{10}", "log",
           aliases=("log_10",), domain=(0.1, 5.0), edges=(0.0, -1.0),
           mathml_form="<mrow><msub><mi>log</mi><mn>10</mn></msub><mo>\u2061</mo>"
           '<mrow><mo stretchy="false">(</mo>{u}<mo stretchy="false">)</mo></mrow></mrow>'),
        _f("log2", "the logarithm to base 2", math.log2, torch.log2, np.log2,
           lambda u: div(ONE, mul(u, Call("log", TWO))), r"\log_{2}", "log",
           aliases=("log_2",), domain=(0.1, 5.0), edges=(0.0, -1.0),
           mathml_form="<mrow><msub><mi>log</mi><mn>2</mn></msub><mo>\u2061</mo>"
           '<mrow><mo stretchy="false">(</mo>{u}<mo stretchy="false">)</mo></mrow></mrow>'),
        _f("sqrt", "the square root (also √u)", math.sqrt, torch.sqrt, np.sqrt,
           lambda u: div(ONE, mul(TWO, Call("sqrt", u))), r"\sqrt", "sqrt",
           domain=(0.1, 5.0), edges=(0.0, -1.0), latex_form=r"\sqrt{{u}}",
           mathml_form="<msqrt>{u}</msqrt>"),
        _f("cbrt", "the real cube root (also ∛u; of negatives too)", math.cbrt, _cbrt_torch,
           np.cbrt, lambda u: div(ONE, mul(num(3), _sq(Call("cbrt", u)))), r"\sqrt[3]", "cbrt",
           domain=(0.1, 5.0), edges=(0.0, -8.0), latex_form=r"\sqrt[3]{{u}}",
           mathml_form="<mroot><mrow>{u}</mrow><mn>3</mn></mroot>"),
        _f("abs", "the absolute value (also |u|)", abs, torch.abs, np.abs,
           lambda u: div(u, Call("abs", u)), r"\left|", "abs", edges=(0.0,),
           latex_form=r"\left|{u}\right|", mathml_form="<mrow><mo>|</mo>{u}<mo>|</mo></mrow>"),
        _f("sigmoid", "the logistic function 1/(1 + e^-u) (also σ)", _sigmoid_scalar,
           torch.sigmoid, _sigmoid_array,
           lambda u: mul(Call("sigmoid", u), sub(ONE, Call("sigmoid", u))), r"\sigma",
           "\u03c3", edges=(-1000.0, 1000.0)),
        _f("relu", "max(u, 0)", _relu_scalar, torch.relu, lambda a: np.maximum(a, 0.0),
           _c("step"), r"\operatorname{relu}", "relu", edges=(0.0,)),
        _f("step", "1 where u > 0, else 0: the ReLU mask, relu'(u) = step(u)", _step_scalar,
           _step_torch, _step_array, None, r"\operatorname{step}", "step",
           edges=(0.0, math.inf, -math.inf)),
    )
}  # fmt: skip


def _reduce_args(fn: str) -> Callable[[list[tensors.Value]], tensors.Value]:
    return lambda args: tensors.apply(fn, args)


TENSOR_OPERATIONS: dict[str, TensorOperation] = {
    op.name: op
    for op in (
        TensorOperation("sum", "the sum of all entries, or along a dimension: sum(A, 0)", (1, 2),
                        _reduce_args("sum")),
        TensorOperation("mean", "the mean of all entries, or along a dimension", (1, 2),
                        _reduce_args("mean")),
        TensorOperation("softmax", "softmax over the last dimension (or the one given)", (1, 2),
                        _reduce_args("softmax")),
        TensorOperation("log_softmax", "log of softmax, computed stably", (1, 2),
                        _reduce_args("log_softmax")),
        TensorOperation("cross_entropy", "cross_entropy(logits, k): -log softmax(logits)[k], "
                        "averaged over a batch", (2, 2), _reduce_args("cross_entropy")),
        TensorOperation("mse", "mse(y, t): the mean of (y - t)^2", (2, 2), _reduce_args("mse")),
        TensorOperation("outer", "outer(u, v): the outer product u v^T", (2, 2),
                        _reduce_args("outer")),
        TensorOperation("transpose", "transpose(W), also W^T", (1, 1), lambda args: tensors.transpose(args[0])),
    )
}  # fmt: skip

# Every name a student may type for a function, to its canonical name.
ALIASES: dict[str, str] = {alias: f.name for f in FUNCTIONS.values() for alias in f.aliases}
# Read as a function only where no variable of that name is in scope (σ(z) is sigmoid(z)).
SOFT_ALIASES = {"sigma": "sigmoid"}
# f^-1(x) written as on calculators: the inverse function.
INVERSES: dict[str, str] = {f.name: f.inverse for f in FUNCTIONS.values() if f.inverse}


def canonical(word: str) -> str | None:
    """The canonical name of a function typed as ``word`` (a tensor operation too), or None."""
    if word in FUNCTIONS or word in TENSOR_OPERATIONS:
        return word
    return ALIASES.get(word)


def words() -> Sequence[str]:
    """Every word that names a function: canonical names, aliases and tensor operations."""
    return [*FUNCTIONS, *ALIASES, *TENSOR_OPERATIONS]
