"""Small grammars that draw one exercise each: a function for a skill, its right answer and
the answer of the skill's classic mistake.

A grammar is a function of a ``random.Random`` and the template's options (``GenerateSpec``)
returning a ``Draft``: the exercise's variables, params, definitions, statement and parts, the
right answer and the classic mistake of each part. Grammars only write text; ``generate.py``
loads the draft as an exercise and checks it (finite, non-trivial, renders, the mistake
diagnosed as such), redrawing a draft that fails. Every number drawn is a small integer, so
the work of a draft is a few dozen nodes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from .autograd import evaluate
from .expr import parse
from .render import to_latex, to_text
from .schema import GenerateSpec
from .symbolic import derivative

X = "x"


@dataclass
class Draft:
    """One drawn exercise, as the text of its YAML sections."""

    statement: str
    variables: dict[str, Any]
    define: dict[str, str]
    parts: list[dict[str, Any]]
    answers: dict[str, str | list[str]]  # the right answer per part id
    mistakes: dict[str, str | list[str]]  # the classic mistake's answer per part id
    params: dict[str, Any] = field(default_factory=dict)
    varies: bool = True  # the derivative must not be constant over the interval


Grammar = Callable[[random.Random, GenerateSpec], Draft]


# ------------------------------------------------------------------------------ drawing


def coefficient(rng: random.Random, spec: GenerateSpec, nonzero: bool = True) -> int:
    lo, hi = spec.coefficients
    values = [c for c in range(lo, hi + 1) if c or not nonzero]
    return rng.choice(values)


def factor(rng: random.Random, spec: GenerateSpec) -> int:
    """An inner coefficient that the chain rule must bring out: never 0 or ±1."""
    lo, hi = spec.coefficients
    values = [c for c in range(lo, hi + 1) if abs(c) >= 2] or [2, 3]
    return rng.choice(values)


def term(c: int, body: str) -> str:
    """``c*body`` written as a person would (``body`` alone for 1, ``-body`` for -1)."""
    if body == "1":
        return str(c)
    if c == 1:
        return body
    if c == -1:
        return f"-{body}"
    return f"{c}*{body}"


def join(terms: list[str]) -> str:
    out = terms[0]
    for t in terms[1:]:
        out += f" - {t[1:]}" if t.startswith("-") else f" + {t}"
    return out


def power_of(var: str, k: int) -> str:
    return "1" if k == 0 else var if k == 1 else f"{var}^{k}"


def polynomial(rng: random.Random, spec: GenerateSpec, degree: int, var: str = X) -> str:
    """A polynomial of exactly ``degree`` with small integer coefficients (some zero)."""
    terms = [term(coefficient(rng, spec), power_of(var, degree))]
    for k in range(degree - 1, -1, -1):
        c = coefficient(rng, spec, nonzero=False)
        if c:
            terms.append(term(c, power_of(var, k)))
    return join(terms)


def degree(rng: random.Random, spec: GenerateSpec, default: tuple[int, int]) -> int:
    lo, hi = spec.degree or default
    return rng.randint(lo, hi)


def d(text: str, var: str = X, names: frozenset[str] = frozenset({"x", "y"})) -> str:
    """The derivative of ``text`` as answer-language text (the right answer)."""
    found = derivative(parse(text, names), var)
    if found is None:
        raise ValueError(f"no formula for d/d{var} of {text}")
    return to_text(found)


def latex(text: str, names: frozenset[str] = frozenset({"x", "y"})) -> str:
    return to_latex(parse(text, names))


def choose_function(rng: random.Random, spec: GenerateSpec, default: list[str]) -> str:
    return rng.choice(spec.functions or default)


def single(
    f: str, statement: str, interval: tuple[float, float], mistake: str, answer: str | None = None
) -> Draft:
    """A one-part draft: d/dx of ``f`` over ``interval``."""
    return Draft(
        statement=statement,
        variables={X: list(interval)},
        define={"f": f},
        parts=[{"id": "df", "kind": "expression", "of": "f", "wrt": X}],
        answers={"df": answer if answer is not None else d(f)},
        mistakes={"df": mistake},
    )


def ask(f: str, what: str = "Find $f'(x)$.") -> str:
    return f"Let $f(x) = {latex(f)}$.\n\n{what}\n"


# ------------------------------------------------------------------------------ grammars

# The derivative of each outer function at the text {u}, without the inner factor.
OUTER = {
    "sin": ("sin({u})", "cos({u})"),
    "cos": ("cos({u})", "-sin({u})"),
    "exp": ("exp({u})", "exp({u})"),
    "log": ("log({u})", "1/({u})"),
    "sqrt": ("sqrt({u})", "1/(2*sqrt({u}))"),
    "power": ("({u})^{n}", "{n}*({u})^{m}"),
}


def chain(rng: random.Random, spec: GenerateSpec) -> Draft:
    """An outer function of an inner polynomial; the mistake leaves out the inner factor."""
    outer = choose_function(rng, spec, list(OUTER))
    inner = polynomial(rng, spec, degree(rng, spec, (1, 3)))
    if outer in ("log", "sqrt"):  # real on the interval: lift the inner above 0 there
        inner = f"{inner} + {lift(inner)}"
    n = rng.randint(2, 5)
    shape, outer_d = OUTER[outer]
    f = shape.format(u=inner, n=n)
    mistake = outer_d.format(u=inner, n=n, m=n - 1)
    return single(f, ask(f, "Find $f'(x)$ (the chain rule)."), (-1.0, 1.0), mistake)


def lift(inner: str, lo: float = -1.0, hi: float = 1.0) -> int:
    """The least whole number that keeps ``inner`` + it at least 1 over [lo, hi]."""
    xs = torch.linspace(lo, hi, 65, dtype=torch.float64)
    low = float(torch.as_tensor(evaluate(parse(inner, frozenset({X})), {X: xs})).min())
    return max(1, int(1 - low) + 1)


def _factor_text(rng: random.Random, spec: GenerateSpec, kind: str) -> str:
    if kind == "poly":
        return f"({polynomial(rng, spec, rng.randint(1, 2))})"
    if kind == "exp":
        return f"exp({term(factor(rng, spec), X)})"
    if kind == "trig":
        return f"{rng.choice(['sin', 'cos'])}({term(factor(rng, spec), X)})"
    return "log(x)"


def product(rng: random.Random, spec: GenerateSpec) -> Draft:
    """u·v of two kinds among {poly, exp, trig, log}; the mistake is u′v′."""
    kinds = rng.sample(spec.functions or ["poly", "exp", "trig", "log"], 2)
    u, v = (_factor_text(rng, spec, k) for k in kinds)
    f = f"{u}*{v}"
    interval = (0.5, 2.0) if "log" in kinds else (-1.0, 1.0)
    return single(f, ask(f, "Find $f'(x)$ (the product rule)."), interval, f"({d(u)})*({d(v)})")


def quotient(rng: random.Random, spec: GenerateSpec) -> Draft:
    """u/v with v > 0 on the interval; the mistake adds the quotient rule's two terms."""
    u = _factor_text(rng, spec, rng.choice(spec.functions or ["poly", "exp", "trig"]))
    v = f"({X}^2 + {rng.randint(1, 4)})" if rng.random() < 0.5 else f"({X} + {rng.randint(2, 4)})"
    du, dv = d(u), d(v)
    f = f"{u}/{v}"
    mistake = f"(({du})*{v} + {u}*({dv}))/{v}^2"
    return single(f, ask(f, "Find $f'(x)$ (the quotient rule)."), (-1.0, 1.0), mistake)


