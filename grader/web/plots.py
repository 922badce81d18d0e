"""Feedback plots as SVG: the student's expression against the correct derivative.

Drawn with matplotlib's object API (no pyplot, no global figure state), so request threads
can plot at the same time.
"""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, searchable

from matplotlib.figure import Figure  # noqa: E402

from grader.engine import Curves  # noqa: E402

ANSWER, REFERENCE, WRONG = "#c2410c", "#1d4ed8", "#fca5a5"


def wrong_spans(xs: list[float], wrong: list[bool]) -> list[tuple[float, float]]:
    """The x-intervals of consecutive wrong grid points (each widened by half a step)."""
    spans: list[tuple[float, float]] = []
    half = (xs[1] - xs[0]) / 2 if len(xs) > 1 else 0.0
    start = None
    for i, bad in enumerate(wrong):
        if bad and start is None:
            start = i
        if start is not None and (not bad or i == len(wrong) - 1):
            end = i if bad else i - 1
            spans.append((xs[start] - half, xs[end] + half))
            start = None
    return spans


def y_limits(*series: list[float]) -> tuple[float, float] | None:
    """Limits that keep the bulk of the finite values in view (poles would flatten the rest)."""
    values = sorted(v for s in series for v in s if math.isfinite(v))
    if not values:
        return None
    lo = values[int(0.02 * (len(values) - 1))]
    hi = values[int(0.98 * (len(values) - 1))]
    pad = 0.1 * (hi - lo) or max(1.0, abs(hi) * 0.1)
    return lo - pad, hi + pad


def render_svg(data: Curves, hidden: bool, label: str) -> bytes:
    """The plot; with `hidden`, only the student's curve and where it is wrong."""
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = fig.subplots()
    for k, (a, b) in enumerate(wrong_spans(data.xs, data.wrong)):
        ax.axvspan(a, b, color=WRONG, alpha=0.5, lw=0, label="differs here" if k == 0 else None)
    ax.plot(data.xs, data.answer, color=ANSWER, lw=2, label="your answer")
    if not hidden:
        ax.plot(data.xs, data.reference, color=REFERENCE, lw=2, ls="--", label=f"correct {label}")
    if (limits := y_limits(data.answer, [] if hidden else data.reference)) is not None:
        ax.set_ylim(*limits)
    ax.set_xlim(data.xs[0], data.xs[-1])
    ax.set_xlabel(data.variable)
    ax.axhline(0, color="#9ca3af", lw=0.8)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    if data.fixed:
        held = ", ".join(f"{v} = {x:.3g}" for v, x in data.fixed.items())
        ax.set_title(f"{label} along {data.variable}, with {held}", fontsize="small")
    else:
        ax.set_title(label, fontsize="small")
    out = io.BytesIO()
    fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
