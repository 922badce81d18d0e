"""Courses, their members, and each member's overview of their courses and assignments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader.db.models import Assignment, Course, Membership, Submission, User, utcnow
from grader.languages import check_language
from grader.services import timezones
from grader.services.accounts.access import course_role, require_course_staff, require_role
from grader.services.assignments.assignment import StudentTerms, state, student_terms_for, summary
from grader.services.context import Actor, Services
from grader.services.courses.results import (
    CourseOut,
    CoursePage,
    MemberOut,
    MemberPage,
    MembershipOut,
)
from grader.services.errors import Conflict, Forbidden, Invalid, NotFound
from grader.services.gradebook import scores as gradebook
from grader.services.pagination import page
from grader.vocabulary import COURSE_ROLES


def course_out(course: Course, role: str | None = None) -> CourseOut:
    return CourseOut(
        id=course.id,
        title=course.title,
        created_at=course.created_at.isoformat(),
        archived=course.archived_at is not None,
        time_zone=course.time_zone or timezones.DEFAULT_ZONE,
        locale=course.locale,
        your_role=role,
    )


def update_course(
    svc: Services,
    actor: Actor,
    course_id: int,
    *,
    title: str | None,
    archived: bool | None,
    time_zone: str | None = None,
    locale: str | None = None,
) -> CourseOut:
    """Rename a course, archive it (read-only for students, listed apart) or bring it back,
    set its time zone (its stored times stay the same moments; they are shown anew) or its
    default language (`locale`: a tag, or "" to clear it; for users who chose none)."""
    if title is not None and not 0 < len(title.strip()) <= 200:
        raise Invalid("a course title has 1 to 200 characters", details=[{"path": "title"}])
    zone = timezones.check_zone(time_zone) if time_zone is not None else None
    language = check_language(locale)
    with svc.db.write() as session:
        require_course_staff(session, actor, course_id)
        course = session.get_one(Course, course_id)
        if zone is not None:
            course.time_zone = zone
        if locale is not None:
            course.locale = language
        if title is not None:
            course.title = title.strip()
        if archived is not None and archived != (course.archived_at is not None):
            course.archived_at = utcnow() if archived else None
        session.flush()
        return course_out(course, course_role(session, actor, course_id))


def course_locale(svc: Services, course_id: int) -> str | None:
    """A course's default language (None when it has none, or there is no such course)."""
    with svc.db.read() as session:
        return session.scalar(select(Course.locale).where(Course.id == course_id))


def create_course(
    svc: Services, actor: Actor, title: str, time_zone: str | None = None
) -> CourseOut:
    """A new course; its creator becomes its first instructor. `time_zone`: an IANA name, the
    zone its times are shown and typed in (UTC when not given)."""
    require_role(actor, "instructor")
    zone = timezones.check_zone(time_zone)
    with svc.db.write() as session:
        course = Course(title=title, created_by=actor.id, time_zone=zone)
        session.add(course)
        session.flush()
        session.add(Membership(course_id=course.id, user_id=actor.id, role="instructor"))
        return course_out(course, "instructor")


def list_courses(svc: Services, actor: Actor, limit: int, offset: int) -> CoursePage:
    """Admins see every course; others the courses they belong to."""
    with svc.db.read() as session:
        if actor.is_admin:
            rows, total = page(session, select(Course).order_by(Course.id), limit, offset)
            items = [course_out(c, "admin") for c in rows]
        else:
            query = (
                select(Course)
                .join(Membership)
                .where(Membership.user_id == actor.id)
                .order_by(Course.id)
            )
            rows, total = page(session, query, limit, offset)
            roles = dict(
                session.execute(
                    select(Membership.course_id, Membership.role).where(
                        Membership.user_id == actor.id,
                        Membership.course_id.in_([c.id for c in rows]),
                    )
                ).all()
            )
            items = [course_out(c, roles.get(c.id)) for c in rows]
        return CoursePage(items=items, total=total, limit=limit, offset=offset)


def get_course(svc: Services, actor: Actor, course_id: int) -> CourseOut:
    with svc.db.read() as session:
        role = course_role(session, actor, course_id)
        return course_out(session.get_one(Course, course_id), role)


