"""sympy as an independent oracle for tests and benchmarks (a test-only dependency).

Our AST is converted to sympy by a small tree walk: sympy never parses text (its parser
evaluates Python).
"""

from __future__ import annotations

import sympy

from grader.engine.expr import BinOp, Call, Expr, Name, Neg, Num

SYMPY_FUNCTIONS = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "sec": sympy.sec,
    "csc": sympy.csc,
    "cot": sympy.cot,
    "asin": sympy.asin,
    "acos": sympy.acos,
    "atan": sympy.atan,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "asinh": sympy.asinh,
    "acosh": sympy.acosh,
    "atanh": sympy.atanh,
    "exp": sympy.exp,
    "log": sympy.log,
    "log10": lambda a: sympy.log(a, 10),
    "log2": lambda a: sympy.log(a, 2),
    "sqrt": sympy.sqrt,
    "cbrt": lambda a: sympy.real_root(a, 3),
    "abs": sympy.Abs,
    "sigmoid": lambda a: 1 / (1 + sympy.exp(-a)),
    "relu": lambda a: sympy.Max(0, a),
}


def to_sympy(node: Expr, env: dict[str, sympy.Expr]) -> sympy.Expr:
    """Our AST as a sympy expression; ``env`` maps names to sympy values."""
    if isinstance(node, Num):
        v = node.value
        return sympy.Integer(int(v)) if v == int(v) else sympy.Float(v)
    if isinstance(node, Name):
        if node.name in env:
            return env[node.name]
        return {"pi": sympy.pi, "e": sympy.E}[node.name]
    if isinstance(node, Neg):
        return -to_sympy(node.arg, env)
    if isinstance(node, Call):
        return SYMPY_FUNCTIONS[node.fn](to_sympy(node.arg, env))
    a, b = to_sympy(node.left, env), to_sympy(node.right, env)
    assert isinstance(node, BinOp)
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "^": a**b}[node.op]


def sympy_chain(exercise, params) -> tuple[dict[str, sympy.Symbol], dict[str, sympy.Expr]]:
    symbols = {v: sympy.Symbol(v, real=True) for v in exercise.spec.variables}
    env: dict[str, sympy.Expr] = {**symbols}
    env.update({k: sympy.nsimplify(v) for k, v in params.items()})
    for name, node in exercise.defines:
        env[name] = to_sympy(node, env)
    return symbols, env


def sympy_derivative(exercise, params, of: str, wrt: list[str]) -> tuple[sympy.Expr, dict]:
    symbols, env = sympy_chain(exercise, params)
    out = env[of]
    for w in wrt:
        out = sympy.diff(out, symbols[w])
    return out, symbols
