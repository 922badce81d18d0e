"""`?wait=MS` holds a request thread: one user's burst of waiting submissions may not take the
threads everyone else needs. Past the per-user and per-process bounds the answer is 202 at
once, and the submission is graded all the same."""

from __future__ import annotations

import itertools
import threading

from grader.services.courses import course as courses
from tests.helpers import Person

RIGHT = {"dz-at-10": "200", "dz": "20x", "grad": ["20x"]}
LONG_WAIT_MS = 4000  # nothing grades in these tests: a granted wait lasts this long
_TEXTS = itertools.count()  # each submission its own text: the last one's again uses none


def _post(app, person, assignment_id: int, wait_ms: int):
    return app.test_client().post(
        f"/api/v1/assignments/{assignment_id}/submissions?wait={wait_ms}",
        json={"answers": {**RIGHT, "dz": f"20x + {(n := next(_TEXTS))} - {n}"}},
        headers=person.headers,
    )


def _start_waiting(app, world, person, n: int) -> list[threading.Thread]:
    """`n` requests by `person` that take wait slots; returns once all hold theirs."""
    before = world.svc.waits.waiting(person.id)
    threads = [
        threading.Thread(target=_post, args=(app, person, world.assignment_id, LONG_WAIT_MS))
        for _ in range(n)
    ]
    for thread in threads:
        thread.start()
    while world.svc.waits.waiting(person.id) < before + n:
        threading.Event().wait(0.01)
    return threads


def test_a_users_third_waiting_submission_is_answered_at_once(app, world):
    waiting = _start_waiting(app, world, world.student, 2)
    third = _post(app, world.student, world.assignment_id, LONG_WAIT_MS)
    assert third.status_code == 202 and third.json["status"] == "queued"
    assert third.headers["Location"] == f"/api/v1/submissions/{third.json['id']}"
    assert all(t.is_alive() for t in waiting)  # answered while the first two still wait
    assert world.svc.waits.waiting(world.student.id) == 2
    for thread in waiting:
        thread.join()
    assert world.grade_all() == 3  # every one was accepted and is graded


def test_other_users_are_not_kept_waiting_behind_a_full_process(app, world):
    others = []
    for name in ("ann", "ben"):
        others.append(Person(world.svc, name, "student"))
        courses.add_member(world.svc, world.teacher.actor, world.course_id, name, "student")
    held = _start_waiting(app, world, others[0], 2) + _start_waiting(app, world, others[1], 2)
    # every wait slot of the process is taken: a fifth waiting request does not queue for a
    # thread, it is answered now
    response = _post(app, world.student, world.assignment_id, LONG_WAIT_MS)
    assert response.status_code == 202
    assert all(t.is_alive() for t in held)
    for thread in held:
        thread.join()
    assert world.svc.waits.waiting(others[0].id) == 0


def test_a_granted_wait_returns_the_graded_result(app, world):
    """The slot changes nothing for a request that may wait: 200 with the grade."""
    from grader.workers.pool import EmbeddedPool

    pool = EmbeddedPool(world.svc, size=1, batch_size=8)
    world.svc.dispatcher = pool
    pool.start()
    try:
        response = _post(app, world.student, world.assignment_id, 10000)
    finally:
        pool.stop()
    assert response.status_code == 200 and response.json["status"] == "graded"
