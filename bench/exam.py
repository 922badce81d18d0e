"""The exam burst: N students (5,000) each open the assignment, preview an answer, submit once
and poll for their feedback, all starting within a window (30 s), against the real server
(`python -m grader serve`, one process per core) on loopback; midway one gunicorn worker is
SIGKILLed, and an instructor reads the assignment's analytics every 2 s throughout.

    .venv/bin/python bench/exam.py                          # PostgreSQL, 5,000 students, 30 s
    .venv/bin/python bench/exam.py --database sqlite --students 2000 --window 20

Reports p50/p99 of each request kind, the time from submitting to reading graded feedback,
refused requests (any status other than 200/202), and checks that every student has exactly
one submission and that every one was graded once. Bounded in time: the run stops
`--grace` seconds after the window whatever is left, and says so.

BENCH_ROOT=/path/to/another/checkout runs that checkout's server (a baseline) with this load.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parents[1]
ROOT = Path(os.environ.get("BENCH_ROOT", HERE)).resolve()
sys.path.insert(0, str(HERE))

ANSWERS = [
    {"dz-at-10": "200", "dz-formula": "20x"},
    {"dz-at-10": "40", "dz-formula": "4x"},
    {"dz-at-10": "200", "dz-formula": "5*4x"},
    {"dz-at-10": "206", "dz-formula": "20x + 6"},
]
DONE = ("graded", "failed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tokens_for(count: int) -> list[tuple[str, str]]:
    out = []
    for _ in range(count):
        value = "gt_" + secrets.token_urlsafe(32)
        out.append((value, hashlib.sha256(value.encode()).hexdigest()))
    return out


def populate(url: str, students: int) -> tuple[str, list[tuple[int, str]]]:
    """A teacher and `students` students with API tokens, written in bulk."""
    from sqlalchemy import create_engine, insert, select

    from grader.db.models import ApiToken, User

    engine = create_engine(url)
    teacher_token, *student_tokens = tokens_for(students + 1)
    with engine.begin() as conn:
        conn.execute(insert(User.__table__), [{"username": "teacher", "role": "instructor"}])
        rows = [{"username": f"s{i:05d}", "role": "student"} for i in range(students)]
        conn.execute(insert(User.__table__), rows)
        ids = dict(conn.execute(select(User.username, User.id)).all())
        conn.execute(
            insert(ApiToken.__table__),
            [
                {
                    "user_id": ids["teacher"],
                    "token_hash": teacher_token[1],
                    "prefix": "gt_",
                    "name": "t",
                },
                *(
                    {"user_id": ids[f"s{i:05d}"], "token_hash": h, "prefix": "gt_", "name": "t"}
                    for i, (_, h) in enumerate(student_tokens)
                ),
            ],
        )
    engine.dispose()
    students_out = [(ids[f"s{i:05d}"], v) for i, (v, _) in enumerate(student_tokens)]
    return teacher_token[0], students_out


def enrol(url: str, course: int, student_ids: list[int]) -> None:
    from sqlalchemy import create_engine, insert

    from grader.db.models import Membership

    engine = create_engine(url)
    with engine.begin() as conn:
        rows = [{"course_id": course, "user_id": uid, "role": "student"} for uid in student_ids]
        conn.execute(insert(Membership.__table__), rows)
    engine.dispose()


class Stats:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}
        self.refused: dict[str, int] = {}
        self.retries = 0

    def add(self, kind: str, seconds: float) -> None:
        self.times.setdefault(kind, []).append(seconds)

    def refuse(self, kind: str, status: int | str) -> None:
        key = f"{kind} {status}"
        self.refused[key] = self.refused.get(key, 0) + 1


async def exchange(conn, method: str, path: str, token: str, body: bytes = b"", extra: str = ""):
    reader, writer = conn
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
    head += extra
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    writer.write((head + "\r\n").encode() + body)
    raw = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = raw.split("\r\n")
    status = int(lines[0].split()[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    data = await reader.readexactly(int(fields.get("content-length", "0")))
    return status, data, fields


class Student:
    """One student's exam: a connection of their own, retried (same Idempotency-Key) when the
    server drops it (a killed worker)."""

    def __init__(self, port: int, token: str, assignment: int, stats: Stats, rng: random.Random):
        self.port, self.token, self.assignment = port, token, assignment
        self.stats, self.rng = stats, rng
        self.conn = None
        self.submission: int | None = None
        self.deadline = float("inf")

    async def request(self, kind: str, method: str, path: str, body: bytes = b"", extra=""):
        for _ in range(5):
            started = time.monotonic()
            if started >= self.deadline:
                break
            try:
                if self.conn is None:
                    self.conn = await asyncio.open_connection("127.0.0.1", self.port)
                status, data, fields = await asyncio.wait_for(
                    exchange(self.conn, method, path, self.token, body, extra),
                    timeout=self.deadline - started,
                )
            except TimeoutError:
                self.close()
                self.stats.refuse(kind, "no answer before the end of the run")
                return None, b""
            except (OSError, asyncio.IncompleteReadError):
                self.close()
                self.stats.retries += 1
                await asyncio.sleep(0.05)
                continue
            self.stats.add(kind, time.monotonic() - started)
            if fields.get("connection", "").lower() == "close":
                self.close()
            if status not in (200, 202):
                self.stats.refuse(kind, status)
            return status, data
        self.stats.refuse(kind, "connection")
        return None, b""

    def close(self) -> None:
        if self.conn is not None:
            self.conn[1].close()
            self.conn = None

    async def sit(self, deadline: float) -> None:
        self.deadline = deadline
        base = f"/api/v1/assignments/{self.assignment}"
        answers = self.rng.choice(ANSWERS)
        try:
            await self.request("GET assignment", "GET", base)
            preview = json.dumps({"expression": answers["dz-formula"], "part": "dz-formula"})
            await self.request("POST preview", "POST", f"{base}/preview", preview.encode())
            key = f"Idempotency-Key: exam-{secrets.token_hex(8)}\r\n"
            body = json.dumps({"answers": answers}).encode()
            submitted = time.monotonic()
            status, data = await self.request(
                "POST submission", "POST", f"{base}/submissions", body, key
            )
            if status not in (200, 202):
                return
            reply = json.loads(data)
            self.submission = reply["id"]
            while reply.get("status") not in DONE and time.monotonic() < deadline:
                await asyncio.sleep(0.25)
                status, data = await self.request(
                    "GET submission (poll)", "GET", f"/api/v1/submissions/{self.submission}"
                )
                reply = json.loads(data) if status == 200 else {}
            if reply.get("status") in DONE:
                self.stats.add("feedback (submit to graded)", time.monotonic() - submitted)
        finally:
            self.close()


async def instructor(port: int, token: str, assignment: int, stats: Stats, stop: float) -> None:
    conn = None
    while time.monotonic() < stop:
        started = time.monotonic()
        try:
            conn = conn or await asyncio.open_connection("127.0.0.1", port)
            path = f"/api/v1/assignments/{assignment}/analytics"
            status, _, _ = await asyncio.wait_for(
                exchange(conn, "GET", path, token), timeout=max(0.1, stop - started)
            )
            stats.add("GET analytics (instructor)", time.monotonic() - started)
            if status != 200:
                stats.refuse("GET analytics", status)
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            if conn is not None:
                conn[1].close()
            conn = None
        await asyncio.sleep(max(0.0, 2.0 - (time.monotonic() - started)))


async def burst(port, teacher, students, assignment, window, grace, kill, stats):
    rng = random.Random(7)
    start = time.monotonic()
    deadline = start + window + grace
    people = [
        Student(port, token, assignment, stats, random.Random(i))
        for i, (_, token) in enumerate(students)
    ]

    async def later(person: Student, at: float) -> None:
        await asyncio.sleep(at)
        await person.sit(deadline)

    tasks = [asyncio.create_task(later(p, rng.random() * window)) for p in people]
    watcher = asyncio.create_task(instructor(port, teacher, assignment, stats, deadline))
    await asyncio.sleep(window / 2)
    kill()
    await asyncio.gather(*tasks)
    watcher.cancel()
    return people, time.monotonic() - start


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--window", type=float, default=30.0, help="seconds the starts spread over")
    parser.add_argument("--grace", type=float, default=60.0, help="seconds allowed after it")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args()

    from sqlalchemy import create_engine, func, select

    from grader.db.models import Submission

    folder = Path(tempfile.mkdtemp(prefix="exam-"))
    pg = None
    if args.database == "postgresql":
        from tests.helpers import PostgresServer

        pg = PostgresServer()
        url = pg.create()
    else:
        url = f"sqlite:///{folder / 'grader.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    env.update(
        GRADER_DATABASE_URL=url,
        GRADER_INSTANCE_PATH=str(folder),
        GRADER_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    python = sys.executable
    subprocess.run([python, "-m", "grader", "db", "upgrade"], cwd=ROOT, env=env, check=True)
    teacher, students = populate(url, args.students)
    port = free_port()
    cmd = [python, "-m", "grader", "serve", "--port", str(port), "--workers", str(args.workers)]
    log = open(folder / "server.log", "wb")
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v1/health")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        api = httpx.Client(
            base_url=f"http://127.0.0.1:{port}/api/v1",
            headers={"Authorization": f"Bearer {teacher}"},
            timeout=60,
        )
        yaml = (HERE / "exercises" / "tutorial-chain.yaml").read_text()
        api.post("/exercises", content=yaml, headers={"Content-Type": "application/yaml"})
        course = api.post("/courses", json={"title": "Exam"}).json()["id"]
        enrol(url, course, [uid for uid, _ in students])
        spec = {"exercise_id": "tutorial-chain", "max_attempts": 3}
        assignment = api.post(f"/courses/{course}/assignments", json=spec).json()["id"]

        def kill() -> None:
            children = subprocess.run(
                ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
            ).stdout.split()
            workers = [int(pid) for pid in children]
            if workers:
                os.kill(workers[0], signal.SIGKILL)
                print(f"# SIGKILLed gunicorn worker {workers[0]} at mid-window", flush=True)

        stats = Stats()
        print(
            f"# {os.cpu_count()} CPUs, {args.database}, {args.students} students starting "
            f"within {args.window:g} s, {args.workers} server processes, server from {ROOT}"
        )
        people, elapsed = asyncio.run(
            burst(port, teacher, students, assignment, args.window, args.grace, kill, stats)
        )
        for kind, values in stats.times.items():
            print(
                f"{kind:<30} n {len(values):5}  p50 {pct(values, 50):7.0f}  "
                f"mean {statistics.fmean(values) * 1000:7.0f}  p99 {pct(values, 99):7.0f} ms"
            )
        engine = create_engine(url)
        with engine.connect() as conn:
            per_student = conn.execute(
                select(Submission.student_id, func.count())
                .where(Submission.assignment_id == assignment)
                .group_by(Submission.student_id)
            ).all()
            statuses = dict(
                conn.execute(
                    select(Submission.status, func.count()).group_by(Submission.status)
                ).all()
            )
        engine.dispose()
        accepted = sum(1 for p in people if p.submission is not None)
        doubled = sum(1 for _, n in per_student if n > 1)
        print(
            f"accepted {accepted}/{len(people)}, rows {sum(n for _, n in per_student)}, "
            f"doubled {doubled}, statuses {statuses}, refused {stats.refused or 0}, "
            f"reconnects {stats.retries}, {elapsed:.0f} s in all"
        )
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        if pg is not None:
            pg.drop(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
