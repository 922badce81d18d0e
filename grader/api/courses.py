"""/api/v1/courses, their members and their assignments."""

from __future__ import annotations

from flask import request, url_for
from flask_openapi3 import APIBlueprint, Tag
from pydantic import ConfigDict

from grader.api.common import (
    PREFIX,
    SECURITY,
    actor,
    csv_response,
    error_responses,
    out,
    svc,
    wants_csv,
)
from grader.api.schemas import (
    Accommodations,
    AssignmentCreate,
    CourseCreate,
    CoursePath,
    CourseUpdate,
    GradebookQuery,
    ImportQuery,
    MemberCreate,
    MemberGradesPath,
    MemberPath,
    Paging,
    PasswordResetQuery,
)
from grader.services.accounts import users
from grader.services.accounts.results import PasswordReset
from grader.services.assignments import assignment as assignments
from grader.services.assignments import exams
from grader.services.assignments.results import (
    AssignmentPage,
    AssignmentSummary,
    CourseAccommodation,
)
from grader.services.courses import course as courses
from grader.services.courses import roster
from grader.services.courses.results import (
    CourseOut,
    CoursePage,
    MemberPage,
    MembershipOut,
    RosterImport,
)
from grader.services.errors import BadRequest, Invalid
from grader.services.gradebook import scores as gradebook
from grader.services.gradebook.results import Gradebook, StudentGrades


