"""The largest exercises the limits admit, written out as YAML (tests and bench/ use them)."""

from __future__ import annotations

from grader.engine.schema import MAX_DEFINE_NODES, MAX_DEFINES, MAX_PARTS, MAX_VARIABLES


def chain_exercise(defines: int = MAX_DEFINES, parts: int = MAX_PARTS, order: int = 4) -> str:
    """``defines`` chained definitions (the node budget shared out), ``parts`` parts asking
    for the ``order``-th derivative of a late definition."""
    per = MAX_DEFINE_NODES // defines
    lines = ["id: worst-chain", "title: Worst chain", "variables: {x: [0.5, 1.5]}"]
    lines += ["params: {k: {int: [2, 5]}}", "define:"]
    prev = "x"
    for i in range(defines):
        # sin(prev)*x + cos(x*prev)/k ... repeated to about `per` nodes; bounded values
        term = f"sin({prev})*x/k + cos(x*{prev})/(k+1)"
        body = " + ".join([term] * max(1, per // 16))
        lines.append(f"  y{i}: {body}")
        prev = f"y{i}"
    lines.append("parts:")
    for j in range(parts):
        target = f"y{defines - 1 - (j % defines)}"  # each part its own derivative
        wrt = "[" + ", ".join(["x"] * order) + "]"
        lines.append(f"  - {{id: p{j}, kind: expression, of: {target}, wrt: {wrt}}}")
    return "\n".join(lines) + "\n"


def gradient_exercise(variables: int = MAX_VARIABLES, parts: int = MAX_PARTS) -> str:
    """``variables`` variables and ``parts`` gradient parts, each over every variable, of
    chained definitions that use every variable."""
    names = [f"v{i}" for i in range(variables)]
    lines = ["id: worst-gradient", "title: Worst gradient", "variables:"]
    lines += [f"  {v}: [0.5, 1.5]" for v in names]
    lines.append("define:")
    prev = " + ".join(f"{v}^2" for v in names)
    for i in range(MAX_DEFINES // 4):
        inner = " + ".join(f"sin({v}*h{i - 1})" if i else f"sin({v})" for v in names[:8])
        lines.append(f"  h{i}: tanh({prev}) * ({inner})")
        prev = f"h{i}"
    lines.append("parts:")
    grad = "[" + ", ".join(names) + "]"
    for j in range(parts):
        of = f"h{MAX_DEFINES // 4 - 1 - (j % 3)}"
        lines.append(f"  - {{id: g{j}, kind: gradient, of: {of}, wrt: {grad}}}")
    return "\n".join(lines) + "\n"
