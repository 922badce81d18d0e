"""Courses: the courses, their members, each member's overview, and enrolling a class
from a CSV roster."""

from grader.services.courses.course import (
    add_member,
    create_course,
    delete_course,
    get_course,
    list_courses,
    list_members,
    overview,
    remove_member,
    update_course,
)
from grader.services.courses.roster import credentials_csv, import_roster

__all__ = [
    "add_member",
    "create_course",
    "credentials_csv",
    "delete_course",
    "get_course",
    "import_roster",
    "list_courses",
    "list_members",
    "overview",
    "remove_member",
    "update_course",
]