class GradebookTable(Gradebook):
    """The gradebook as JSON, or as CSV (`?format=csv` or `Accept: text/csv`)."""

    # flask-openapi3 reads `openapi_extra` from the model's config (pydantic's ConfigDict
    # does not name the key): the description and the CSV form beside the JSON one
    model_config = ConfigDict(
        openapi_extra={  # type: ignore[typeddict-unknown-key]
            "description": "students × assignments (JSON, or CSV)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    )


bp = APIBlueprint(
    "courses",
    __name__,
    url_prefix=PREFIX,
    abp_tags=[Tag(name="courses")],
    abp_security=SECURITY,
    abp_responses=error_responses(),
)


@bp.post("/courses", responses={201: CourseOut})
def create_course(body: CourseCreate):
    """Create a course (instructor); you become its instructor."""
    return out(courses.create_course(svc(), actor(), body.title, body.time_zone)), 201


@bp.get("/courses", responses={200: CoursePage})
def list_courses(query: Paging):
    """Courses you belong to (admins: all)."""
    return out(courses.list_courses(svc(), actor(), query.limit, query.offset))


@bp.get("/courses/<int:course_id>", responses={200: CourseOut})
def get_course(path: CoursePath):
    """One course (members)."""
    return out(courses.get_course(svc(), actor(), path.course_id))


@bp.delete("/courses/<int:course_id>", responses={204: None})
def delete_course(path: CoursePath):
    """Delete a course without assignments (its instructors)."""
    courses.delete_course(svc(), actor(), path.course_id)
    return "", 204


@bp.post("/courses/<int:course_id>/members", responses={201: MembershipOut})
def add_member(path: CoursePath, body: MemberCreate):
    """Add a user to the course as student or instructor (its instructors)."""
    return out(courses.add_member(svc(), actor(), path.course_id, body.username, body.role)), 201


@bp.get("/courses/<int:course_id>/members", responses={200: MemberPage})
def list_members(path: CoursePath, query: Paging):
    """The course's members (its instructors)."""
    return out(courses.list_members(svc(), actor(), path.course_id, query.limit, query.offset))


@bp.delete("/courses/<int:course_id>/members/<username>", responses={204: None})
def remove_member(path: MemberPath):
    """Remove a member (its instructors). Their submissions are kept. The course's last
    instructor cannot be removed: 409 `last_instructor`."""
    courses.remove_member(svc(), actor(), path.course_id, path.username)
    return "", 204


@bp.post("/courses/<int:course_id>/members/<username>/password", responses={200: PasswordReset})
def reset_password(path: MemberPath, query: PasswordResetQuery):
    """Reset a student's password (its instructors; admins for any member): a new one,
    generated and shown once in the answer, or with `?link=true` a one-time sign-in link
    (24 hours) through which they choose one. The old password stops working, every web
    session of the student ends and every API token of theirs is revoked."""
    done = users.reset_password(svc(), actor(), path.course_id, path.username, query.link)
    return out(
        done.with_link(lambda token: url_for("web.sign_in_link", token=token, _external=True))
    )


@bp.post("/courses/<int:course_id>/assignments", responses={201: AssignmentSummary})
def create_assignment(path: CoursePath, body: AssignmentCreate):
    """Set an assignment in the course (its instructors): one exercise (`exercise_id`), or
    `questions` (exercises and pools, with points, attempts and variants); homework or a
    timed exam."""
    spec = body.model_dump(exclude_none=True)
    return assignments.create_assignment(svc(), actor(), path.course_id, spec), 201


@bp.get("/courses/<int:course_id>/assignments", responses={200: AssignmentPage})
def list_assignments(path: CoursePath, query: Paging):
    """The course's assignments (members)."""
    return assignments.list_for_course(svc(), actor(), path.course_id, query.limit, query.offset)


@bp.patch("/courses/<int:course_id>", responses={200: CourseOut})
def update_course(path: CoursePath, body: CourseUpdate):
    """Rename a course, archive it (`archived: true`; read-only for students) or bring it
    back, or set its time zone or default language (its instructors)."""
    return out(
        courses.update_course(
            svc(),
            actor(),
            path.course_id,
            title=body.title,
            archived=body.archived,
            time_zone=body.time_zone,
            locale=body.locale,
        )
    )


@bp.get(
    "/courses/<int:course_id>/gradebook",
    responses={200: GradebookTable},
)
def get_gradebook(path: CoursePath, query: GradebookQuery):
    """Students × assignments: the counted score (the sum of its questions' best or last
    attempts after the late penalty, or an override), attempts, late, extension, and per
    question its score, points, attempts and status. `?format=csv` or `Accept: text/csv`: one
    row per student, one column per assignment (`&questions=true`: and per question),
    totals (UTF-8 with a byte-order mark)."""
    book = gradebook.gradebook(svc(), actor(), path.course_id)
    if wants_csv(query.format):
        text = gradebook.gradebook_csv(book, per_question=query.questions)
        return csv_response(text, f"gradebook-course-{path.course_id}")
    return book


@bp.get(
    "/courses/<int:course_id>/gradebook/<username>",
    responses={200: StudentGrades},
)
def get_student_grades(path: MemberGradesPath):
    """One student's scores drilled down: per assignment each question's exercise (their own
    pool draw), points, score, attempts and status (the course's instructors, or the student
    themself)."""
    return gradebook.student_detail(svc(), actor(), path.course_id, path.username)


@bp.put(
    "/courses/<int:course_id>/members/<username>/accommodations",
    responses={200: CourseAccommodation},
)
def set_accommodations(path: MemberPath, body: Accommodations):
    """A student's time factor and extra minutes for every timed exam of the course (an
    exam's own, given as an extension, takes precedence); null clears (its instructors)."""
    return out(
        exams.set_course_accommodation(
            svc(), actor(), path.course_id, path.username, body.time_factor, body.extra_minutes
        )
    )


@bp.post(
    "/courses/<int:course_id>/members/import",
    responses={200: RosterImport},
    openapi_extensions={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def import_members(path: CoursePath, query: ImportQuery):
    """Enrol a roster from CSV (header `username,role[,display_name][,password]`). With
    `dry_run=true` (default) every row is checked and nothing changes; with `dry_run=false`
    all rows are applied, or none when any fails (422 with the rows). Missing students are
    created; a generated password is returned once, in `rows[].password`."""
    data = request.get_data(cache=False)
    if not data.strip():
        raise BadRequest("the request body is empty; send the roster as CSV")
    result = roster.import_roster(svc(), actor(), path.course_id, data, dry_run=query.dry_run)
    if not query.dry_run and not result["valid"]:
        bad = sum(not r["ok"] for r in result["rows"])
        error = Invalid(f"{bad} row(s) have errors; nothing was imported", code="invalid_roster")
        return {**result, **error.to_dict()}, 422
    return result