def power(rng: random.Random, spec: GenerateSpec) -> Draft:
    """a·xⁿ + b·xᵐ + c; the mistake lowers the first exponent without bringing it down."""
    n = degree(rng, spec, (3, 6))
    m = rng.randint(1, n - 1)
    a, b, c = (coefficient(rng, spec) for _ in range(3))
    f = join([term(a, power_of(X, n)), term(b, power_of(X, m)), str(c)])
    mistake = join([term(a, power_of(X, n - 1)), term(b * m, power_of(X, m - 1))])
    return single(f, ask(f, "Find $f'(x)$ (the power rule)."), (-2.0, 2.0), mistake)


def constant_sum(rng: random.Random, spec: GenerateSpec) -> Draft:
    """A sum of constant multiples and a constant term; the mistake keeps the constant."""
    n = degree(rng, spec, (2, 4))
    f = join(
        [
            term(coefficient(rng, spec), power_of(X, n)),
            term(coefficient(rng, spec), f"{rng.choice(['sin', 'cos', 'exp'])}(x)"),
            str(coefficient(rng, spec)),
        ]
    )
    constant = f.rsplit(" ", 2)
    mistake = f"{d(f)} {constant[1]} {constant[2]}"
    return single(f, ask(f, "Find $f'(x)$ (term by term)."), (-2.0, 2.0), mistake)


