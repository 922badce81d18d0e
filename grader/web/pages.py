"""Home (my courses and assignments) and the submission history of an assignment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)

from grader.services.assignments import assignment as assignments
from grader.services.context import Actor
from grader.services.courses import course as courses
from grader.services.grading import feedback, submissions
from grader.services.integrations.lti import passback as lti_passback
from grader.web import bp
from grader.web.security import services, signed_in

PAGE_SIZE = 20
MAX_PAGE = 10**6  # a page number beyond it would overflow the database's OFFSET (a 500)


@bp.get("/")
@signed_in
def home(actor: Actor) -> Any:
    return render_template("home.html", courses=courses.overview(services(), actor))


@bp.get("/favicon.ico")
def favicon() -> Any:
    """Browsers and tools ask for /favicon.ico whatever the page names (the same SVG icon)."""
    folder = current_app.blueprints["web"].static_folder
    assert folder is not None  # the web blueprint is registered with its static folder
    response = send_from_directory(folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)
    return response


@bp.get("/courses/<int:course_id>")
@signed_in
def course(actor: Actor, course_id: int) -> Any:
    """One course's assignments (the breadcrumbs lead here)."""
    (found,) = courses.overview(services(), actor, course_id)
    return render_template("course.html", course=found)


@bp.get("/assignments/<int:assignment_id>/submissions")
@signed_in
def history(actor: Actor, assignment_id: int) -> Any:
    """Students: their own submissions with feedback. Instructors: everyone's, by student."""
    svc = services()
    info = assignments.settings(svc, actor, assignment_id)
    page = min(max(1, request.args.get("page", 1, type=int) or 1), MAX_PAGE)
    student = request.args.get("student", "").strip() or None
    listing = submissions.list_submissions(
        svc,
        actor,
        assignment_id,
        student=student,
        status=None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    pages = max(1, -(-listing["total"] // PAGE_SIZE))
    staff = info["role"] != "student"
    passback = lti_passback.state(svc, actor, assignment_id) if staff else None
    return render_template(
        "history.html",
        info=info,
        listing=listing,
        page=page,
        pages=pages,
        student=student,
        labels=feedback.part_labels(svc, actor, assignment_id),
        saved=session.pop("saved", None) if info["role"] != "student" else None,
        passback=passback,
    )


@bp.post("/assignments/<int:assignment_id>/settings")
@signed_in
def settings(actor: Actor, assignment_id: int) -> Any:
    """Instructors: when students may see the correct answer (never, after the due date,
    after their last attempt, always), and whether the worked solution's graph is a hint
    before then."""
    changes = {
        "show_answers": request.form.get("show_answers", ""),
        "solution_hint": request.form.get("solution_hint") == "1",
    }
    svc = services()
    row = assignments.update_assignment(svc, actor, assignment_id, changes)
    due = datetime.fromisoformat(row["due_at"]) if row["due_at"] else None
    zone = assignments.settings(svc, actor, assignment_id)["time_zone"]
    told = assignments.reveal_wording(
        row["show_answers"], due, row["max_attempts"], row["late_penalty"], zone
    )
    session["saved"] = f"Saved. Students are told: {told}."
    return redirect(url_for("web.history", assignment_id=assignment_id), code=303)
