"""The worked solution's computation graph of one part of a submission, as SVG."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from grader.engine.graph_svg import render_svg
from grader.services.context import Actor
from grader.services.grading import solutions
from grader.web import bp
from grader.web.security import services, signed_in


@bp.get("/submissions/<int:submission_id>/solution/<part_id>.svg")
@signed_in
def solution_svg(actor: Actor, submission_id: int, part_id: str) -> Any:
    """``?level=ops`` for torch's operations, ``?wrt=v`` for one component of a gradient."""
    level = request.args.get("level", "names")
    wrt = request.args.get("wrt")
    sol = solutions.for_submission(services(), actor, submission_id, part_id, level, wrt)
    svg = render_svg(sol, element_id=f"graph-{level}")
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response