def exp_log(rng: random.Random, spec: GenerateSpec) -> Draft:
    """a·exp(kx) + b·log(x); the mistake leaves out the k of the exponent."""
    a, b, k = coefficient(rng, spec), coefficient(rng, spec), factor(rng, spec)
    e = f"exp({term(k, X)})"
    f = join([term(a, e), term(b, "log(x)")])
    mistake = join([term(a, e), f"{b}/x"])
    return single(f, ask(f), (0.5, 1.5), mistake)


def trig(rng: random.Random, spec: GenerateSpec) -> Draft:
    """a·sin(kx) + b·cos(mx); the mistake differentiates cos to +sin."""
    a, b = coefficient(rng, spec), coefficient(rng, spec)
    k, m = factor(rng, spec), factor(rng, spec)
    f = join([term(a, f"sin({term(k, X)})"), term(b, f"cos({term(m, X)})")])
    mistake = join([term(a * k, f"cos({term(k, X)})"), term(b * m, f"sin({term(m, X)})")])
    return single(f, ask(f), (-2.0, 2.0), mistake)


INVERSE = {
    "asin": "1/sqrt(1 - ({u})^2)",
    "acos": "-1/sqrt(1 - ({u})^2)",
    "atan": "1/(1 + ({u})^2)",
}


def inverse_trig(rng: random.Random, spec: GenerateSpec) -> Draft:
    """a·F(kx) for F in asin, acos, atan; the mistake leaves out the inner factor k."""
    fn = choose_function(rng, spec, list(INVERSE))
    a, k = coefficient(rng, spec), rng.choice([2, 3, -2, -3])
    inner = term(k, X)
    f = term(a, f"{fn}({inner})")
    mistake = term(a, INVERSE[fn].format(u=inner))
    return single(f, ask(f), (-0.3, 0.3), mistake)


def hyperbolic(rng: random.Random, spec: GenerateSpec) -> Draft:
    """a·sinh(kx) + b·cosh(mx); the mistake differentiates cosh to −sinh (as for cos)."""
    a, b = coefficient(rng, spec), coefficient(rng, spec)
    k, m = factor(rng, spec), factor(rng, spec)
    f = join([term(a, f"sinh({term(k, X)})"), term(b, f"cosh({term(m, X)})")])
    mistake = join([term(a * k, f"cosh({term(k, X)})"), term(-b * m, f"sinh({term(m, X)})")])
    return single(f, ask(f), (-1.0, 1.0), mistake)


XY = {X: [-1.0, 1.0], "y": [-1.0, 1.0]}


def _two_variable(rng: random.Random, spec: GenerateSpec) -> str:
    """a·xⁱyʲ + b·yᵏ·g(cx) with g among exp, sin, cos."""
    i, j, k = rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 2)
    g = choose_function(rng, spec, ["exp", "sin", "cos"])
    return join(
        [
            term(coefficient(rng, spec), f"{power_of(X, i)}*{power_of('y', j)}"),
            term(coefficient(rng, spec), f"{power_of('y', k)}*{g}({term(factor(rng, spec), X)})"),
        ]
    )


