"""The LTI role table: every role of the LTI 1.3 vocabulary, in each spelling platforms send,
maps to the course role docs/lms.md promises; institution and system roles map to nothing."""

from __future__ import annotations

import pytest

from grader.services.integrations.lti.roles import CONTEXT_ROLES, course_role, principal

V = "http://purl.imsglobal.org/vocab/lis/v2/"
M = V + "membership"

# (role as a platform sends it, the course role it grants alone)
ROWS = [
    # principal context roles, full URI
    (M + "#Administrator", "instructor"),
    (M + "#ContentDeveloper", "instructor"),
    (M + "#Instructor", "instructor"),
    (M + "#Learner", "student"),
    (M + "#Mentor", "student"),
    (M + "#Manager", "student"),
    (M + "#Member", "student"),
    (M + "#Officer", "student"),
    # sub-roles count as their principal
    (M + "/Instructor#TeachingAssistant", "instructor"),
    (M + "/Instructor#Grader", "instructor"),
    (M + "/Instructor#PrimaryInstructor", "instructor"),
    (M + "/Instructor#SecondaryInstructor", "instructor"),
    (M + "/Instructor#Lecturer", "instructor"),
    (M + "/Instructor#GuestInstructor", "instructor"),
    (M + "/Instructor#ExternalInstructor", "instructor"),
    (M + "/Instructor#TeachingAssistantSection", "instructor"),
    (M + "/ContentDeveloper#ContentDeveloper", "instructor"),
    (M + "/ContentDeveloper#ContentExpert", "instructor"),
    (M + "/ContentDeveloper#Librarian", "instructor"),
    (M + "/Administrator#Administrator", "instructor"),
    (M + "/Administrator#Support", "instructor"),
    (M + "/Administrator#Developer", "instructor"),
    (M + "/Learner#Learner", "student"),
    (M + "/Learner#NonCreditLearner", "student"),
    (M + "/Mentor#Mentor", "student"),
    (M + "/Mentor#Advisor", "student"),
    (M + "/Mentor#Tutor", "student"),
    (M + "/Mentor#Reviewer", "student"),
    (M + "/Mentor#Auditor", "student"),
    (M + "/Mentor#TeachingAssistant", "student"),  # a sub-role is read under its principal
    # the short names LTI 1.3 reads as context roles
    ("Instructor", "instructor"),
    ("TeachingAssistant", "instructor"),
    ("ContentDeveloper", "instructor"),
    ("Administrator", "instructor"),
    ("Learner", "student"),
    ("Mentor", "student"),
    # LTI 1.1 context URNs
    ("urn:lti:role:ims/lis/Instructor", "instructor"),
    ("urn:lti:role:ims/lis/TeachingAssistant", "instructor"),
    ("urn:lti:role:ims/lis/Instructor/TeachingAssistant", "instructor"),
    ("urn:lti:role:ims/lis/Learner", "student"),
    # institution roles never decide a course role
    (V + "institution/person#Instructor", "student"),
    (V + "institution/person#Faculty", "student"),
    (V + "institution/person#Staff", "student"),
    (V + "institution/person#Administrator", "student"),
    (V + "institution/person#Student", "student"),
    ("urn:lti:instrole:ims/lis/Instructor", "student"),
    ("urn:lti:instrole:ims/lis/Administrator", "student"),
    # nor do system roles
    (V + "system/person#Administrator", "student"),
    (V + "system/person#SysAdmin", "student"),
    ("http://purl.imsglobal.org/vocab/lti/system/person#TestUser", "student"),
    ("urn:lti:sysrole:ims/lis/SysAdmin", "student"),
    # unknown or malformed values
    (M + "#Teacher", "student"),
    (M + "#instructor", "student"),  # role names are case-sensitive
    ("https://evil.example/membership#Instructor", "student"),
    ("Faculty", "student"),
    ("Staff", "student"),
    ("", "student"),
    (M + "#Instructor" + "x" * 300, "student"),
]


@pytest.mark.parametrize(("role", "granted"), ROWS, ids=[r for r, _ in ROWS])
def test_each_lti_role_grants_the_documented_course_role(role, granted):
    assert course_role([role]) == granted


def test_every_principal_context_role_has_a_row():
    named = {principal(role) for role, _ in ROWS} - {None}
    assert named == set(CONTEXT_ROLES)


@pytest.mark.parametrize(
    "institution",
    [
        V + "institution/person#Instructor",
        V + "institution/person#Staff",
        "urn:lti:instrole:ims/lis/Faculty",
    ],
)
def test_a_learner_with_an_institution_teaching_role_stays_a_student(institution):
    assert course_role([M + "#Learner", institution]) == "student"
    assert course_role([institution, V + "system/person#Administrator"]) == "student"


def test_any_teaching_context_role_among_several_makes_an_instructor():
    assert course_role([M + "#Learner", M + "/Instructor#TeachingAssistant"]) == "instructor"


@pytest.mark.parametrize(
    "roles", [None, "Instructor", {"Instructor": 1}, [None, 3, ["Instructor"]]]
)
def test_roles_that_are_not_a_list_of_strings_grant_nothing(roles):
    assert course_role(roles) == "student"


def test_every_row_is_in_the_documented_table():
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "lms.md").read_text()
    for name, granted in CONTEXT_ROLES.items():
        assert f"| `{name}` | {granted} |" in text
