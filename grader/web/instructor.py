"""Instructor pages: courses, people and roster import, assignments, gradebook, analytics.

Every page calls the same domain services as /api/v1; only forms and layout live here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from grader.services import timezones
from grader.services.accounts import users
from grader.services.accounts.access import require_role
from grader.services.assignments import assignment as assignments
from grader.services.assignments import exams
from grader.services.context import Actor
from grader.services.courses import course as courses
from grader.services.courses import roster
from grader.services.courses.results import CourseOut, MemberOut
from grader.services.errors import Forbidden, Invalid, NotFound
from grader.services.exercises import library as exercises
from grader.services.gradebook import analytics
from grader.services.gradebook import scores as gradebook
from grader.services.gradebook.statistics import statistics as item_statistics
from grader.services.grading import feedback
from grader.services.grading import submissions as submission_service
from grader.web import bp
from grader.web.practice import goal_fields, goal_from_form, practised_skills
from grader.web.security import services, signed_in

MAX_ROSTER_CHARS = 200_000
LIBRARY_PAGE = 200


# --- time zones: a course's forms show and read times in the course's zone (the database keeps
# UTC); see grader/services/timezones.py. A date shown and sent back unchanged stays the same.


def _read_time(form: Any, name: str, zone: str, current: dict | None = None) -> datetime | None:
    """A datetime-local input read in the course's zone, as UTC; the text the form showed for
    `current[name]`, sent back unchanged, is that stored time exactly."""
    return timezones.from_input(
        form.get(name, ""), zone, name, current.get(name) if current else None
    )


def _staff(actor: Actor) -> None:
    require_role(actor, "instructor")


# --- courses and people ------------------------------------------------------------------


@bp.get("/teach")
@signed_in
def teach(actor: Actor) -> Any:
    """The courses the instructor teaches (active, then archived) and a form for a new one."""
    _staff(actor)
    listing = courses.list_courses(services(), actor, 200, 0).items
    teaching = [c for c in listing if c.your_role in ("instructor", "admin")]
    return render_template("instructor/index.html", courses=teaching, zones=timezones.zone_names())


@bp.post("/teach/courses")
@signed_in
def create_course(actor: Actor) -> Any:
    title = request.form.get("title", "").strip()
    if not 0 < len(title) <= 200:
        raise Invalid("a course title has 1 to 200 characters")
    zone = request.form.get("time_zone", "")[: timezones.MAX_ZONE_CHARS + 1]
    created = courses.create_course(services(), actor, title, zone)
    return redirect(url_for("web.teach_course", course_id=created.id), code=303)


def _course_page(actor: Actor, course_id: int, **extra: Any) -> Any:
    svc = services()
    course = courses.get_course(svc, actor, course_id)
    members = courses.list_members(svc, actor, course_id, 200, 0)
    listing = assignments.list_for_course(svc, actor, course_id, 200, 0)["items"]
    return render_template(
        "instructor/course.html",
        course=course,
        members=members,
        assignments=listing,
        zones=timezones.zone_names(),
        roster_limits={"rows": roster.MAX_ROWS, "passwords": roster.MAX_GIVEN_PASSWORDS},
        **extra,
    )


@bp.get("/teach/courses/<int:course_id>")
@signed_in
def teach_course(actor: Actor, course_id: int) -> Any:
    return _course_page(actor, course_id)


@bp.post("/teach/courses/<int:course_id>/settings")
@signed_in
def course_settings(actor: Actor, course_id: int) -> Any:
    action = request.form.get("action", "rename")
    if action == "rename":
        courses.update_course(
            services(), actor, course_id, title=request.form.get("title", ""), archived=None
        )
    elif action == "time_zone":
        zone = request.form.get("time_zone", "")[: timezones.MAX_ZONE_CHARS + 1]
        courses.update_course(
            services(), actor, course_id, title=None, archived=None, time_zone=zone
        )
    elif action == "locale":  # the course's default language (#29); "" clears it
        tag = request.form.get("locale", "")[:35]
        courses.update_course(services(), actor, course_id, title=None, archived=None, locale=tag)
    else:
        archived = action == "archive"
        courses.update_course(services(), actor, course_id, title=None, archived=archived)
    return redirect(url_for("web.teach_course", course_id=course_id), code=303)


@bp.post("/teach/courses/<int:course_id>/members")
@signed_in
def add_member(actor: Actor, course_id: int) -> Any:
    username = request.form.get("username", "").strip()
    role = request.form.get("role", "student")
    courses.add_member(services(), actor, course_id, username, role)
    return redirect(url_for("web.teach_course", course_id=course_id), code=303)


def _member(actor: Actor, course_id: int, username: str) -> tuple[CourseOut, MemberOut]:
    """The course and one of its members (404 when not a member), for a confirmation page."""
    svc = services()
    course = courses.get_course(svc, actor, course_id)
    found = courses.find_member(svc, actor, course_id, username)
    return course, found


@bp.get("/teach/courses/<int:course_id>/members/<username>/remove")
@signed_in
def confirm_remove_member(actor: Actor, course_id: int, username: str) -> Any:
    """Removing someone asks first (the last instructor is told why they cannot go)."""
    course, member = _member(actor, course_id, username)
    return render_template("instructor/confirm_member.html", course=course, m=member, act="remove")


@bp.post("/teach/courses/<int:course_id>/members/<username>/remove")
@signed_in
def remove_member(actor: Actor, course_id: int, username: str) -> Any:
    courses.remove_member(services(), actor, course_id, username)
    if username == actor.username:  # they no longer teach it
        return redirect(url_for("web.teach"), code=303)
    return redirect(url_for("web.teach_course", course_id=course_id, removed=username), code=303)


@bp.get("/teach/courses/<int:course_id>/members/<username>/password")
@signed_in
def confirm_reset_password(actor: Actor, course_id: int, username: str) -> Any:
    course, member = _member(actor, course_id, username)
    return render_template("instructor/confirm_member.html", course=course, m=member, act="reset")


@bp.post("/teach/courses/<int:course_id>/members/<username>/password")
@signed_in
def reset_password(actor: Actor, course_id: int, username: str) -> Any:
    """A new password for a student, shown on this page once (never stored in clear), or a
    one-time sign-in link (`how=link`)."""
    course = courses.get_course(services(), actor, course_id)
    link = request.form.get("how") == "link"
    done = users.reset_password(services(), actor, course_id, username, link).with_link(
        lambda token: url_for("web.sign_in_link", token=token, _external=True)
    )
    page = render_template("instructor/password_reset.html", course=course, reset=done)
    return page, 200, {"Cache-Control": "no-store"}


@bp.get("/teach/courses/<int:course_id>/members/<username>/accommodations")
@signed_in
def accommodations(actor: Actor, course_id: int, username: str) -> Any:
    """A student's extra time for every timed exam of the course (a factor, extra minutes)."""
    return _accommodations_page(actor, course_id, username)


