"""/api/v1/courses, their members and their assignments."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, Tag

from grader.api.common import PREFIX, SECURITY, actor, error_responses, json_object, svc
from grader.api.schemas import (
    AssignmentCreate,
    CourseCreate,
    CoursePath,
    Created,
    MemberCreate,
    MemberPath,
    Page,
    Paging,
)
from grader.services import assignments, courses

bp = APIBlueprint(
    "courses",
    __name__,
    url_prefix=PREFIX,
    abp_tags=[Tag(name="courses")],
    abp_security=SECURITY,
    abp_responses=error_responses(),
)


@bp.post("/courses", responses={201: Created})
def create_course(body: CourseCreate):
    """Create a course (instructor); you become its instructor."""
    return courses.create_course(svc(), actor(), body.title), 201


@bp.get("/courses", responses={200: Page})
def list_courses(query: Paging):
    """Courses you belong to (admins: all)."""
    return courses.list_courses(svc(), actor(), query.limit, query.offset)


@bp.get("/courses/<int:course_id>", responses={200: json_object("the course")})
def get_course(path: CoursePath):
    """One course (members)."""
    return courses.get_course(svc(), actor(), path.course_id)


@bp.delete("/courses/<int:course_id>", responses={204: None})
def delete_course(path: CoursePath):
    """Delete a course without assignments (its instructors)."""
    courses.delete_course(svc(), actor(), path.course_id)
    return "", 204


@bp.post("/courses/<int:course_id>/members", responses={201: json_object("the membership")})
def add_member(path: CoursePath, body: MemberCreate):
    """Add a user to the course as student or instructor (its instructors)."""
    return courses.add_member(svc(), actor(), path.course_id, body.username, body.role), 201


@bp.get("/courses/<int:course_id>/members", responses={200: Page})
def list_members(path: CoursePath, query: Paging):
    """The course's members (its instructors)."""
    return courses.list_members(svc(), actor(), path.course_id, query.limit, query.offset)


@bp.delete("/courses/<int:course_id>/members/<username>", responses={204: None})
def remove_member(path: MemberPath):
    """Remove a member (its instructors). Their submissions are kept."""
    courses.remove_member(svc(), actor(), path.course_id, path.username)
    return "", 204


@bp.post("/courses/<int:course_id>/assignments", responses={201: Created})
def create_assignment(path: CoursePath, body: AssignmentCreate):
    """Set an exercise version in the course (its instructors)."""
    spec = body.model_dump()
    return assignments.create_assignment(svc(), actor(), path.course_id, spec), 201


@bp.get("/courses/<int:course_id>/assignments", responses={200: Page})
def list_assignments(path: CoursePath, query: Paging):
    """The course's assignments (members)."""
    return assignments.list_for_course(svc(), actor(), path.course_id, query.limit, query.offset)
