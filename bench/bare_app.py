"""The floor the service is measured against in bench/load.py: a bare Flask + SQLAlchemy
endpoint doing a submission's writes (an INSERT of the answers, then an UPDATE with a grade)
on the same database, served by the same gunicorn settings as `python -m grader serve`.

    python bench/bare_app.py --port 8001 --workers 2     # GRADER_DATABASE_URL picks the database
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import Flask, jsonify, request  # noqa: E402
from sqlalchemy import (  # noqa: E402
    JSON,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    update,
)

metadata = MetaData()
table = Table(
    "bare_submissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("student", String(100)),
    Column("answers", JSON),
    Column("status", String(16)),
    Column("score", Float),
    Column("results", JSON),
)
RESULT = {"parts": {"a": {"correct": True, "score": 1.0, "feedback": "Correct."}}, "score": 1.0}


def _engine(url: str):
    # as the service: a writer waits for SQLite's lock rather than failing
    return create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})


def create_bare_app(database_url: str) -> Flask:
    engine = _engine(database_url)
    app = Flask("bare")

    @app.get("/health")
    def health():
        return jsonify(status="ok")

    @app.post("/submit")
    def submit():
        body = request.get_json()
        with engine.begin() as conn:
            sid = conn.execute(
                insert(table)
                .values(student="s", answers=body["answers"], status="queued")
                .returning(table.c.id)
            ).scalar_one()
        if request.args.get("grade"):
            with engine.begin() as conn:
                conn.execute(
                    update(table)
                    .where(table.c.id == sid)
                    .values(status="graded", score=1.0, results=RESULT)
                )
        return (
            json.dumps({"id": sid, "status": "graded"}),
            200,
            {"Content-Type": "application/json"},
        )

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    from grader.serving import run_gunicorn

    url = os.environ["GRADER_DATABASE_URL"]
    engine = _engine(url)
    metadata.create_all(engine)
    if url.startswith("sqlite"):  # as the service: WAL, so readers never wait for a writer
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    engine.dispose()
    run_gunicorn(lambda: create_bare_app(url), "127.0.0.1", args.port, args.workers, args.threads)


if __name__ == "__main__":
    main()