def _accommodations_page(actor: Actor, course_id: int, username: str, **values: Any) -> str:
    """The form; `values`: a form sent back with its error."""
    course, member = _member(actor, course_id, username)
    if member.role != "student":
        raise NotFound(f"{username!r} is not a student of this course")
    return render_template("instructor/accommodations.html", course=course, m=member, **values)


def form_number(name: str, label: str, whole: bool) -> float | int | None:
    """A number typed in a form (a decimal comma read as a point); None when left empty."""
    text = request.form.get(name, "").strip()[:20].replace(",", ".")
    if not text:
        return None
    try:
        return int(text) if whole else float(text)
    except ValueError:
        if whole:
            message = _("%(label)s: “%(text)s” is not a whole number", label=label, text=text)
        else:
            message = _("%(label)s: “%(text)s” is not a number such as 1.5", label=label, text=text)
        raise Invalid(message, details=[{"path": name}]) from None


@bp.post("/teach/courses/<int:course_id>/members/<username>/accommodations")
@signed_in
def save_accommodations(actor: Actor, course_id: int, username: str) -> Any:
    try:
        factor = form_number("time_factor", _("Time factor"), whole=False)
        typed_minutes = form_number("extra_minutes", _("Extra minutes"), whole=True)
        minutes = None if typed_minutes is None else int(typed_minutes)
        exams.set_course_accommodation(services(), actor, course_id, username, factor, minutes)
    except Invalid as exc:
        typed = {k: request.form.get(k, "")[:20] for k in ("time_factor", "extra_minutes")}
        words = exc.message.replace("time_factor", "time factor").replace("_", " ")
        error = words[:1].upper() + words[1:] + ("" if words.endswith("。") else ".")
        field = exc.details[0].get("path", "") if isinstance(exc.details, list) else ""
        values = {"error": error, "typed": typed, "field": field}
        return _accommodations_page(actor, course_id, username, **values), 422
    target = url_for("web.teach_course", course_id=course_id, saved=username)
    return redirect(target + f"#member-{username}", code=303)


