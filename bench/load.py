"""Load generator: drive the real service on loopback and report accepted/s, graded/s,
p50/p99 latency, errors and lost submissions, beside a baseline (GET /health) measured in the
same run.

    .venv/bin/python bench/load.py                 # starts its own server on SQLite
    .venv/bin/python bench/load.py --seconds 20 --rate 200 --clients 16
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.config import Config  # noqa: E402
from grader.db import migrate  # noqa: E402
from grader.db.models import Submission  # noqa: E402
from grader.services.accounts import users  # noqa: E402
from grader.services.assignments import assignment as assignments  # noqa: E402
from grader.services.context import Services  # noqa: E402
from grader.services.courses import course as courses  # noqa: E402
from grader.services.exercises import library as exercises  # noqa: E402

ANSWERS = [  # what a class types: mostly right, some classic slips
    {"dz-at-10": "200", "dz-formula": "20x"},
    {"dz-at-10": "200", "dz-formula": "20*x"},
    {"dz-at-10": "40", "dz-formula": "4x"},
    {"dz-at-10": "200", "dz-formula": "5*4x"},
    {"dz-at-10": "2e2", "dz-formula": "x*20"},
    {"dz-at-10": "206", "dz-formula": "20x + 6"},
]


def setup(instance: Path, students: int) -> tuple[Services, list[str], int]:
    svc = Services(Config(instance_path=instance, pool_size=0, user_rate=0).resolved())
    migrate.upgrade(svc.db.engine)
    teacher = users.create_user(svc, "teacher", "instructor")
    from grader.services.context import Actor

    actor = Actor(teacher["id"], "teacher", "instructor")
    exercises.upload(svc, actor, (ROOT / "exercises" / "tutorial-chain.yaml").read_text())
    course = courses.create_course(svc, actor, "Bench")["id"]
    tokens = []
    for i in range(students):
        tokens.append(users.create_user(svc, f"s{i}", "student")["token"])
        courses.add_member(svc, actor, course, f"s{i}", "student")
    spec = {"exercise_id": "tutorial-chain"}
    assignment = assignments.create_assignment(svc, actor, course, spec)["id"]
    return svc, tokens, assignment


def start_server(instance: Path, port: int, pool: int) -> subprocess.Popen:
    env = {**os.environ, "GRADER_INSTANCE_PATH": str(instance), "GRADER_POOL_SIZE": str(pool)}
    env["GRADER_USER_RATE"] = "0"
    env["GRADER_MAX_QUEUE"] = "1000000"
    cmd = [sys.executable, "-m", "grader", "serve", "--port", str(port)]
    cmd += ["--workers", os.environ.get("BENCH_WORKERS", "0")]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health")
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


class Run:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.ids: list[int] = []
        self.errors: dict[str, int] = {}
        self.lock = threading.Lock()

    def record(self, seconds: float, sid: int | None, error: str | None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if sid is not None:
                self.ids.append(sid)
            if error:
                self.errors[error] = self.errors.get(error, 0) + 1


def drive(
    base: str,
    tokens: list[str],
    assignment: int,
    seconds: float,
    clients: int,
    rate: float | None,
    submit: bool,
) -> tuple[Run, float]:
    """`clients` keep-alive connections for `seconds`; `rate` per second in all (None: as
    fast as possible). Latency is measured from when a request was due, so a server that
    falls behind a paced load is charged for the wait (no coordinated omission)."""
    return asyncio.run(_drive(base, tokens, assignment, seconds, clients, rate, submit))


async def _drive(base, tokens, assignment, seconds, clients, rate, submit) -> tuple[Run, float]:
    url = httpx.URL(base)
    path = f"{url.path}/assignments/{assignment}/submissions" if submit else f"{url.path}/health"
    run = Run()
    stop = time.monotonic() + seconds
    gap = clients / rate if rate else 0.0

    async def client(index: int) -> None:
        rng = random.Random(index)
        reader, writer = await asyncio.open_connection(url.host, url.port)
        due = time.monotonic() + rng.random() * gap
        try:
            while (now := time.monotonic()) < stop:
                if gap:
                    if now < due:
                        await asyncio.sleep(due - now)
                    started, due = due, due + gap
                else:
                    started = now
                request = _request(path, tokens[rng.randrange(len(tokens))], submit, rng)
                try:
                    writer.write(request)
                    status, body, close = await _response(reader)
                except (OSError, asyncio.IncompleteReadError) as exc:
                    run.record(time.monotonic() - started, None, type(exc).__name__)
                    writer.close()
                    reader, writer = await asyncio.open_connection(url.host, url.port)
                    continue
                ok = status in (200, 202)
                sid = json.loads(body).get("id") if ok and submit else None
                run.record(time.monotonic() - started, sid, None if ok else str(status))
                if close:
                    writer.close()
                    reader, writer = await asyncio.open_connection(url.host, url.port)
        finally:
            writer.close()

    began = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return run, time.monotonic() - began


def _request(path: str, token: str, submit: bool, rng: random.Random) -> bytes:
    """One HTTP/1.1 request, built by hand so the client costs microseconds, not the
    server's CPU: the load generator shares this machine's two cores with the service."""
    head = f"{'POST' if submit else 'GET'} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += f"Authorization: Bearer {token}\r\n"
    if not submit:
        return (head + "\r\n").encode()
    body = json.dumps({"answers": rng.choice(ANSWERS)}).encode()
    head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = head.split("\r\n")
    status = int(lines[0].split()[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    body = await reader.readexactly(int(fields.get("content-length", "0")))
    return status, body, fields.get("connection", "").lower() == "close"


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000
        if len(values) > 1
        else values[0] * 1000
    )


def graded_count(svc: Services, ids: list[int]) -> int:
    with svc.db.read() as session:
        return int(session.scalar(select(func.count()).where(Submission.status == "graded")) or 0)


def report(name: str, run: Run, elapsed: float, graded: float | None = None) -> None:
    n = len(run.latencies)
    line = (
        f"{name:<34} {n / elapsed:8.0f}/s  p50 {pct(run.latencies, 50):6.1f} ms  "
        f"p99 {pct(run.latencies, 99):6.1f} ms  errors {sum(run.errors.values())}"
    )
    if graded is not None:
        line += f"  graded {graded:6.0f}/s"
    print(line + (f"  {run.errors}" if run.errors else ""), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rate", type=float, default=200, help="paced phase, submissions/s")
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--pool", type=int, default=1, help="grading threads in the server")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        svc, tokens, assignment = setup(instance, args.students)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = start_server(instance, port, args.pool)
        base = f"http://127.0.0.1:{port}/api/v1"
        try:
            print(
                f"# {os.cpu_count()} CPUs, SQLite, {args.seconds:g} s per phase, "
                f"{args.clients} clients, {args.students} students, pool {args.pool}"
            )
            run, elapsed = drive(base, tokens, assignment, args.seconds, args.clients, None, False)
            report("baseline GET /health (max)", run, elapsed)
            all_ids: list[int] = []
            before = graded_count(svc, [])
            run, elapsed = drive(base, tokens, assignment, args.seconds, args.clients, None, True)
            graded = (graded_count(svc, []) - before) / elapsed
            report("POST submissions (max)", run, elapsed, graded)
            all_ids += run.ids
            baseline, elapsed_b = drive(
                base, tokens, assignment, args.seconds, args.clients, args.rate, False
            )
            report(f"baseline GET /health at {args.rate:g}/s", baseline, elapsed_b)
            before = graded_count(svc, [])
            run, elapsed = drive(
                base, tokens, assignment, args.seconds, args.clients, args.rate, True
            )
            graded = (graded_count(svc, []) - before) / elapsed
            report(f"POST submissions at {args.rate:g}/s", run, elapsed, graded)
            all_ids += run.ids
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and graded_count(svc, []) < len(all_ids):
                time.sleep(0.2)
            with svc.db.read() as session:
                stored = set(
                    session.scalars(
                        select(Submission.id).where(Submission.status == "graded")
                    ).all()
                )
            lost = len(set(all_ids) - stored)
            print(f"accepted {len(all_ids)}, graded {len(stored)}, lost {lost}")
        finally:
            server.terminate()
            server.wait(10)
            svc.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
