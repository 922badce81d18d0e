"""The embedded pool grades what is queued, including rows a dead process left in grading."""

from __future__ import annotations

from sqlalchemy import select, update

from grader.db.models import Submission
from grader.services.grading import submissions
from grader.workers.pool import EmbeddedPool

RIGHT = {"dz-at-10": "200", "dz": "20x", "grad": ["20x"]}


def _submit(world, n: int) -> list[int]:
    """n attempts, each a different text of the right answers (an identical resubmission would
    be the last attempt again, not a new one)."""
    return [
        submissions.submit(
            world.svc,
            world.student.actor,
            world.assignment_id,
            {**RIGHT, "dz-at-10": f"{200:.{i}f}"},
        )[0]["id"]
        for i in range(n)
    ]


def _run_pool_until_graded(world, ids: list[int], size: int, batch_size: int) -> None:
    """Start a pool, wait for `ids` to be graded, stop it (which flushes its metrics)."""
    pool = EmbeddedPool(world.svc, size=size, batch_size=batch_size)
    world.svc.dispatcher = pool
    pool.start()
    try:
        for sid in ids:
            submissions.wait_for(world.svc, sid, timeout_s=30)
    finally:
        pool.stop()


def test_pool_picks_up_queued_and_stuck_rows_on_start(world):
    ids = _submit(world, 3)
    with world.svc.db.write() as session:  # one row left mid-grading by a killed process
        session.execute(
            update(Submission).where(Submission.id == ids[0]).values(status="grading", tries=1)
        )
    _run_pool_until_graded(world, ids, size=2, batch_size=2)
    with world.svc.db.read() as session:
        statuses = session.scalars(select(Submission.status).order_by(Submission.id)).all()
    assert statuses == ["graded"] * 3


def test_pool_results_appear_in_the_metrics_histograms(world, client):
    ids = _submit(world, 3)
    _run_pool_until_graded(world, ids, size=1, batch_size=8)
    text = client.get("/metrics").get_data(as_text=True)
    assert "grader_submission_latency_seconds_count 3.0" in text
    assert 'grader_batch_size_bucket{le="+Inf"}' in text
    assert "grader_batch_size_sum 3.0" in text
