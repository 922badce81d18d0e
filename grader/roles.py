"""Account and course roles: the names the database, the API and the command line accept.

A module of its own so that the command line can offer them without importing SQLAlchemy.
"""

ROLES = ("admin", "instructor", "student")
COURSE_ROLES = ("instructor", "student")