def partial(rng: random.Random, spec: GenerateSpec) -> Draft:
    """∂f/∂x of a two-variable function; the mistake differentiates by y instead."""
    f = _two_variable(rng, spec)
    return Draft(
        statement=f"Let $f(x, y) = {latex(f)}$.\n\nFind $\\partial f/\\partial x$.\n",
        variables=dict(XY),
        define={"f": f},
        parts=[{"id": "fx", "kind": "expression", "of": "f", "wrt": X}],
        answers={"fx": d(f, X)},
        mistakes={"fx": d(f, "y")},
    )


def gradient(rng: random.Random, spec: GenerateSpec) -> Draft:
    """∇f of a two-variable polynomial; the mistake swaps the two partials."""
    i, j = rng.randint(1, 3), rng.randint(1, 3)
    f = join(
        [
            term(coefficient(rng, spec), f"{power_of(X, i)}*{power_of('y', j)}"),
            term(coefficient(rng, spec), power_of(X, rng.randint(2, 3))),
            term(coefficient(rng, spec), power_of("y", rng.randint(1, 3))),
        ]
    )
    fx, fy = d(f, X), d(f, "y")
    return Draft(
        statement=f"Let $f(x, y) = {latex(f)}$.\n\nFind the gradient $\\nabla f$ "
        "(two components: $\\partial f/\\partial x$, then $\\partial f/\\partial y$).\n",
        variables=dict(XY),
        define={"f": f},
        parts=[{"id": "grad", "kind": "gradient", "of": "f", "wrt": [X, "y"]}],
        answers={"grad": [fx, fy]},
        mistakes={"grad": [fy, fx]},
    )


def second_derivative(rng: random.Random, spec: GenerateSpec) -> Draft:
    """f″ of a polynomial plus an exp or trig term; the mistake stops at f′."""
    g = choose_function(rng, spec, ["exp", "sin", "cos"])
    f = join(
        [
            term(coefficient(rng, spec), power_of(X, degree(rng, spec, (3, 5)))),
            term(coefficient(rng, spec), f"{g}({term(factor(rng, spec), X)})"),
        ]
    )
    return Draft(
        statement=ask(f, "Find the second derivative $f''(x)$."),
        variables={X: [-1.0, 1.0]},
        define={"f": f},
        parts=[{"id": "d2f", "kind": "expression", "of": "f", "wrt": [X, X]}],
        answers={"d2f": d(d(f))},
        mistakes={"d2f": d(f)},
    )


def mixed_partial(rng: random.Random, spec: GenerateSpec) -> Draft:
    """∂²f/∂x∂y; the mistake stops at ∂f/∂x."""
    f = _two_variable(rng, spec)
    return Draft(
        statement=f"Let $f(x, y) = {latex(f)}$.\n\nFind the mixed partial derivative "
        "$\\dfrac{\\partial}{\\partial y}\\dfrac{\\partial f}{\\partial x}$.\n",
        variables=dict(XY),
        define={"f": f},
        parts=[{"id": "fxy", "kind": "expression", "of": "f", "wrt": [X, "y"]}],
        answers={"fxy": d(d(f, X), "y")},
        mistakes={"fxy": d(f, X)},
    )


def _sizes(rng: random.Random, spec: GenerateSpec, n: int) -> list[int]:
    lo, hi = spec.shape or (2, 4)
    return [rng.randint(lo, hi) for _ in range(n)]


