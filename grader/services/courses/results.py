"""What the courses services answer (see grader.services.results)."""

from __future__ import annotations

from pydantic import Field

from grader.services.results import Page, Result


class CourseOut(Result):
    id: int
    title: str
    created_at: str
    archived: bool = Field(description="archived courses are read-only")
    time_zone: str = Field(description="IANA name: the course's times are shown in it")
    your_role: str | None = Field(description="instructor or student; null for an admin")
    locale: str | None = Field(description="the course's default language (null: none)")


class CoursePage(Page):
    items: list[CourseOut]


class MembershipOut(Result):
    course_id: int
    username: str
    role: str = Field(description="instructor or student")


class MemberOut(Result):
    user_id: int
    username: str
    display_name: str | None
    role: str = Field(description="the role in the course: instructor or student")
    account_role: str = Field(description="the account's role: admin, instructor or student")
    last_instructor: bool = Field(description="the course's only instructor (cannot be removed)")
    time_factor: float | None = Field(
        description="timed exams: the student's course-wide time factor (null: none)"
    )
    extra_minutes: int | None = Field(
        description="timed exams: the student's course-wide extra minutes (null: none)"
    )


class MemberPage(Page):
    items: list[MemberOut]


class RosterRowOut(Result):
    line: int
    username: str
    role: str
    ok: bool
    error: str | None
    action: str | None = Field(description="create, enrol or unchanged; null on an error")
    password: str | None = Field(
        default=None, description="a created student's generated password, shown once"
    )


class RosterImport(Result):
    rows: list[RosterRowOut]
    valid: bool = Field(description="every row can be applied")
    imported: int = Field(description="rows applied (0 on a dry run)")
