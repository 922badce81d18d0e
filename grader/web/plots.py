"""Feedback plots as SVG: the student's expression against the correct derivative.

Drawn with matplotlib's object API (no pyplot, no global figure state), so request threads
can plot at the same time. Two sizes: wide for desktops, and a narrower figure for phones
whose text still renders at 12 CSS px or more when the image fills a 390 px screen.
"""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, searchable

from flask_babel import gettext as _  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from grader.engine import Curves  # noqa: E402

ANSWER, REFERENCE, WRONG = "#c2410c", "#1d4ed8", "#fca5a5"
# (width, height) in inches and the text size in points; SVG user units are points, and the
# image is drawn at its container's width: ~640 CSS px on a desktop, ~340 on a phone
SIZES = {"wide": ((6.4, 3.6), 10.0), "phone": ((3.6, 3.2), 11.0)}
VISIBLE = 0.02  # a gap under 2% of the y-range looks like no gap: not shaded


def runs(flags: list[bool]) -> list[tuple[int, int]]:
    """(first, last) indices of each run of consecutive true flags."""
    found: list[tuple[int, int]] = []
    start = None
    for i, flag in enumerate(flags):
        if flag and start is None:
            start = i
        if start is not None and (not flag or i == len(flags) - 1):
            found.append((start, i if flag else i - 1))
            start = None
    return found


def wrong_spans(xs: list[float], wrong: list[bool]) -> list[tuple[float, float]]:
    """The x-intervals of consecutive wrong grid points (each widened by half a step)."""
    half = (xs[1] - xs[0]) / 2 if len(xs) > 1 else 0.0
    return [(xs[a] - half, xs[b] + half) for a, b in runs(wrong)]


def y_limits(*series: list[float]) -> tuple[float, float] | None:
    """Limits that keep the bulk of the finite values in view (poles would flatten the rest)."""
    values = sorted(v for s in series for v in s if math.isfinite(v))
    if not values:
        return None
    lo = values[int(0.02 * (len(values) - 1))]
    hi = values[int(0.98 * (len(values) - 1))]
    pad = 0.1 * (hi - lo) or max(1.0, abs(hi) * 0.1)
    return lo - pad, hi + pad


def differs(data: Curves) -> list[bool]:
    """Grid points where the answer is wrong beyond the tolerance by a gap one can see."""
    limits = y_limits(data.answer, data.reference)
    seen = VISIBLE * (limits[1] - limits[0]) if limits else 0.0
    return [
        bad and (not math.isfinite(a - r) or abs(a - r) > seen)
        for bad, a, r in zip(data.wrong, data.answer, data.reference, strict=True)
    ]


def _where(variable: str, xs: list[float], first: int, last: int) -> str:
    """A run of wrong grid points in words, bounded by the right points beside it."""
    lo, hi = first > 0, last < len(xs) - 1
    a, b = xs[first - 1] if lo else xs[0], xs[last + 1] if hi else xs[-1]
    if not lo and not hi:
        return _("everywhere on %(range)s", range=f"{a:.3g} ≤ {variable} ≤ {b:.3g}")
    if not lo:
        return _("for %(range)s", range=f"{variable} < {b:.3g}")
    if not hi:
        return _("for %(range)s", range=f"{variable} > {a:.3g}")
    return _("for %(range)s", range=f"{a:.3g} < {variable} < {b:.3g}")


def describe(data: Curves, hidden: bool, label: str, student: str | None = None) -> str:
    """Where the answer differs, in words for the alt text, in the page's language: 'your
    answer is too large for x > 1' (`student`: the name of the student whose answer an
    instructor reads). With `hidden`, only where it is wrong, not in which direction."""
    found = runs(differs(data))
    name = {"name": student} if student else {}
    if not found:
        if student:
            return _(
                "Plot of %(name)s’s %(label)s: along this line it agrees with the correct one.",
                label=label,
                **name,
            )
        return _(
            "Plot of your %(label)s: along this line it agrees with the correct one.", label=label
        )
    pieces = []
    for first, last in found[:3]:
        where = _where(data.variable, data.xs, first, last)
        if hidden:
            pieces.append(_("wrong %(where)s", where=where))
            continue
        gaps = [
            a - r
            for a, r in zip(
                data.answer[first : last + 1], data.reference[first : last + 1], strict=True
            )
            if math.isfinite(a - r)
        ]
        above = sum(1 for d in gaps if d > 0)
        if gaps and above > 0.8 * len(gaps):
            pieces.append(_("too large %(where)s", where=where))
        elif gaps and above < 0.2 * len(gaps):
            pieces.append(_("too small %(where)s", where=where))
        else:
            pieces.append(_("off %(where)s", where=where))
    said = ", ".join(pieces)
    if len(found) > 3:
        said = _("%(places)s and in %(n)s more places", places=said, n=len(found) - 3)
    if student:
        if hidden:
            return _(
                "Plot of %(name)s’s %(label)s: %(name)s’s answer is %(where)s.",
                label=label,
                where=said,
                **name,
            )
        return _(
            "Plot of %(name)s’s %(label)s against the correct one: %(name)s’s answer is %(where)s.",
            label=label,
            where=said,
            **name,
        )
    if hidden:
        return _("Plot of your %(label)s: your answer is %(where)s.", label=label, where=said)
    return _(
        "Plot of your %(label)s against the correct one: your answer is %(where)s.",
        label=label,
        where=said,
    )


def render_svg(data: Curves, hidden: bool, label: str, size: str = "wide") -> bytes:
    """The plot; with `hidden`, only the student's curve and where it is wrong."""
    figsize, points = SIZES.get(size, SIZES["wide"])
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    for k, (a, b) in enumerate(wrong_spans(data.xs, differs(data))):
        ax.axvspan(a, b, color=WRONG, alpha=0.5, lw=0, label=_("differs here") if k == 0 else None)
    ax.plot(data.xs, data.answer, color=ANSWER, lw=2, label=_("your answer"))
    if not hidden:
        correct = _("correct %(label)s", label=label)
        ax.plot(data.xs, data.reference, color=REFERENCE, lw=2, ls="--", label=correct)
    if (limits := y_limits(data.answer, [] if hidden else data.reference)) is not None:
        ax.set_ylim(*limits)
    ax.set_xlim(data.xs[0], data.xs[-1])
    ax.set_xlabel(data.variable, fontsize=points)
    ax.set_ylabel(label, fontsize=points)
    ax.tick_params(labelsize=points)
    for axis in (ax.xaxis, ax.yaxis):
        axis.get_offset_text().set_fontsize(points)  # the "1e-5" beside the ticks
    ax.axhline(0, color="#9ca3af", lw=0.8)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=points)
    title = label
    if data.fixed:
        held = ", ".join(f"{v} = {x:.3g}" for v, x in data.fixed.items())
        title = _(
            "%(label)s along %(variable)s, with %(held)s",
            label=label,
            variable=data.variable,
            held=held,
        )
    ax.set_title(title, fontsize=points, wrap=True)
    out = io.BytesIO()
    fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