def linear_layer(rng: random.Random, spec: GenerateSpec) -> Draft:
    """∂L/∂W for y = Wx + b and a squared error; the mistake transposes it (x δᵀ)."""
    m, n = _sizes(rng, spec, 2)
    while m == n:  # a square W would hide the transpose in its shape
        m, n = _sizes(rng, spec, 2)
    return Draft(
        statement=(
            f"A linear layer maps $x \\in \\mathbb{{R}}^{n}$ to $y = Wx + b \\in "
            f"\\mathbb{{R}}^{m}$ ($W$ is ${m} \\times {n}$); the loss is "
            "$L = \\frac{1}{2}\\sum_i (y_i - t_i)^2$.\n\n"
            "Give $\\partial L/\\partial W$ as a formula (`outer(u, v)` is $u v^\\top$; "
            "`y` may be used).\n"
        ),
        variables={
            "W": {"shape": [m, n], "range": [-2, 2]},
            X: {"shape": [n], "range": [-1, 1]},
            "b": {"shape": [m], "range": [-1, 1]},
            "t": {"shape": [m], "range": [-1, 1]},
        },
        define={"y": "W @ x + b", "L": "sum((y - t)^2) / 2"},
        parts=[{"id": "dL-dW", "kind": "expression", "of": "L", "wrt": "W"}],
        answers={"dL-dW": "outer(y - t, x)"},
        mistakes={"dL-dW": "outer(x, y - t)"},
    )


def batch_linear(rng: random.Random, spec: GenerateSpec) -> Draft:
    """∂L/∂W for Y = XW over a batch; the mistake gives (Y − t)ᵀX, the transpose."""
    batch, n, m = _sizes(rng, spec, 3)
    while m == n:
        m = _sizes(rng, spec, 1)[0]
    return Draft(
        statement=(
            f"A batch of {batch} inputs, the rows of $X$ (${batch} \\times {n}$), goes through "
            f"$Y = XW$ ($W$ is ${n} \\times {m}$); the loss is "
            "$L = \\frac{1}{2}\\sum (Y - t)^2$ over every entry, for targets $t$.\n\n"
            "Give $\\partial L/\\partial W$ as a formula (a matrix the shape of $W$; "
            "`Y` and `X^T` may be used).\n"
        ),
        variables={
            "X": {"shape": [batch, n], "range": [-1, 1]},
            "W": {"shape": [n, m], "range": [-1, 1]},
            "t": {"shape": [batch, m], "range": [-1, 1]},
        },
        define={"Y": "X @ W", "L": "sum((Y - t)^2) / 2"},
        parts=[{"id": "dL-dW", "kind": "expression", "of": "L", "wrt": "W"}],
        answers={"dL-dW": "X^T @ (Y - t)"},
        mistakes={"dL-dW": "(Y - t)^T @ X"},
    )


ACTIVATION = {"sigmoid": "y*(1 - y)", "tanh": "(1 - y^2)"}


def activation(rng: random.Random, spec: GenerateSpec) -> Draft:
    """∂L/∂w of a neuron y = act(w·x + b) with a squared error; the mistake leaves out act′."""
    act = choose_function(rng, spec, list(ACTIVATION))
    (n,) = _sizes(rng, spec, 1)
    return Draft(
        statement=(
            f"A neuron with weights $w \\in \\mathbb{{R}}^{n}$ computes $h = w^\\top x + b$, "
            f"$y = \\{act}(h)$ and $L = \\frac{{1}}{{2}}(y - t)^2$."
            if act == "tanh"
            else f"A neuron with weights $w \\in \\mathbb{{R}}^{n}$ computes $h = w^\\top x + b$, "
            "$y = \\sigma(h)$ and $L = \\frac{1}{2}(y - t)^2$."
        )
        + "\n\nGive $\\partial L/\\partial w$ as a formula (`y` and `h` may be used).\n",
        variables={
            "w": {"shape": [n], "range": [-1, 1]},
            X: {"shape": [n], "range": [-2, 2]},
            "b": [-1.0, 1.0],
            "t": [0.0, 1.0],
        },
        define={"h": "w @ x + b", "y": f"{act}(h)", "L": "(y - t)^2 / 2"},
        parts=[{"id": "dL-dw", "kind": "expression", "of": "L", "wrt": "w"}],
        answers={"dL-dw": f"(y - t)*{ACTIVATION[act]}*x"},
        mistakes={"dL-dw": "(y - t)*x"},
    )


