"""0009 turns every assignment into a one-question assignment: a database filled at 0008 keeps
every row (submissions, extensions, overrides, earlier grades, LTI links and passbacks, webhook
history) and every student's score, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from grader.db import migrate
from grader.db.session import make_engine

PREVIOUS = "0013"
T = "2030-01-01T00:00:00+00:00"
TABLES = (
    "users",
    "courses",
    "memberships",
    "exercises",
    "exercise_versions",
    "assignments",
    "submissions",
    "earlier_grades",
    "extensions",
    "score_overrides",
    "lti_platforms",
    "lti_contexts",
    "lti_resource_links",
    "lti_users",
    "lti_passbacks",
    "webhook_subscriptions",
    "webhook_deliveries",
)
# (id, assignment, student, attempt, status, score, max, late, preview)
SUBMISSIONS = [
    (1, 1, 2, 1, "graded", 1.0, 3.0, False, False),
    (2, 1, 2, 2, "graded", 3.0, 3.0, False, False),
    (3, 1, 2, 3, "graded", 2.0, 3.0, False, False),
    (4, 1, 3, 1, "failed", None, 3.0, False, False),
    (5, 1, 3, 2, "graded", 2.4, 3.0, True, False),
    (6, 2, 2, 1, "graded", 3.0, 3.0, False, False),
    (7, 2, 2, 2, "graded", 1.0, 3.0, False, False),
    (8, 2, 3, 1, "queued", None, 3.0, False, False),
    (9, 2, 1, 1, "graded", 3.0, 3.0, False, True),
    (10, 3, 3, 1, "graded", 0.5, 1.0, False, False),
]
POLICY = {1: "best", 2: "last", 3: "best"}
OVERRIDES = {(3, 3): 0.75}


def _fill(conn) -> None:
    run = lambda sql, **params: conn.execute(text(sql), params)  # noqa: E731
    for uid, name, role in (
        (1, "tess", "instructor"),
        (2, "stu", "student"),
        (3, "sam", "student"),
    ):
        run(
            "INSERT INTO users (id, username, role, created_at, session_version)"
            " VALUES (:i, :n, :r, :t, 0)",
            i=uid,
            n=name,
            r=role,
            t=T,
        )
    run("INSERT INTO courses (id, title, created_at) VALUES (1, 'Calculus', :t)", t=T)
    for uid, role in ((1, "instructor"), (2, "student"), (3, "student")):
        run(
            "INSERT INTO memberships (course_id, user_id, role, created_at) VALUES (1, :u, :r, :t)",
            u=uid,
            r=role,
            t=T,
        )
    for eid, slug in ((1, "e-one"), (2, "e-two")):
        run(
            "INSERT INTO exercises (id, slug, latest_version, created_at) VALUES (:i, :s, 1, :t)",
            i=eid,
            s=slug,
            t=T,
        )
    for vid, eid, version, score in ((1, 1, 1, 3.0), (2, 2, 1, 1.0), (3, 1, 2, 3.0)):
        run(
            "INSERT INTO exercise_versions (id, exercise_id, version, title, yaml_text, sha256,"
            " max_score, created_at) VALUES (:i, :e, :v, 'T', 'y', 's', :m, :t)",
            i=vid,
            e=eid,
            v=version,
            m=score,
            t=T,
        )
    for aid, vid in ((1, 1), (2, 3), (3, 2)):
        run(
            "INSERT INTO assignments (id, course_id, exercise_version_id, created_at,"
            " show_answers, solution_hint, score_policy, late_penalty)"
            " VALUES (:i, 1, :v, :t, 'always', false, :p, 0.2)",
            i=aid,
            v=vid,
            t=T,
            p=POLICY[aid],
        )
    for sid, aid, student, attempt, status, score, mx, late, preview in SUBMISSIONS:
        version = {1: 1, 2: 3, 3: 2}[aid]
        run(
            "INSERT INTO submissions (id, assignment_id, student_id, exercise_version_id,"
            " attempt, seed, answers, status, late, score, max_score, tries, created_at,"
            " preview) VALUES (:i, :a, :s, :v, :n, 7, :ans, :st, :l, :sc, :m, 1, :t, :p)",
            i=sid,
            a=aid,
            s=student,
            v=version,
            n=attempt,
            ans=json.dumps({"dz": "x"}),
            st=status,
            l=late,
            sc=score,
            m=mx,
            t=T,
            p=preview,
        )
    run(
        "INSERT INTO earlier_grades (id, submission_id, exercise_version_id, status, score,"
        " max_score, replaced_at) VALUES (1, 6, 1, 'graded', 1.0, 3.0, :t)",
        t=T,
    )
    run(
        "INSERT INTO extensions (id, assignment_id, student_id, due_at, extra_attempts,"
        " created_at) VALUES (1, 1, 3, :t, 2, :t)",
        t=T,
    )
    for (aid, student), score in OVERRIDES.items():
        run(
            "INSERT INTO score_overrides (id, assignment_id, student_id, score, reason,"
            " created_at) VALUES (1, :a, :s, :sc, 'by hand', :t)",
            a=aid,
            s=student,
            sc=score,
            t=T,
        )
    run(
        "INSERT INTO lti_platforms (id, issuer, client_id, name, auth_url, token_url, jwks_url,"
        " frame_origins, created_at) VALUES (1, 'https://lms', 'c', 'LMS', 'https://lms/a',"
        " 'https://lms/t', 'https://lms/j', '', :t)",
        t=T,
    )
    run(
        "INSERT INTO lti_contexts (id, platform_id, deployment_id, context_id, course_id,"
        " ags_scopes) VALUES (1, 1, 'd', 'ctx', 1, '')"
    )
    run(
        "INSERT INTO lti_resource_links (id, platform_id, context_pk, resource_link_id, title,"
        " assignment_id, lineitem_url, created_at) VALUES (1, 1, 1, 'rl', 'A1', 1,"
        " 'https://lms/li/1', :t)",
        t=T,
    )
    run("INSERT INTO lti_users (id, platform_id, sub, user_id, name) VALUES (1, 1, 'sub-2', 2, '')")
    run(
        "INSERT INTO lti_passbacks (id, submission_id, link_pk, user_id, lti_sub, score_given,"
        " score_maximum, timestamp, status, attempts, next_attempt_at, created_at)"
        " VALUES (1, 2, 1, 2, 'sub-2', 3.0, 3.0, :stamp, 'sent', 1, :t, :t)",
        stamp=T,
        t=T,
    )
    run(
        "INSERT INTO webhook_subscriptions (id, course_id, url, secret, events, created_at)"
        " VALUES (1, 1, 'https://hooks/in', 's', 'submission.graded', :t)",
        t=T,
    )
    run(
        "INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, payload,"
        " status, attempts, next_attempt_at, created_at) VALUES (1, 1, 'msg_1', "
        " 'submission.graded', :p, 'delivered', 1, :t, :t)",
        p=json.dumps({"data": {"submission_id": 2}}),
        t=T,
    )


def _expected_scores() -> dict[tuple[int, int], float]:
    """The gradebook as 0008 counted it: best or last graded, non-preview attempt; overrides."""
    scores: dict[tuple[int, int], float] = {}
    for _sid, aid, student, _n, status, score, _mx, _late, preview in SUBMISSIONS:
        if status != "graded" or preview:
            continue
        key = (aid, student)
        if key not in scores or POLICY[aid] == "last" or score > scores[key]:
            scores[key] = score
    scores.update(OVERRIDES)
    return scores


def _counts(conn) -> dict[str, int]:
    return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in TABLES}


def _check(url: str, tmp_path) -> None:
    from grader.config import Config
    from grader.services.context import Services
    from grader.services.gradebook import scores as gradebook

    engine = make_engine(url)
    try:
        migrate.upgrade(engine, PREVIOUS)
        with engine.begin() as conn:
            _fill(conn)
        with engine.connect() as conn:
            before = _counts(conn)
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert _counts(conn) == before
            pairs = conn.execute(
                text(
                    "SELECT s.id, s.question_id, q.assignment_id, q.exercise_version_id"
                    " FROM submissions s JOIN assignment_questions q ON q.id = s.question_id"
                )
            ).all()
            questions = conn.execute(
                text("SELECT id, assignment_id, exercise_version_id FROM assignment_questions")
            ).all()
        assert sorted((q.id, q.assignment_id, q.exercise_version_id) for q in questions) == [
            (1, 1, 1),
            (2, 2, 3),
            (3, 3, 2),
        ]
        assert len(pairs) == len(SUBMISSIONS)
        by_assignment = {s[0]: s[1] for s in SUBMISSIONS}
        assert all(q_assignment == by_assignment[sid] for sid, _q, q_assignment, _v in pairs)
        config = Config(instance_path=tmp_path / "i", database_url=url, secret_key="s").resolved()
        svc = Services(config)
        try:
            with svc.db.read() as session:
                from grader.db.models import Assignment

                rows = list(session.query(Assignment).order_by(Assignment.id))
                cols = gradebook.columns(session, rows)
                cells = gradebook.counted_scores(session, cols)
                got = {k: c.score for k, c in cells.items() if c.score is not None}
                assert [c.max_score for c in cols] == [3.0, 3.0, 1.0]
        finally:
            svc.close()
        assert got == pytest.approx(_expected_scores())
        # a new question gets an id past the migrated ones (PostgreSQL's sequence moved)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO assignments (id, course_id, created_at, show_answers,"
                    " solution_hint, score_policy, kind, exam_feedback, shuffle) VALUES (4, 1,"
                    " :t, 'always', false, 'best', 'homework', 'full', false)"
                ),
                {"t": T},
            )
            new_id = conn.execute(text("SELECT MAX(id) FROM assignments")).scalar()
            conn.execute(
                text(
                    "INSERT INTO assignment_questions (assignment_id, position, group_no, slot,"
                    " exercise_version_id, choose, variants, seed_key)"
                    " VALUES (:a, 0, 0, 0, 1, 1, 'same', '')"
                ),
                {"a": new_id},
            )
        migrate.downgrade(engine, PREVIOUS)
        with engine.connect() as conn:
            counts = _counts(conn)
        assert counts == {**before, "assignments": before["assignments"] + 1}
    finally:
        engine.dispose()


def test_every_row_and_score_survives_the_upgrade_on_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path / 'm.db'}", tmp_path)


@pytest.mark.postgres
def test_every_row_and_score_survives_the_upgrade_on_postgres(fresh_postgres_url, tmp_path):
    _check(fresh_postgres_url, tmp_path)


def test_downgrade_refuses_to_drop_a_multi_question_assignment(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        migrate.upgrade(engine, PREVIOUS)
        with engine.begin() as conn:
            _fill(conn)
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO assignment_questions (assignment_id, position, group_no, slot,"
                    " exercise_version_id, choose, variants, seed_key)"
                    " VALUES (1, 1, 1, 0, 2, 1, 'same', 'q1')"
                )
            )
        with pytest.raises(RuntimeError, match="several questions"):
            migrate.downgrade(engine, PREVIOUS)
    finally:
        engine.dispose()
