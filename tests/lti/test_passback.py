"""Grade passback through the outbox: token by client assertion (cached, refreshed on 401),
retries with backoff on 429/5xx/rate-limit 403/dropped connections, no retry on other 4xx,
nothing lost while the LMS is down and nothing sent twice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from grader.db.integrations import LtiPassback
from grader.db.models import Assignment, utcnow
from grader.services import integrations
from grader.services.grading import submissions
from grader.services.integrations.lti import passback as lti_passback
from tests.conftest import RIGHT

WRONG = {"dz-at-10": "7", "dz": "3x", "grad": ["3x"]}
WRONG_AGAIN = {**WRONG, "dz": "4x"}  # the same answers as the last attempt would use none
RIGHT_AGAIN = {**RIGHT, "dz": "20*x"}
LATER = timedelta(hours=3)


def submit(world, actor, answers=RIGHT) -> int:
    accepted, _ = submissions.submit(world.svc, actor, world.assignment_id, answers)
    world.grade_all()
    return accepted["id"]


def rows(world) -> list[LtiPassback]:
    with world.svc.db.read() as session:
        return list(session.scalars(select(LtiPassback).order_by(LtiPassback.id)))


def deliver(world, later: bool = False) -> dict:
    return integrations.deliver_due(world.svc, utcnow() + LATER if later else None)


def test_a_graded_submission_sends_its_score_with_a_cached_token(world, lti_student, platform):
    submit(world, lti_student)
    assert deliver(world)["passback_sent"] == 1
    [score] = platform.scores
    assert score["userId"] == "user-1" and score["lineitem"] == 7
    assert score["scoreGiven"] == score["scoreMaximum"] > 0
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", score["timestamp"])
    submit(world, lti_student, WRONG)
    assert deliver(world)["passback_sent"] == 1
    assert platform.token_requests == 1  # the token was cached
    assert [r.status for r in rows(world)] == ["sent", "sent"]


def test_the_best_score_goes_back_unless_the_assignment_says_last(world, lti_student, platform):
    submit(world, lti_student)
    submit(world, lti_student, WRONG)
    deliver(world)
    assert platform.scores[-1]["scoreGiven"] == platform.scores[-1]["scoreMaximum"]
    with world.svc.db.write() as session:
        session.execute(update(Assignment).values(score_policy="last"))
    submit(world, lti_student, WRONG_AGAIN)
    deliver(world)
    assert platform.scores[-1]["scoreGiven"] < platform.scores[-1]["scoreMaximum"]


def test_a_401_gets_a_fresh_token_and_the_score_goes_through(world, lti_student, platform):
    submit(world, lti_student)
    platform.fail_scores = [401]
    assert deliver(world)["passback_sent"] == 1
    assert platform.token_requests == 2 and len(platform.scores) == 1


@pytest.mark.parametrize("failure", [429, 500, 502, 503, 504, "403-rate", "drop"])
def test_a_temporary_failure_is_retried_later_then_succeeds(world, lti_student, platform, failure):
    submit(world, lti_student)
    platform.fail_scores = [failure]
    assert deliver(world)["passback_retry"] == 1
    [row] = rows(world)
    assert row.status == "pending" and row.next_attempt_at > utcnow()
    assert deliver(world)["passback_sent"] == 0  # not due yet: backoff
    assert deliver(world, later=True)["passback_sent"] == 1
    assert len(platform.scores) == 1 and rows(world)[0].attempts == 2


@pytest.mark.parametrize("status", [400, 403, 404, 422])
def test_a_permanent_refusal_is_recorded_and_never_retried(world, lti_student, platform, status):
    submit(world, lti_student)
    platform.fail_scores = [status]
    assert deliver(world)["passback_failed"] == 1
    deliver(world, later=True)
    assert platform.score_requests == 1
    [row] = rows(world)
    assert row.status == "failed" and row.last_status == status
    assert f"HTTP {status}" in row.last_error
    assert "scripted failure" not in row.last_error  # summarised: never the LMS's body


def test_the_instructor_sees_sent_pending_and_failed_with_the_lms_answer(
    world, lti_student, platform
):
    submit(world, lti_student)
    platform.fail_scores = [503]
    deliver(world)
    state = lti_passback.state(world.svc, world.teacher.actor, world.assignment_id)
    [item] = state["items"]
    assert state["linked"] and item["status"] == "pending" and item["next_attempt_at"]
    assert item["lms_status"] == 503 and "HTTP 503" in item["lms_answer"]
    deliver(world, later=True)
    [item] = lti_passback.state(world.svc, world.teacher.actor, world.assignment_id)["items"]
    assert item["status"] == "sent" and item["sent_at"]


def test_the_lms_down_for_a_while_loses_nothing_and_doubles_nothing(world, lti_student, platform):
    platform.stop()
    submit(world, lti_student, WRONG)
    submit(world, lti_student)
    counts = deliver(world)
    assert counts["passback_retry"] + counts["passback_superseded"] == 2
    integrations.deliver_due(world.svc, utcnow() + LATER)  # still down
    platform.restart()
    for hours in (6, 9, 12):
        integrations.deliver_due(world.svc, utcnow() + timedelta(hours=hours))
    [score] = platform.scores  # the newest grade, once; the older one was superseded
    assert score["scoreGiven"] == score["scoreMaximum"]
    assert sorted(r.status for r in rows(world)) == ["sent", "superseded"]


def test_a_row_whose_sender_died_mid_post_is_sent_again_with_the_same_timestamp(
    world, lti_student, platform
):
    submit(world, lti_student)
    with world.svc.db.write() as session:  # a process claimed it, then died
        session.execute(
            update(LtiPassback).values(
                status="sending", claim_token="dead", claimed_at=utcnow() - LATER
            )
        )
    assert deliver(world)["passback_sent"] == 1
    assert platform.scores[0]["timestamp"] == rows(world)[0].timestamp


def test_a_student_who_did_not_come_from_the_lms_sends_nothing(world, lti_student):
    submit(world, world.student.actor)
    assert rows(world) == []


def test_the_celery_task_queues_passbacks_like_the_embedded_pool(world, lti_student, platform):
    from grader.workers.tasks import run_lane

    accepted, _ = submissions.submit(world.svc, lti_student, world.assignment_id, RIGHT)
    assert run_lane(world.svc, None, "cpu", lambda lane: None) == 1
    assert deliver(world)["passback_sent"] == 1


def test_the_instructor_page_shows_the_passback_state(
    world, lti_student, platform, pages, page_text
):
    submit(world, lti_student)
    platform.fail_scores = [400]
    deliver(world)
    pages.sign_in(world.teacher)
    text = page_text(pages.get(f"/assignments/{world.assignment_id}/submissions"))
    assert "grades sent to the lms" in text and "failed" in text
    assert "http 400" in text and "scripted failure" not in text


def test_the_service_sends_due_passbacks_by_itself(world, lti_student, platform):
    import time
    from dataclasses import replace

    from grader.workers.outbox import OutboxRunner

    world.svc.config = replace(
        world.svc.config, lti=replace(world.svc.config.lti, outbox_poll_s=0.05)
    )
    submit(world, lti_student)
    runner = OutboxRunner(world.svc)
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while not platform.scores and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        runner.stop()
    assert len(platform.scores) == 1


def test_a_link_placed_without_a_line_item_gets_one_created_once(world, lms, platform):
    from tests.lti.conftest import link_assignment
    from tests.lti.fake_platform import LEARNER

    ags = {
        "scope": [lti_passback.SCORE_SCOPE, lti_passback.LINEITEM_SCOPE],
        "lineitems": f"{platform.url}/lineitems",
    }
    claim = {"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": ags}
    lms.launch(LEARNER, **claim)
    link_assignment(world)
    lms.launch(LEARNER, **claim)
    from sqlalchemy import select as sql_select

    from grader.db.integrations import LtiUser
    from grader.db.models import User
    from grader.services.context import Actor

    with world.svc.db.read() as session:
        user = session.scalar(sql_select(User).join(LtiUser, LtiUser.user_id == User.id))
    student = Actor(user.id, user.username, user.role)
    submit(world, student)
    assert deliver(world)["passback_sent"] == 1
    submit(world, student, WRONG)
    assert deliver(world)["passback_sent"] == 1
    [item] = platform.lineitems  # created once, then kept
    assert item["resourceLinkId"] == "link-1" and item["scoreMaximum"] > 0
    assert [s["lineitem"] for s in platform.scores] == [100, 100]


def test_a_regraded_submission_sends_its_new_grade_once(world, lti_student, platform):
    from grader.db.models import Submission

    submission_id = submit(world, lti_student)
    deliver(world)
    with world.svc.db.write() as session:  # what a move to a new version does: grade again
        session.execute(
            update(Submission).where(Submission.id == submission_id).values(status="queued")
        )
    world.grade_all()
    assert deliver(world)["passback_sent"] == 1
    assert len(platform.scores) == 2 and len(rows(world)) == 1
    assert platform.scores[1]["timestamp"] > platform.scores[0]["timestamp"]


def test_an_instructor_override_is_the_score_that_goes_back(world, lti_student, platform):
    from grader.services.gradebook import scores as gradebook

    submit(world, lti_student)
    gradebook.set_override(
        world.svc, world.teacher.actor, world.assignment_id, lti_student.username, 0.5, "oral exam"
    )
    submit(world, lti_student, RIGHT_AGAIN)
    deliver(world)
    assert platform.scores[-1]["scoreGiven"] == 0.5