def softmax_ce(rng: random.Random, spec: GenerateSpec) -> Draft:
    """∂L/∂z of cross-entropy over softmax; the mistake gives onehot − p (the sign)."""
    (k,) = _sizes(rng, spec, 1)
    k = max(k, 3)
    label = rng.randrange(k)
    onehot = "[" + ", ".join("1" if i == label else "0" for i in range(k)) + "]"
    return Draft(
        statement=(
            f"Logits $z \\in \\mathbb{{R}}^{k}$ give probabilities $p = \\mathrm{{softmax}}(z)$; "
            f"the loss for the true class {label} (counted from 0) is $L = -\\log p_{{{label}}}$."
            "\n\nGive $\\partial L/\\partial z$ as a formula (`softmax(z)` and vectors such as "
            f"`{onehot}` may be used).\n"
        ),
        variables={"z": {"shape": [k], "range": [-3, 3]}},
        define={"L": f"cross_entropy(z, {label})"},
        parts=[{"id": "dL-dz", "kind": "expression", "of": "L", "wrt": "z"}],
        answers={"dL-dz": f"softmax(z) - {onehot}"},
        mistakes={"dL-dz": f"{onehot} - softmax(z)"},
    )


def batch_mean(rng: random.Random, spec: GenerateSpec) -> Draft:
    """∂L/∂w of the mean logistic loss over a batch; the mistake forgets the 1/N."""
    batch, n = _sizes(rng, spec, 2)
    return Draft(
        statement=(
            f"Logistic regression with weights $w \\in \\mathbb{{R}}^{n}$ scores a batch of "
            f"$N = {batch}$ examples, the rows of $X$, with labels $y$: $p = \\sigma(Xw)$ and "
            "$L = \\frac{1}{N}\\sum_n -\\bigl(y_n \\log p_n + (1 - y_n)\\log(1 - p_n)\\bigr)$."
            "\n\n$$X = {X}, \\qquad y = {y}$$\n\n"
            "Give $\\partial L/\\partial w$ as a formula (`p`, `X` and `y` may be used).\n"
        ),
        variables={"w": {"shape": [n], "range": [-1, 1]}},
        params={
            "X": {"shape": [batch, n], "int": [-2, 2]},
            "y": {"shape": [batch], "choice": [0, 1]},
        },
        define={"p": "sigmoid(X @ w)", "L": "mean(-(y*log(p) + (1 - y)*log(1 - p)))"},
        parts=[{"id": "dL-dw", "kind": "expression", "of": "L", "wrt": "w"}],
        answers={"dL-dw": f"X^T @ (p - y) / {batch}"},
        mistakes={"dL-dw": "X^T @ (p - y)"},
    )


GRAMMARS: dict[str, Grammar] = {
    "power": power,
    "constant-sum": constant_sum,
    "product": product,
    "quotient": quotient,
    "chain": chain,
    "exp-log": exp_log,
    "trig": trig,
    "inverse-trig": inverse_trig,
    "hyperbolic": hyperbolic,
    "partial": partial,
    "gradient": gradient,
    "second-derivative": second_derivative,
    "mixed-partial": mixed_partial,
    "linear-layer": linear_layer,
    "batch-linear": batch_linear,
    "activation": activation,
    "softmax-ce": softmax_ce,
    "batch-mean": batch_mean,
}

# The choices a template's `functions:` may narrow, per grammar (others take none).
FUNCTION_CHOICES: dict[str, list[str]] = {
    "chain": list(OUTER),
    "product": ["poly", "exp", "trig", "log"],
    "quotient": ["poly", "exp", "trig"],
    "inverse-trig": list(INVERSE),
    "partial": ["exp", "sin", "cos"],
    "second-derivative": ["exp", "sin", "cos"],
    "mixed-partial": ["exp", "sin", "cos"],
    "activation": list(ACTIVATION),
}
