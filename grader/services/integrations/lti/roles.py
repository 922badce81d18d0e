"""Which course role an LTI role grants: one table, read by launches and roster syncs alike.

Only context (membership) roles decide a course role. Institution roles (Canvas sends
`institution/person#Instructor` to anyone who teaches *any* course) and system roles never
do, and no launch ever grants a site-wide right: an LMS teacher teaches the LMS course, not
the whole site. Every role the LTI 1.3 vocabulary names is accepted in each of the spellings
platforms send:

- full URIs: `http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor`;
- sub-roles: `http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant`
  (a sub-role counts as its principal role, the path segment before `#`);
- the short names LTI 1.3 keeps for context roles (`Instructor`, `TeachingAssistant`);
- LTI 1.1 URNs: `urn:lti:role:ims/lis/Instructor/TeachingAssistant`.

Anything else (institution, system, unknown vocabularies, malformed values) is ignored; a
launch with no teaching context role learns. docs/lms.md prints the same table.
"""

from __future__ import annotations

from typing import Any

INSTRUCTOR, STUDENT = "instructor", "student"
VOCABULARY = "http://purl.imsglobal.org/vocab/lis/v2/"
MEMBERSHIP = VOCABULARY + "membership"
LTI11_CONTEXT = "urn:lti:role:ims/lis/"
MAX_ROLE_CHARS = 300

# principal context role -> course role (the documented table; least privilege by default)
CONTEXT_ROLES: dict[str, str] = {
    "Administrator": INSTRUCTOR,  # the course's administrator in the LMS
    "ContentDeveloper": INSTRUCTOR,  # designs the course's content
    "Instructor": INSTRUCTOR,
    "TeachingAssistant": INSTRUCTOR,  # the short form of Instructor#TeachingAssistant
    "Learner": STUDENT,
    "Mentor": STUDENT,  # advisors, tutors, reviewers: no right to grade or to see others
    "Manager": STUDENT,
    "Member": STUDENT,
    "Officer": STUDENT,
}


def principal(role: Any) -> str | None:
    """The principal context role `role` names, in any accepted spelling; None when it is
    not a context role (institution, system, unknown or malformed)."""
    if not isinstance(role, str) or len(role) > MAX_ROLE_CHARS:
        return None
    role = role.strip()
    if role.startswith(MEMBERSHIP + "#"):
        name = role[len(MEMBERSHIP) + 1 :]
    elif role.startswith(MEMBERSHIP + "/"):
        name = role[len(MEMBERSHIP) + 1 :].partition("#")[0]  # a sub-role: its principal
    elif role.startswith(LTI11_CONTEXT):
        name = role[len(LTI11_CONTEXT) :].partition("/")[0]
    elif ":" not in role and "/" not in role and "#" not in role:
        name = role  # a short name: LTI 1.3 reads these as context roles
    else:
        return None
    return name if name in CONTEXT_ROLES else None


def course_role(roles: Any) -> str:
    """instructor when any context role teaches; otherwise (no context role at all too)
    student. Institution and system roles are ignored."""
    if not isinstance(roles, list):
        return STUDENT
    for role in roles[:100]:
        name = principal(role)
        if name is not None and CONTEXT_ROLES[name] == INSTRUCTOR:
            return INSTRUCTOR
    return STUDENT
