"""Webhooks: `submission.graded` events signed per Standard Webhooks, retried, logged; a
receiver verifies the signature and refuses replays and stale timestamps."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask, request
from werkzeug.serving import make_server

from grader.db.models import utcnow
from grader.services import integrations
from grader.services.grading import submissions
from grader.services.integrations import webhooks
from tests.conftest import RIGHT


class Receiver:
    """An integration's endpoint on loopback that verifies what it receives."""

    def __init__(self) -> None:
        self.secret = ""
        self.events: list[dict] = []
        self.refusals: list[str] = []
        self.fail: list[int] = []
        self.seen: set[str] = set()
        app = Flask("receiver")

        @app.post("/hook")
        def hook():
            if self.fail:
                return "busy", self.fail.pop(0)
            try:
                event = webhooks.verify(self.secret, request.headers, request.get_data(), self.seen)
            except webhooks.InvalidWebhook as exc:
                self.refusals.append(str(exc))
                return str(exc), 400
            self.events.append(event)
            return "", 204

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(world):
    world.svc.config = replace(
        world.svc.config, lti=replace(world.svc.config.lti, allow_private_urls=True)
    )
    found = Receiver()
    subscription = webhooks.subscribe(world.svc, world.teacher.actor, world.course_id, found.url)
    found.secret, found.id = subscription.secret, subscription.id
    yield found
    found.stop()


def grade(world) -> int:
    accepted, _ = submissions.submit(world.svc, world.student.actor, world.assignment_id, RIGHT)
    world.grade_all()
    return accepted["id"]


def test_a_graded_submission_is_delivered_signed(world, receiver):
    submission_id = grade(world)
    assert integrations.deliver_due(world.svc)["webhook_delivered"] == 1
    [event] = receiver.events
    assert event["type"] == "submission.graded"
    assert event["data"]["submission_id"] == submission_id
    assert event["data"]["student"] == "stu" and event["data"]["score"] > 0
    assert integrations.deliver_due(world.svc)["webhook_delivered"] == 0  # once


def test_a_failed_delivery_is_retried_with_backoff_and_logged(world, receiver):
    grade(world)
    receiver.fail = [503]
    assert integrations.deliver_due(world.svc)["webhook_retry"] == 1
    [entry] = webhooks.deliveries(world.svc, world.teacher.actor, receiver.id).items
    assert entry.status == "pending" and entry.last_status == 503
    assert (
        integrations.deliver_due(world.svc, utcnow() + timedelta(hours=1))["webhook_delivered"] == 1
    )
    [entry] = webhooks.deliveries(world.svc, world.teacher.actor, receiver.id).items
    assert entry.status == "delivered" and entry.attempts == 2
    assert len(receiver.events) == 1


def test_the_receiver_refuses_a_replay_a_stale_timestamp_and_a_forged_signature(world, receiver):
    body = json.dumps({"type": "submission.graded"}).encode()
    now = int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": webhooks.signature(receiver.secret, "msg_1", now, body),
    }
    seen: set[str] = set()
    assert webhooks.verify(receiver.secret, headers, body, seen)["type"] == "submission.graded"
    with pytest.raises(webhooks.InvalidWebhook, match="already received"):
        webhooks.verify(receiver.secret, headers, body, seen)
    old = {**headers, "webhook-id": "msg_2", "webhook-timestamp": str(now - 600)}
    old["webhook-signature"] = webhooks.signature(receiver.secret, "msg_2", now - 600, body)
    with pytest.raises(webhooks.InvalidWebhook, match="too old"):
        webhooks.verify(receiver.secret, old, body, seen)
    with pytest.raises(webhooks.InvalidWebhook, match="signature"):
        webhooks.verify(receiver.secret, {**headers, "webhook-id": "msg_3"}, body, seen)
    with pytest.raises(webhooks.InvalidWebhook, match="signature"):
        webhooks.verify(webhooks.new_secret(), {**headers, "webhook-id": "msg_1x"}, body)


def test_private_addresses_are_refused_unless_allowed(world, receiver):
    world.svc.config = replace(
        world.svc.config, lti=replace(world.svc.config.lti, allow_private_urls=False)
    )
    grade(world)
    assert integrations.deliver_due(world.svc)["webhook_failed"] == 1
    [entry] = webhooks.deliveries(world.svc, world.teacher.actor, receiver.id).items
    assert "internal address" in entry.last_error and receiver.events == []
    assert entry.status == "failed"  # permanent: not tried again


def test_a_subscription_needs_https_and_a_course_instructor(world):
    from grader.services.errors import Forbidden, Invalid

    with pytest.raises(Invalid, match="https"):
        webhooks.subscribe(world.svc, world.teacher.actor, world.course_id, "http://example.com/x")
    with pytest.raises(Forbidden):
        webhooks.subscribe(world.svc, world.student.actor, world.course_id, "https://example.com/x")