def delete_course(svc: Services, actor: Actor, course_id: int) -> None:
    """Delete a course that has no assignments left."""
    with svc.db.write() as session:
        require_course_staff(session, actor, course_id)
        if session.scalar(select(exists().where(Assignment.course_id == course_id))):
            raise Conflict("the course still has assignments; delete them first")
        session.delete(session.get(Course, course_id))


def add_member(
    svc: Services, actor: Actor, course_id: int, username: str, role: str
) -> MembershipOut:
    if role not in COURSE_ROLES:
        raise Invalid(f"role must be one of {', '.join(COURSE_ROLES)}")
    try:
        with svc.db.write() as session:
            require_course_staff(session, actor, course_id)
            if session.get_one(Course, course_id).archived_at is not None:
                raise Forbidden(f"course {course_id} is archived; bring it back to enrol people")
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"no user {username!r}")
            if role == "instructor" and user.role == "student":
                raise Invalid(f"{username!r} is a student account and cannot teach a course")
            session.add(Membership(course_id=course_id, user_id=user.id, role=role))
            session.flush()
            return MembershipOut(course_id=course_id, username=username, role=role)
    except IntegrityError:
        raise Conflict(f"{username!r} is already a member of course {course_id}") from None


def list_members(
    svc: Services, actor: Actor, course_id: int, limit: int, offset: int
) -> MemberPage:
    with svc.db.read() as session:
        require_course_staff(session, actor, course_id)
        query = (
            select(Membership)
            .join(User)
            .where(Membership.course_id == course_id)
            .order_by(User.username)
        )
        rows, total = page(session, query, limit, offset)
        alone = instructor_count(session, course_id) <= 1
        items = [_member_out(m, alone) for m in rows]
        return MemberPage(items=items, total=total, limit=limit, offset=offset)


def _member_out(m: Membership, alone: bool) -> MemberOut:
    """A member; `last_instructor`: the course's only instructor (who cannot be removed)."""
    return MemberOut(
        user_id=m.user_id,
        username=m.user.username,
        display_name=m.user.display_name,
        role=m.role,
        account_role=m.user.role,
        last_instructor=alone and m.role == "instructor",
        # timed exams: the student's course-wide time factor and extra minutes (None: none)
        time_factor=m.time_factor,
        extra_minutes=m.extra_minutes,
    )


def find_member(svc: Services, actor: Actor, course_id: int, username: str) -> MemberOut:
    """One member of the course (its staff), as `list_members` gives them; 404 otherwise."""
    with svc.db.read() as session:
        require_course_staff(session, actor, course_id)
        m = _membership(session, course_id, username)
        return _member_out(m, instructor_count(session, course_id) <= 1)


def _membership(session: Session, course_id: int, username: str) -> Membership:
    found = session.scalar(
        select(Membership)
        .join(User)
        .where(Membership.course_id == course_id, User.username == username)
    )
    if found is None:
        raise NotFound(f"{username!r} is not a member of course {course_id}")
    return found


def remove_member(svc: Services, actor: Actor, course_id: int, username: str) -> None:
    """Take someone out of a course. The last instructor cannot be removed (409): a course
    without one could never be taught, graded or changed again."""
    with svc.db.write() as session:
        require_course_staff(session, actor, course_id)
        if not svc.db.is_sqlite:  # two instructors removing each other at once: one waits
            session.get(Course, course_id, with_for_update=True)
        membership = _membership(session, course_id, username)
        if membership.role == "instructor" and instructor_count(session, course_id) <= 1:
            raise Conflict(
                f"{username!r} is the course's only instructor and cannot be removed; "
                "add another instructor first",
                code="last_instructor",
            )
        session.delete(membership)


def instructor_count(session: Session, course_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                Membership.course_id == course_id, Membership.role == "instructor"
            )
        )
        or 0
    )