@bp.post("/teach/courses/<int:course_id>/roster")
@signed_in
def import_roster(actor: Actor, course_id: int) -> Any:
    """Check (dry run) or import a roster typed or pasted into the form, or a CSV file."""
    upload = request.files.get("file")
    data: bytes | str = request.form.get("roster", "")
    if upload is not None and upload.filename:
        data = upload.read(MAX_ROSTER_CHARS + 1)
    if len(data) > MAX_ROSTER_CHARS:
        raise Invalid(
            f"the roster is over {MAX_ROSTER_CHARS:,} characters, the most one form takes; "
            "split it or use the API"
        )
    if not (data.strip() if isinstance(data, str) else data.strip()):
        raise Invalid("paste the roster or choose a CSV file")
    dry_run = request.form.get("action") != "import"
    result = roster.import_roster(services(), actor, course_id, data, dry_run=dry_run)
    text = data if isinstance(data, str) else data.decode("utf-8-sig", errors="replace")
    status = 200 if result["valid"] else 422
    return _course_page(actor, course_id, roster=result, roster_text=text, dry_run=dry_run), status


@bp.post("/teach/credentials.csv")
@signed_in
def credentials_csv(actor: Actor) -> Any:
    """The generated passwords shown on the import's page, as a CSV to download (they are
    never stored: the page posts them back once)."""
    _staff(actor)
    names = request.form.getlist("username")[: roster.MAX_ROWS]
    secrets = request.form.getlist("password")[: roster.MAX_ROWS]
    rows = [{"username": u[:64], "password": p[:64]} for u, p in zip(names, secrets, strict=False)]
    text = roster.credentials_csv({"rows": rows})
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="initial-passwords.csv"'},
    )


# --- assignments -------------------------------------------------------------------------


def _form_values(current: dict | None) -> dict[str, Any]:
    """What the assignment form's inputs hold: the assignment's settings, its dates in the
    course's time zone, or (after a refused POST) what was typed."""
    if request.method == "POST":
        return {key: request.form.get(key, "") for key in FORM_FIELDS}
    if current is None:
        chosen = request.args.get("exercise", "")[:100]
        return {"exercise_id": chosen, "show_answers": "always"}
    values = {key: "" if current.get(key) is None else str(current[key]) for key in FORM_FIELDS}
    values.update(
        opens_at=timezones.to_input(current["opens_at"], current["time_zone"]),
        due_at=timezones.to_input(current["due_at"], current["time_zone"]),
    )
    return values


QUESTION_ROWS = 6  # question rows on the new-assignment form (the first is `exercise_id`)
QUESTION_FIELDS = ("exercises", "choose", "points", "attempts", "variants", "order")
FORM_FIELDS = (
    "exercise_id",
    "version",
    "title",
    "kind",
    "tz",
    "opens_at",
    "due_at",
    "closes_at",
    "time_limit_minutes",
    "exam_feedback",
    "shuffle",
    "max_attempts",
    "late_penalty",
    "show_answers",
    "score_policy",
    *(f"q{i}-{f}" for i in range(QUESTION_ROWS) for f in QUESTION_FIELDS),
)


