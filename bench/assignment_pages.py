"""The pages of a 10-question assignment with 500 students (SQLite): goal under 1 s each.

    PYTHONPATH=. python bench/assignment_pages.py [--students 500] [--questions 10] [--runs 15]

Builds a course in a temporary database: an assignment of `--questions` questions (every other
one a pool of two), each student with two graded attempts per question (stored results, as
grading writes them), then times, each `--runs` times, through the Flask test client:

  baseline         GET /api/v1/health (the service's floor in the same run)
  student page     GET /assignments/<id> as a student (questions, draws, scores, attempts)
  student api      GET /api/v1/assignments/<id> as a student (with every question's statement)
  gradebook json   GET /api/v1/courses/<id>/gradebook (students × questions)
  gradebook csv    GET /api/v1/courses/<id>/gradebook?format=csv&questions=true
  gradebook page   GET /teach/courses/<id>/gradebook (the instructor's page)
  statistics       GET /api/v1/assignments/<id>/statistics (difficulty, discrimination)

and prints the median, mean and p99 in ms, and each median as a multiple of the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parents[1]


def power_yaml(slug: str, n: int) -> str:
    return (
        f"id: {slug}\ntitle: Power {n}\nstatement: 'Let $y = {{a}} x^{n}$.'\n"
        "variables: {x: [0.5, 3]}\nparams: {a: {int: [2, 60]}}\n"
        f"define: {{y: a*x^{n}}}\n"
        "parts:\n  - {id: dy, kind: expression, of: y, wrt: x}\n"
    )


def build(svc, students: int, n_questions: int):
    from grader.db.models import Assignment, Membership, Submission, User
    from grader.services.accounts import users
    from grader.services.assignments import assignment as assignments
    from grader.services.assignments import questions
    from grader.services.context import Actor
    from grader.services.courses import course as courses
    from grader.services.exercises import library as exercises

    teacher = users.create_user(svc, "teacher", "instructor")
    actor = Actor(teacher.id, "teacher", "instructor")
    learner = users.create_user(svc, "a-student", "student")
    slugs = []
    for n in range(2, 2 + n_questions + n_questions // 2):
        slugs.append(f"power-{n}")
        exercises.upload(svc, actor, power_yaml(slugs[-1], n))
    course = courses.create_course(svc, actor, "Benchmark").id
    specs = []
    pool = iter(slugs)
    for q in range(n_questions):
        if q % 2:
            specs.append({"pool": [next(pool), next(pool)], "choose": 1, "points": 2})
        else:
            specs.append({"exercise_id": next(pool), "points": 1, "max_attempts": 3})
    spec = {"title": "Week 5", "questions": specs}
    assignment = assignments.create_assignment(svc, actor, course, spec)["id"]
    with svc.db.write() as session:
        session.execute(
            insert(User), [{"username": f"s{i:05d}", "role": "student"} for i in range(students)]
        )
        ids = list(session.scalars(select(User.id).where(User.role == "student").order_by(User.id)))
        session.execute(
            insert(Membership),
            [{"course_id": course, "user_id": uid, "role": "student"} for uid in ids],
        )
        items = list(session.get(Assignment, assignment).questions)
        versions = questions.alternatives(session, questions.version_ids(items))
    rows = []
    for uid in ids:
        for q in items:
            version = versions[questions.drawn_version(q, uid)]
            for attempt, right in ((1, uid % 3 == 0), (2, uid % 2 == 0)):
                score = version.max_score if right else 0.0
                rows.append(
                    {
                        "assignment_id": assignment,
                        "question_id": q.id,
                        "student_id": uid,
                        "exercise_version_id": version.version_id,
                        "attempt": attempt,
                        "seed": uid,
                        "answers": {"dy": "2x" if right else "x"},
                        "status": "graded",
                        "score": score,
                        "max_score": version.max_score,
                        "results": {
                            "score": score,
                            "raw_score": score,
                            "penalty": 0.0,
                            "parts": {"dy": {"correct": right, "score": score, "feedback": ""}},
                        },
                    }
                )
    with svc.db.write() as session:
        session.execute(insert(Submission), rows)
    print(f"{len(rows)} graded submissions stored", file=sys.stderr)
    tokens = {"teacher": teacher.token, "student": learner.token}
    return course, assignment, actor, learner.id, tokens


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
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    import torch

    from grader.app import create_app
    from grader.config import Config
    from grader.db import migrate
    from grader.db.models import User
    from grader.services.accounts.users import session_stamp

    torch.set_num_threads(1)
    folder = Path(tempfile.mkdtemp(prefix="grader-bench-"))
    config = Config(instance_path=folder, secret_key="bench", pool_size=0, user_rate=0.0).resolved()
    app = create_app(config)
    svc = app.extensions["grader"]
    migrate.upgrade(svc.db.engine)
    course, assignment, teacher, student_id, tokens = build(svc, args.students, args.questions)

    def signed_in(user_id: int, token: str):
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        with svc.db.read() as db:
            stamp = session_stamp(db.get(User, user_id))
        with client.session_transaction() as session:
            session.update(uid=user_id, stamp=stamp, at=time.time(), csrf="x")
        return client

    staff = signed_in(teacher.id, tokens["teacher"])
    learner = signed_in(student_id, tokens["student"])

    def get(client, url: str):
        def run() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return run

    pages = {
        "baseline": get(staff, "/api/v1/health"),
        "student page": get(learner, f"/assignments/{assignment}"),
        "student api": get(learner, f"/api/v1/assignments/{assignment}"),
        "gradebook json": get(staff, f"/api/v1/courses/{course}/gradebook"),
        "gradebook csv": get(
            staff, f"/api/v1/courses/{course}/gradebook?format=csv&questions=true"
        ),
        "gradebook page": get(staff, f"/teach/courses/{course}/gradebook"),
        "statistics": get(staff, f"/api/v1/assignments/{assignment}/statistics"),
    }
    timings = {name: timed(fn, args.runs) for name, fn in pages.items()}
    base = statistics.median(timings["baseline"])
    print(
        f"{args.students} students × {args.questions} questions × 2 attempts, {args.runs} runs "
        "(SQLite, one thread, Flask test client)"
    )
    print(f"{'':<16}{'median ms':>10}{'mean ms':>10}{'p99 ms':>10}{'× baseline':>12}")
    for name, values in timings.items():
        median = statistics.median(values)
        print(
            f"{name:<16}{median:>10.1f}{statistics.fmean(values):>10.1f}{p99(values):>10.1f}"
            f"{median / base:>12.1f}"
        )
    svc.close()


if __name__ == "__main__":
    main()
