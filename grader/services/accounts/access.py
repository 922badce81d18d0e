"""Who may do what: global roles and course roles."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.db.models import Course, Membership
from grader.services.context import Actor
from grader.services.errors import Forbidden, NotFound


def require_role(actor: Actor, *roles: str) -> None:
    """Refuse unless the actor is an admin or has one of `roles`."""
    if actor.is_admin or actor.role in roles:
        return
    raise Forbidden(f"this needs the role {' or '.join(roles)}; you are {actor.role}")


def course_role(session: Session, actor: Actor, course_id: int) -> str:
    """The actor's role in the course ("admin" for admins); 404/403 when it has none."""
    course = session.get(Course, course_id)
    if course is None:
        raise NotFound(f"no course {course_id}")
    if actor.is_admin:
        return "admin"
    role = session.scalar(
        select(Membership.role).where(
            Membership.course_id == course_id, Membership.user_id == actor.id
        )
    )
    if role is None:
        raise Forbidden(f"you are not a member of course {course_id}")
    return role


def require_course_staff(session: Session, actor: Actor, course_id: int) -> None:
    """Refuse unless the actor teaches the course (or is an admin)."""
    if course_role(session, actor, course_id) == "student":
        raise Forbidden(f"only the instructors of course {course_id} may do this")