def _assignment_form(
    actor: Actor, course_id: int, current: dict | None, error: str | None = None
) -> Any:
    library = exercises.list_exercises(services(), actor, LIBRARY_PAGE, 0)
    versions = None
    if current is not None and current.get("exercise_id"):
        versions = exercises.versions(services(), actor, current["exercise_id"])["versions"]
    page = render_template(
        "instructor/assignment_form.html",
        course=courses.get_course(services(), actor, course_id),
        current=current,
        values=_form_values(current),
        library=library,
        versions=versions,
        error=error,
        rows=range(1, QUESTION_ROWS),
        goal_skills=practised_skills() if current is None else [],
        **goal_fields(request.form if request.method == "POST" else None),
    )
    return page, 422 if error else 200


def _number(form: Any, name: str, cast: Any, label: str) -> Any:
    """A number typed in the assignment form, read by `cast`; None when left empty."""
    text = form.get(name, "").strip()
    try:
        return cast(text) if text else None
    except ValueError:
        raise Invalid(f"{label}: {text[:20]!r} is not a number") from None


def _questions_from_form(form: Any) -> dict[str, Any]:
    """The question list typed on the form: each row an exercise (or several: a pool, with how
    many each student gets), points, attempts, variants and its place in the order. One plain
    exercise row is the one-exercise form."""
    rows = []
    for i in range(QUESTION_ROWS):
        key = "exercise_id" if i == 0 else f"q{i}-exercises"
        ids = [x.strip() for x in form.get(key, "").replace(";", ",").split(",") if x.strip()]
        if not ids:
            continue
        label = f"question {i + 1}"
        spec: dict[str, Any] = {}
        if len(ids) > 1:
            spec["pool"] = ids[:50]
            choose = _number(form, f"q{i}-choose", int, f"{label}, how many each student gets")
            spec["choose"] = choose or 1
        else:
            spec["exercise_id"] = ids[0][:100]
        for field, name, cast in (("points", "points", float), ("max_attempts", "attempts", int)):
            value = _number(form, f"q{i}-{name}", cast, f"{label}, {name}")
            if value is not None:
                spec[field] = value
        if form.get(f"q{i}-variants") == "new_each_attempt":
            spec["variants"] = "new_each_attempt"
        order = _number(form, f"q{i}-order", float, f"{label}, order")
        rows.append((i + 1 if order is None else order, i, spec))
    if not rows:
        raise Invalid("choose an exercise for at least one question")
    specs = [spec for _, _, spec in sorted(rows, key=lambda r: (r[0], r[1]))]
    if len(specs) == 1 and set(specs[0]) == {"exercise_id"}:
        return {"exercise_id": specs[0]["exercise_id"]}
    return {"questions": specs}


def _exam_from_form(form: Any, tz: str) -> dict[str, Any]:
    """Title, kind and the exam settings typed on the form."""
    spec: dict[str, Any] = {"kind": "exam" if form.get("kind") == "exam" else "homework"}
    title = form.get("title", "").strip()
    if title:
        spec["title"] = title[:300]
    spec["shuffle"] = form.get("shuffle") == "1"
    if spec["kind"] == "exam":
        spec["closes_at"] = _read_time(form, "closes_at", tz)
        spec["time_limit_minutes"] = _number(form, "time_limit_minutes", int, "time limit")
        feedback = form.get("exam_feedback", "full")
        spec["exam_feedback"] = feedback if feedback in ("none", "score", "full") else "full"
    return spec


def _practice_from_form(form: Any, zone: str) -> dict[str, Any]:
    """A practice assignment typed on the form: its title, dates and goal (the skills ticked
    and the level); no questions, attempts or answers to show."""
    spec = goal_from_form(form)
    spec["opens_at"] = _read_time(form, "opens_at", zone)
    spec["due_at"] = _read_time(form, "due_at", zone)
    title = form.get("title", "").strip()
    if title:
        spec["title"] = title[:300]
    return spec


