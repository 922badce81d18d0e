"""A practice assignment's score goes to the LMS and to webhooks when practice moves it: once
per new score, never after the due date (#27)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from grader.db.integrations import LtiPassback, LtiResourceLink, WebhookDelivery
from grader.db.models import Assignment, utcnow
from grader.engine.generate import builtin_templates, generate
from grader.services import integrations
from grader.services.assignments import assignment as assignments
from grader.services.practice import items
from tests.lti.test_webhooks import receiver  # noqa: F401  (fixture)


def practice_goal(world, due_at: datetime | None = None) -> int:
    """A practice assignment (power rule, familiar) that the LMS's resource link points to."""
    spec = {"kind": "practice", "title": "Power rule", "target_skills": ["power"]}
    spec["target_level"] = "familiar"
    if due_at:
        spec["due_at"] = due_at
    made = assignments.create_assignment(world.svc, world.teacher.actor, world.course_id, spec)
    with world.svc.db.write() as session:
        for link in session.scalars(select(LtiResourceLink)):
            link.assignment_id = made["id"]
    return made["id"]


def practise(world, actor, times: int = 1, right: bool = True) -> None:
    for _ in range(times):
        item = items.next_item(world.svc, actor, world.course_id, "power").item
        drawn = generate(builtin_templates()[item.template], item.seed)
        items.submit(world.svc, actor, item.id, drawn.answers if right else drawn.mistakes)


def passbacks(world) -> list[tuple[float, float, int | None]]:
    with world.svc.db.read() as session:
        rows = session.scalars(select(LtiPassback).order_by(LtiPassback.id))
        return [(r.score_given, r.score_maximum, r.submission_id) for r in rows]


def test_reaching_the_level_passes_the_score_back_once(world, lti_student, platform):
    goal = practice_goal(world)
    practise(world, lti_student, 1)
    assert passbacks(world) == []  # nothing reached yet: nothing new for the gradebook
    practise(world, lti_student, 3)  # three right answers make the power rule familiar
    assert passbacks(world) == [(1.0, 1.0, None)]
    practise(world, lti_student, 2)  # more evidence, the same score: nothing more
    assert passbacks(world) == [(1.0, 1.0, None)]
    assert integrations.deliver_due(world.svc)["passback_sent"] == 1
    [score] = platform.scores
    assert score["scoreGiven"] == score["scoreMaximum"] == 1.0
    assert score["userId"] == "user-1"
    with world.svc.db.read() as session:
        assert session.get_one(Assignment, goal).kind == "practice"


def test_practice_after_the_due_date_passes_nothing_back(world, lti_student, platform):
    practice_goal(world, due_at=utcnow() - timedelta(days=1))
    practise(world, lti_student, 4)
    assert passbacks(world) == []
    assert integrations.deliver_due(world.svc)["passback_sent"] == 0 and platform.scores == []


def test_a_webhook_announces_the_new_score_once(world, receiver):  # noqa: F811
    goal = practice_goal(world)
    practise(world, world.student.actor, 5)
    practise(world, world.student.actor, 1, right=False)  # a slip keeps what was reached
    assert integrations.deliver_due(world.svc)["webhook_delivered"] == 1
    [event] = receiver.events
    assert event["type"] == "practice.scored"
    data = event["data"]
    assert data["assignment_id"] == goal and data["student"] == "stu"
    assert data["score"] == data["max_score"] == 1.0
    assert data["target_skills"] == ["power"] and data["target_level"] == "familiar"
    with world.svc.db.read() as session:
        assert len(session.scalars(select(WebhookDelivery)).all()) == 1


def test_homework_evidence_moves_a_practice_assignment_too(world, receiver):  # noqa: F811
    from grader.services import exercises
    from grader.services.grading import submissions
    from tests.api.test_practice import TAGGED
    from tests.conftest import RIGHT

    exercises.upload(world.svc, world.teacher.actor, TAGGED)  # skills: chain, power
    homework = assignments.create_assignment(
        world.svc, world.teacher.actor, world.course_id, {"exercise_id": "chain-tagged"}
    )
    goal = practice_goal(world)
    for _ in range(4):  # right answers to the homework until the power rule is familiar
        submissions.submit(world.svc, world.student.actor, homework["id"], RIGHT)
        world.grade_all()
    with world.svc.db.read() as session:
        events = session.scalars(select(WebhookDelivery.payload)).all()
    scored = [e["data"] for e in events if e["type"] == "practice.scored"]
    assert [(d["assignment_id"], d["score"]) for d in scored] == [(goal, 1.0)]
