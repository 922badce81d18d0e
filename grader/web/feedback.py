"""Feedback on one submission, and its plots as SVG."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from typing import Any

from flask import Response, render_template, request, session
from flask_babel import gettext as _

from grader.i18n import language
from grader.services.assignments import assignment as assignments
from grader.services.context import Actor
from grader.services.errors import TooManyRequests
from grader.services.grading import feedback, solutions
from grader.vocabulary import SubmissionStatus
from grader.web import bp
from grader.web.plots import SIZES, describe, render_svg
from grader.web.security import services, signed_in

PLOT_RENDERS_PER_MINUTE = 60


class _PlotCache:
    """Drawn plots by (submission, exercise version, part, component, size, hidden):
    bounded, least recently used first out, and expiring (a regrade keeps the URLs)."""

    def __init__(self, size: int = 512, ttl_s: float = 600.0):
        self.size, self.ttl_s = size, ttl_s
        self._items: OrderedDict[tuple, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            found = self._items.get(key)
            if found is None or time.monotonic() - found[0] > self.ttl_s:
                return None
            self._items.move_to_end(key)
            return found[1]

    def put(self, key: tuple, svg: bytes) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), svg)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


@bp.get("/submissions/<int:submission_id>")
@signed_in
def submission(actor: Actor, submission_id: int) -> Any:
    svc = services()
    graded = feedback.load_graded(svc, actor, submission_id)
    done = graded.submission["status"] == SubmissionStatus.GRADED
    parts = feedback.feedback_parts(svc, graded) if done else []
    student = graded.submission.get("student")
    theirs = None if not student or student == actor.username else student
    for part in parts:
        for shown in part["plots"]:
            curves = shown.pop("curves")
            shown["alt"] = describe(curves, graded.hidden, shown["label"], theirs)
    left = None
    if graded.max_attempts is not None:
        left = max(graded.max_attempts - graded.attempts_used, 0)
    info = assignments.settings(svc, actor, graded.submission["assignment_id"])
    graphs = solutions.page_solutions(svc, graded) if done else {}
    closed = None
    if info["role"] == "student" and left == 0:
        closed = _("No attempts left.")
    elif info["role"] == "student" and graded.past_due:
        closed = _("The assignment is closed.")
    return render_template(
        "submission.html",
        g_=graded,
        s=graded.submission,
        parts=parts,
        left=left,
        info=info,
        graphs=graphs,
        closed=closed,
        notice=session.pop("notice", None),
    )


@bp.get("/submissions/<int:submission_id>/plots/<part_id>/<int:component>.svg")
@signed_in
def plot(actor: Actor, submission_id: int, part_id: str, component: int) -> Any:
    """One answer's plot (0.2-0.45 s of CPU to draw): drawn once per submission, part,
    component, size and visibility and kept (graded submissions do not change); each user may
    have at most PLOT_RENDERS_PER_MINUTE drawn a minute, counted by every process together
    (429 beyond)."""
    svc = services()
    size = request.args.get("size", "wide")
    if size not in SIZES:
        size = "wide"
    graded = feedback.load_graded(svc, actor, submission_id)  # who may see it, first
    # drawn once per submission, version, part, box, size, visibility and language (its labels)
    key = (
        submission_id,
        graded.version_id,
        part_id[:100],
        component,
        size,
        graded.hidden,
        language(),
    )
    cache = svc.__dict__.setdefault("plot_cache", _PlotCache())  # per database and process
    svg = cache.get(key)
    if svg is None:
        wait = svc.plot_renders.check(str(actor.id), PLOT_RENDERS_PER_MINUTE)
        if wait is not None:
            raise TooManyRequests(
                f"too many plots drawn; at most {PLOT_RENDERS_PER_MINUTE} a minute",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        data, hidden, label = feedback.plot_data(svc, actor, submission_id, part_id, component)
        svg = render_svg(data, hidden, label, size)
        cache.put(key, svg)
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
