"""Analytics of one assignment with 1,000 students × 3 attempts (SQLite, really graded).

    PYTHONPATH=. python bench/analytics.py [--students 1000] [--attempts 3] [--runs 15]

Builds a course in a temporary database, submits `students × attempts` answers (right ones and
the class's usual mistakes, typed in several ways) and grades them with the service's own
grading path, then times, each `--runs` times:

  baseline   reading every submission's answers and results (the query analytics starts with)
  service    analytics.analytics(): grouping wrong answers by their values at the sample points
  page       GET /teach/assignments/<id>/analytics through the Flask test client (HTML + SVG)
  gradebook  gradebook.gradebook() of the course, for comparison

and prints the median, mean and p99 in ms, and each one's median as a multiple of the baseline.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parents[1]
EXERCISE = ROOT / "exercises" / "tutorial-chain.yaml"
# what a class types for dz/dx = 20x: right, and the usual mistakes, each in several spellings
FORMULAS = [
    ["20x", "20*x", "x*20", "20 x", "5*4x"],  # right
    ["4x", "4*x", "x*4", "4 x"],  # forgot dz/dy
    ["5*4", "20"],  # dropped x
    ["10x", "10*x"],  # halved the exponent's factor
    ["20x+6", "20*x + 6"],
    ["2x", "2*x"],
]
VALUES = ["200", "200.0", "40", "206", "1000", "2e2"]


def answer(rng: random.Random, attempt: int) -> dict[str, str]:
    """Later attempts are more often right, as in a real class."""
    right = rng.random() < 0.3 + 0.25 * attempt
    group = FORMULAS[0] if right else rng.choice(FORMULAS[1:])
    value = VALUES[0] if right else rng.choice(VALUES)
    return {"dz-at-10": value, "dz-formula": rng.choice(group)}


def build(svc, students: int, attempts: int) -> tuple[int, int, object]:
    from grader.db.models import Assignment, Membership, Submission, User
    from grader.services.accounts import users
    from grader.services.assignments import assignment as assignments
    from grader.services.assignments.seeds import student_seed
    from grader.services.context import Actor
    from grader.services.courses import course as courses
    from grader.services.exercises import library as exercises
    from grader.services.grading import runner as grading

    teacher = users.create_user(svc, "teacher", "instructor")
    actor = Actor(teacher.id, "teacher", "instructor")
    exercises.upload(svc, actor, EXERCISE.read_text())
    course = courses.create_course(svc, actor, "Benchmark").id
    spec = {"exercise_id": "tutorial-chain"}
    assignment = assignments.create_assignment(svc, actor, course, spec)["id"]
    with svc.db.write() as session:
        session.execute(
            insert(User), [{"username": f"s{i:05d}", "role": "student"} for i in range(students)]
        )
        ids = list(session.scalars(select(User.id).where(User.role == "student")))
        session.execute(
            insert(Membership),
            [{"course_id": course, "user_id": uid, "role": "student"} for uid in ids],
        )
    rng = random.Random(7)
    info = assignments.settings(svc, actor, assignment)
    with svc.db.read() as session:
        question = session.get(Assignment, assignment).questions[0]
        version_id, max_score = question.exercise_version_id, question.exercise_version.max_score
        question_id = question.id
    rows = [
        {
            "assignment_id": assignment,
            "question_id": question_id,
            "student_id": uid,
            "exercise_version_id": version_id,
            "attempt": a + 1,
            "seed": student_seed(svc.config.secret_key, uid, assignment),
            "answers": answer(rng, a),
            "status": "queued",
            "max_score": max_score,
        }
        for uid in ids
        for a in range(attempts)
    ]
    with svc.db.write() as session:
        session.execute(insert(Submission), rows)
    started = time.perf_counter()
    while grading.process_batch(svc, 256):
        pass
    print(
        f"graded {len(rows)} submissions in {time.perf_counter() - started:.1f} s "
        f"({info['title']})",
        file=sys.stderr,
    )
    return course, assignment, actor


def timed(fn, runs: int) -> list[float]:
    fn()  # warm: exercise cache, templates, SQLite pages
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--attempts", type=int, default=3)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    import torch

    from grader.app import create_app
    from grader.config import Config
    from grader.db import migrate
    from grader.db.models import Submission
    from grader.services.gradebook import analytics
    from grader.services.gradebook import scores as gradebook

    torch.set_num_threads(1)
    folder = Path(tempfile.mkdtemp(prefix="grader-bench-"))
    config = Config(instance_path=folder, secret_key="bench", pool_size=0).resolved()
    app = create_app(config)
    svc = app.extensions["grader"]
    migrate.upgrade(svc.db.engine)
    course, assignment, actor = build(svc, args.students, args.attempts)

    client = app.test_client()
    with client.session_transaction() as session:
        from grader.db.models import User
        from grader.services.accounts.users import session_stamp

        with svc.db.read() as db:
            stamp = session_stamp(db.get(User, actor.id))
        session.update(uid=actor.id, stamp=stamp, at=time.time(), csrf="x")

    def baseline() -> None:
        with svc.db.read() as session:
            session.execute(
                select(Submission.student_id, Submission.answers, Submission.results).where(
                    Submission.assignment_id == assignment
                )
            ).all()

    def page() -> None:
        response = client.get(f"/teach/assignments/{assignment}/analytics")
        assert response.status_code == 200, response.status_code

    timings = {
        "baseline": timed(baseline, args.runs),
        "service": timed(lambda: analytics.analytics(svc, actor, assignment), args.runs),
        "page": timed(page, args.runs),
        "gradebook": timed(lambda: gradebook.gradebook(svc, actor, course), args.runs),
    }
    base = statistics.median(timings["baseline"])
    print(
        f"{args.students} students × {args.attempts} attempts, {args.runs} runs (SQLite, "
        "one thread)"
    )
    print(f"{'':<11}{'median ms':>10}{'mean ms':>10}{'p99 ms':>10}{'× baseline':>12}")
    for name, values in timings.items():
        median = statistics.median(values)
        print(
            f"{name:<11}{median:>10.1f}{statistics.fmean(values):>10.1f}{p99(values):>10.1f}"
            f"{median / base:>12.1f}"
        )
    groups = analytics.analytics(svc, actor, assignment)["parts"]["dz-formula"]["wrong_answers"]
    print("dz-formula wrong-answer groups:", [(g["answer"], g["count"]) for g in groups])
    svc.close()


if __name__ == "__main__":
    main()