def _my_stats(session: Session, student_id: int, ids: list[int]) -> dict[int, Any]:
    rows = session.execute(
        select(
            Submission.assignment_id,
            func.max(Submission.score).label("best"),
            func.sum(case((Submission.late, 1), else_=0)).label("late"),
            func.count(Submission.id).label("total"),
        )
        .where(Submission.student_id == student_id, Submission.assignment_id.in_(ids))
        .group_by(Submission.assignment_id)
    ).all()
    return {r.assignment_id: r for r in rows}


def _all_stats(session: Session, ids: list[int]) -> dict[int, Any]:
    rows = session.execute(
        select(
            Submission.assignment_id,
            func.count(Submission.id).label("total"),
            func.count(func.distinct(Submission.student_id)).label("students"),
        )
        .where(Submission.assignment_id.in_(ids), Submission.preview.is_(False))
        .group_by(Submission.assignment_id)
    ).all()
    return {r.assignment_id: r for r in rows}


def overview(svc: Services, actor: Actor, course_id: int | None = None) -> list[dict[str, Any]]:
    """The actor's courses (or the one course), each with its assignments and the actor's
    standing in them; a course the actor may not see is a 403/404."""
    with svc.db.read() as session:
        if course_id is None:
            courses: Sequence[Any] = session.execute(
                select(Course, Membership.role)
                .join(Membership, Membership.course_id == Course.id)
                .where(Membership.user_id == actor.id)
                .order_by(Course.title, Course.id)
            ).all()
        else:
            role = course_role(session, actor, course_id)
            courses = [(session.get_one(Course, course_id), role)]
        rows = session.scalars(
            select(Assignment)
            .where(Assignment.course_id.in_([c.id for c, _ in courses]))
            .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id)
        ).all()
        ids = [r.id for r in rows]
        mine, everyone = _my_stats(session, actor.id, ids), _all_stats(session, ids)
        taught = {c.id for c, role in courses if role != "student"}
        learning = [r for r in rows if r.course_id not in taught]
        terms = student_terms_for(session, learning, actor.id)
        cells = gradebook.counted_scores(session, gradebook.columns(session, learning), actor.id)
        out = []
        for course, role in courses:
            items = []
            for row in (r for r in rows if r.course_id == course.id):
                if role == "student":
                    cell = cells.get((row.id, actor.id))
                    item = _student_item(session, row, mine.get(row.id), terms[row.id])
                    item["best_score"] = item["score"] = cell.score if cell else None
                    items.append(item)
                else:
                    items.append(_staff_item(session, row, everyone.get(row.id)))
            entry = {
                "id": course.id,
                "title": course.title,
                "role": role,
                "time_zone": course.time_zone,
                "assignments": items,
            }
            if role == "student":  # the student's own total in the course
                entry["total"] = round(sum(i["score"] or 0.0 for i in items), 6)
                entry["max_total"] = round(sum(i["max_score"] for i in items), 6)
            out.append(entry)
        return out


def _staff_item(session: Session, row: Assignment, stats: Any) -> dict[str, Any]:
    item = {**summary(session, row), "state": state(row)}
    item["due"] = row.due_at
    item["submissions"] = stats.total if stats else 0
    item["students"] = stats.students if stats else 0
    return item


def _student_item(
    session: Session, row: Assignment, stats: Any, mine: StudentTerms
) -> dict[str, Any]:
    """The assignment as the student stands: their due date and attempts (an extension moves
    them), state (done when no attempt is left), score and late submissions. Attempts are
    counted per question: an assignment of several questions shows those used, no limit."""
    item = summary(session, row)
    if len(row.questions) > 1:
        mine = StudentTerms(mine.due_at, None, mine.attempts_used, mine.extended)
    elif row.questions and row.questions[0].max_attempts is not None and row.max_attempts is None:
        own = row.questions[0].max_attempts
        mine = StudentTerms(mine.due_at, own, mine.attempts_used, mine.extended)
    item.update(
        state=mine.state(row),
        due=mine.due_at,
        due_at=mine.due_at.isoformat() if mine.due_at else None,
        max_attempts=mine.max_attempts,
        extended=mine.extended,
        attempts_used=mine.attempts_used,
        attempts_left=mine.attempts_left,
        best_score=stats.best if stats else None,
        late_submissions=int(stats.late or 0) if stats else 0,
    )
    return item