def _settings_from_form(form: Any, zone: str, current: dict | None = None) -> dict[str, Any]:
    """The assignment form's settings; its dates are read in the course's `zone`, and a date
    sent back as the form showed it keeps `current`'s value exactly."""
    spec: dict[str, Any] = {
        "opens_at": _read_time(form, "opens_at", zone, current),
        "due_at": _read_time(form, "due_at", zone, current),
        "show_answers": form.get("show_answers", "always"),
        "score_policy": form.get("score_policy", "best"),
    }
    for name, cast in (("max_attempts", int), ("late_penalty", float)):
        spec[name] = _number(form, name, cast, name)
    if spec["max_attempts"] is not None and not 1 <= spec["max_attempts"] <= 10_000:
        raise Invalid("max_attempts: 1 to 10000, or empty for no limit")
    penalty = spec["late_penalty"]
    if penalty is not None and not 0 <= penalty <= 1:
        raise Invalid("late_penalty: a fraction from 0 to 1, or empty to take no late work")
    return spec


@bp.route("/teach/courses/<int:course_id>/assignments/new", methods=["GET", "POST"])
@signed_in
def new_assignment(actor: Actor, course_id: int) -> Any:
    if request.method == "GET":
        return _assignment_form(actor, course_id, None)
    try:
        zone = courses.get_course(services(), actor, course_id).time_zone
        if request.form.get("kind") == "practice":
            spec = _practice_from_form(request.form, zone)
        else:
            spec = _settings_from_form(request.form, zone)
            spec.update(_exam_from_form(request.form, zone))
            spec.update(_questions_from_form(request.form))
        created = assignments.create_assignment(services(), actor, course_id, spec)
    except (Invalid, NotFound) as exc:  # shown on the form, with what was typed
        return _assignment_form(actor, course_id, None, error=exc.message)
    return redirect(url_for("web.teach_course", course_id=course_id, created=created["id"]), 303)


@bp.route("/teach/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_assignment(actor: Actor, assignment_id: int) -> Any:
    svc = services()
    current = assignments.settings(svc, actor, assignment_id)
    if current["role"] == "student":
        raise Forbidden("only the course's instructors may change assignments")
    if request.method == "GET":
        return _assignment_form(actor, current["course_id"], current)
    try:
        changes = _settings_from_form(request.form, current["time_zone"], current)
        version = request.form.get("version", "").strip()
        if version.isdigit() and len(version) < 10 and int(version) != current["version"]:
            changes["version"] = int(version)
        result = assignments.update_assignment(svc, actor, assignment_id, changes)
    except (Invalid, NotFound) as exc:
        return _assignment_form(actor, current["course_id"], current, error=exc.message)
    return redirect(
        url_for("web.teach_course", course_id=current["course_id"], regraded=result["regraded"]),
        303,
    )


@bp.post("/teach/assignments/<int:assignment_id>/extensions/all")
@signed_in
def extend_class(actor: Actor, assignment_id: int) -> Any:
    """A whole-class extension of the due date, in one action (as the API's `all: true`)."""
    current = assignments.settings(services(), actor, assignment_id)
    due = _read_time(request.form, "due_at", current["time_zone"])
    if due is None:
        raise Invalid("give the new due date for every student", details=[{"path": "due_at"}])
    done = gradebook.extend_class(services(), actor, assignment_id, due)
    until = timezones.shown(due, current["time_zone"])
    target = url_for(
        "web.edit_assignment", assignment_id=assignment_id, extended=done.students, until=until
    )
    return redirect(target + "#class-ext-h", 303)


# --- gradebook, one student's record, analytics ------------------------------------------


@bp.get("/teach/courses/<int:course_id>/gradebook")
@signed_in
def gradebook_page(actor: Actor, course_id: int) -> Any:
    svc = services()
    book = gradebook.gradebook(svc, actor, course_id)
    course = courses.get_course(svc, actor, course_id)
    return render_template("instructor/gradebook.html", book=book, course=course)


@bp.get("/teach/courses/<int:course_id>/gradebook.csv")
@signed_in
def gradebook_csv(actor: Actor, course_id: int) -> Any:
    text = gradebook.gradebook_csv(gradebook.gradebook(services(), actor, course_id))
    return _download(text, f"gradebook-course-{course_id}.csv")


@bp.get("/teach/assignments/<int:assignment_id>/submissions.csv")
@signed_in
def submissions_csv(actor: Actor, assignment_id: int) -> Any:
    text = gradebook.submissions_csv(services(), actor, assignment_id)
    return _download(text, f"submissions-assignment-{assignment_id}.csv")


def _download(text: str, name: str) -> Response:
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/teach/assignments/<int:assignment_id>/students/<username>")
@signed_in
def student_record(actor: Actor, assignment_id: int, username: str) -> Any:
    """One student on one assignment: the counted score, submissions, extension, override."""
    svc = services()
    info = assignments.settings(svc, actor, assignment_id)
    book = gradebook.gradebook(svc, actor, info["course_id"])
    row = next((s for s in book["students"] if s["username"] == username), None)
    if row is None:
        raise Invalid(f"{username!r} is not a student of this course")
    listing = submission_service.list_submissions(
        svc, actor, assignment_id, student=username, status=None, limit=200, offset=0
    )
    cell = row["scores"][str(assignment_id)]
    given = cell.get("extension") or {}
    extension = {
        "due_at": timezones.to_input(given.get("due_at"), info["time_zone"]),
        "extra_attempts": given.get("extra_attempts") or "",
        "time_factor": f"{given['time_factor']:g}" if given.get("time_factor") else "",
        "extra_minutes": "" if given.get("extra_minutes") is None else given["extra_minutes"],
        "question_attempts": given.get("question_attempts") or {},
    }
    return render_template(
        "instructor/student.html",
        info=info,
        student=row,
        cell=cell,
        extension=extension,
        listing=listing,
    )


def _current_extension(actor: Actor, assignment_id: int, username: str) -> dict:
    """The student's extension as the gradebook gives it ({} when none)."""
    info = assignments.settings(services(), actor, assignment_id)
    book = gradebook.gradebook(services(), actor, info["course_id"])
    row = next((s for s in book["students"] if s["username"] == username), None)
    return (row["scores"][str(assignment_id)].get("extension") or {}) if row else {}


@bp.post("/teach/assignments/<int:assignment_id>/students/<username>/extension")
@signed_in
def give_extension(actor: Actor, assignment_id: int, username: str) -> Any:
    """The student's extension as the form has it (it replaces the one before: the form shows
    that one, and a date sent back unchanged keeps it exactly); on an exam, also their own
    time factor and extra minutes for it."""
    info = assignments.settings(services(), actor, assignment_id)
    current = _current_extension(actor, assignment_id, username)
    due = _read_time(request.form, "due_at", info["time_zone"], current)
    extra_text = request.form.get("extra_attempts", "").strip()
    if extra_text and not extra_text.isdigit():
        raise Invalid("extra_attempts: a whole number")
    extra = int(extra_text) if extra_text else None
    factor = form_number("time_factor", _("Time factor"), whole=False)
    minutes = form_number("extra_minutes", _("Extra minutes"), whole=True)
    whole = None if minutes is None else int(minutes)
    gradebook.set_extension(services(), actor, assignment_id, username, due, extra, factor, whole)
    return redirect(
        url_for("web.student_record", assignment_id=assignment_id, username=username), 303
    )


@bp.post("/teach/assignments/<int:assignment_id>/students/<username>/override")
@signed_in
def give_override(actor: Actor, assignment_id: int, username: str) -> Any:
    text = request.form.get("score", "").strip()
    try:
        score = float(text)
    except ValueError:
        raise Invalid(f"score: {text[:20]!r} is not a number") from None
    reason = request.form.get("reason", "")
    gradebook.set_override(services(), actor, assignment_id, username, score, reason)
    return redirect(
        url_for("web.student_record", assignment_id=assignment_id, username=username), 303
    )


@bp.post("/teach/assignments/<int:assignment_id>/students/<username>/question-attempts")
@signed_in
def give_question_attempts(actor: Actor, assignment_id: int, username: str) -> Any:
    """Extra attempts at single questions for one student, as the form lists them (each
    question's box; empty or 0: none); the rest of their extension stays."""
    info = assignments.settings(services(), actor, assignment_id)
    given = _current_extension(actor, assignment_id, username).get("question_attempts") or {}
    for number, q in enumerate(info["questions"], start=1):
        typed = form_number(
            f"qa-{q['id']}", _("Question %(n)s, extra attempts", n=number), whole=True
        )
        extra = int(typed or 0)
        if extra != int(given.get(str(q["id"]), 0)):
            gradebook.set_question_attempts(
                services(), actor, assignment_id, username, q["id"], extra
            )
    target = url_for("web.student_record", assignment_id=assignment_id, username=username)
    return redirect(target + "#qa-h", 303)


@bp.post("/teach/assignments/<int:assignment_id>/students/<username>/question-override")
@signed_in
def give_question_override(actor: Actor, assignment_id: int, username: str) -> Any:
    """The student's score at one question, with the reason; an empty score takes it back."""
    text = request.form.get("question_id", "")[:12]
    if not text.isdigit():
        raise Invalid("choose the question", details=[{"path": "question_id"}])
    score = form_number("score", _("Score"), whole=False)
    reason = request.form.get("reason", "")[:2000]
    gradebook.set_question_override(
        services(), actor, assignment_id, username, int(text), score, reason
    )
    target = url_for("web.student_record", assignment_id=assignment_id, username=username)
    return redirect(target + "#qo-h", 303)


@bp.get("/teach/assignments/<int:assignment_id>/analytics")
@signed_in
def analytics_page(actor: Actor, assignment_id: int) -> Any:
    svc = services()
    info = assignments.settings(svc, actor, assignment_id)
    data = analytics.analytics(svc, actor, assignment_id)
    items = item_statistics(svc, actor, assignment_id)
    return render_template(
        "instructor/analytics.html",
        info=info,
        data=data,
        items=items,
        chart=chart(data["score_distribution"]),
        labels=feedback.part_labels(svc, actor, assignment_id),
    )


@bp.get("/teach/assignments/<int:assignment_id>/exam")
@signed_in
def exam_page(actor: Actor, assignment_id: int) -> Any:
    """Who has started the exam, who is working and their time left, who has finished."""
    svc = services()
    info = assignments.settings(svc, actor, assignment_id)
    return render_template(
        "instructor/exam.html", info=info, data=exams.roster(svc, actor, assignment_id)
    )


CHART_W, CHART_H, PAD = 480, 200, 32


def chart(dist: dict[str, Any]) -> dict[str, Any]:
    """Bar geometry of the score distribution for an inline SVG (no script, no CDN)."""
    counts = dist["counts"]
    top = max(counts) or 1
    width = (CHART_W - 2 * PAD) / len(counts)
    bars = []
    for i, count in enumerate(counts):
        height = (CHART_H - 2 * PAD) * count / top
        bars.append(
            {
                "x": round(PAD + i * width + 2, 1),
                "y": round(CHART_H - PAD - height, 1),
                "w": round(width - 4, 1),
                "h": round(height, 1),
                "count": count,
                "label": f"{dist['edges'][i]:g}–{dist['edges'][i + 1]:g}",
            }
        )
    return {"w": CHART_W, "h": CHART_H, "pad": PAD, "bars": bars, "top": top, "ticks": _ticks(dist)}


CHAR_W = 7  # about how wide a digit of the chart's 11px labels is, in the chart's units


def _ticks(dist: dict[str, Any]) -> list[dict[str, Any]]:
    """Score labels under the bars' edges (0, 0.3, 0.6 ...), left out where one would touch the
    last one written (a label per bar, as '0.3–0.6', overlapped with ten bars or more)."""
    edges = dist["edges"]
    width = (CHART_W - 2 * PAD) / (len(edges) - 1)
    ticks: list[dict[str, Any]] = []
    for i, edge in enumerate(edges):
        text, x = f"{edge:g}", round(PAD + i * width, 1)
        half = len(text) * CHAR_W / 2 + 3
        last = i == len(edges) - 1
        if ticks and x - half < ticks[-1]["x"] + ticks[-1]["half"]:
            if not last:
                continue
            ticks.pop()  # the maximum score is always written
        ticks.append({"x": x, "text": text, "half": half})
    return ticks
