"""Load generator: drive the real service on loopback and report, per kind of request,
requests/s, latency (p50, mean, p99) and the server's CPU per request (every process of the
server: web workers and their grading children; the database server is not counted), beside
a bare Flask + SQLAlchemy endpoint doing a submission's writes on the same database, measured
in the same run; then a paced phase and a count of lost submissions.

    .venv/bin/python bench/load.py                      # starts its own servers on SQLite
    .venv/bin/python bench/load.py --database postgresql --seconds 10
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import func, select

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))
# BENCH_ROOT=/path/to/another/checkout serves that checkout (a baseline) under the same load;
# the database is set up by this one's code, so both must know the same migrations
ROOT = Path(os.environ.get("BENCH_ROOT", HERE)).resolve()

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
PREVIEWS = ["20x", "5*(4x)", "20*x + 0", "x^2/2", "sin(x)*20"]
TICK = os.sysconf("SC_CLK_TCK")
DONE = ("graded", "failed")


def setup(instance: Path, database_url: str, students: int) -> tuple[Services, list[str], int]:
    config = Config(instance_path=instance, database_url=database_url, pool_size=0, user_rate=0)
    svc = Services(config.resolved())
    migrate.upgrade(svc.db.engine)
    teacher = users.create_user(svc, "teacher", "instructor")
    from grader.services.context import Actor

    actor = Actor(teacher.id, "teacher", "instructor")
    exercises.upload(svc, actor, (HERE / "exercises" / "tutorial-chain.yaml").read_text())
    course = courses.create_course(svc, actor, "Bench").id
    tokens = []
    for i in range(students):
        tokens.append(users.create_user(svc, f"s{i}", "student").token)
        courses.add_member(svc, actor, course, f"s{i}", "student")
    spec = {"exercise_id": "tutorial-chain"}
    assignment = assignments.create_assignment(svc, actor, course, spec)["id"]
    return svc, tokens, assignment


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"the server at {url} exited ({proc.returncode})")
        try:
            httpx.get(url)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"the server at {url} did not start")


def server_env(instance: Path, database_url: str, pool: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    env.update(
        GRADER_INSTANCE_PATH=str(instance),
        GRADER_DATABASE_URL=database_url,
        GRADER_POOL_SIZE=str(pool),
        GRADER_MAX_QUEUE="1000000",
        GRADER_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "grader", "serve", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    wait_up(f"http://127.0.0.1:{port}/api/v1/health", proc)
    return proc


def start_bare(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    cmd = [sys.executable, str(HERE / "bench" / "bare_app.py"), "--port", str(port)]
    cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    wait_up(f"http://127.0.0.1:{port}/health", proc)
    return proc


# --- the server's CPU time ----------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rpartition(")")[2].split()
            except OSError:
                continue
            tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def tree_cpu_s(root: int) -> float:
    """CPU seconds of `root` and every process below it (reaped children included through
    their parents' cutime/cstime)."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        todo.extend(tree.get(pid, []))
    return total / TICK


# --- driving ------------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    token: str
    body: bytes = b""


class Run:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.ids: list[int] = []
        self.requests = 0
        self.errors: dict[str, int] = {}
        self.lock = threading.Lock()

    def record(self, seconds: float, sid: int | None, error: str | None, requests: int) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.requests += requests
            if sid is not None:
                self.ids.append(sid)
            if error:
                self.errors[error] = self.errors.get(error, 0) + 1


Make = Callable[[random.Random], Request]


def drive(
    port: int, make: Make, seconds: float, clients: int, rate: float | None, poll: bool = False
) -> tuple[Run, float]:
    """`clients` keep-alive connections for `seconds`; `rate` per second in all (None: as
    fast as possible). Latency is measured from when a request was due, so a server that
    falls behind a paced load is charged for the wait (no coordinated omission). With
    `poll`, a 202 is followed by GETs of its Location every 50 ms until it is done, and the
    latency is the whole exchange's."""
    return asyncio.run(_drive(port, make, seconds, clients, rate, poll))


async def _drive(port, make, seconds, clients, rate, poll) -> tuple[Run, float]:
    run = Run()
    stop = time.monotonic() + seconds
    gap = clients / rate if rate else 0.0

    async def client(index: int) -> None:
        rng = random.Random(index)
        conn = await asyncio.open_connection("127.0.0.1", port)
        due = time.monotonic() + rng.random() * gap
        try:
            while (now := time.monotonic()) < stop:
                if gap:
                    if now < due:
                        await asyncio.sleep(due - now)
                    started, due = due, due + gap
                else:
                    started = now
                request = make(rng)
                try:
                    status, body, headers = await _exchange(conn, request)
                    sent = 1
                    location = headers.get("location") if poll and status == 202 else None
                    while location:
                        await asyncio.sleep(0.05)
                        get = Request("GET", location, request.token)
                        got, answer, _ = await _exchange(conn, get)
                        sent += 1
                        if got != 200 or json.loads(answer).get("status") in DONE:
                            location = None
                except (OSError, asyncio.IncompleteReadError) as exc:
                    run.record(time.monotonic() - started, None, type(exc).__name__, 1)
                    conn[1].close()
                    conn = await asyncio.open_connection("127.0.0.1", port)
                    continue
                ok = status in (200, 202)
                sid = json.loads(body).get("id") if ok and request.method == "POST" else None
                run.record(time.monotonic() - started, sid, None if ok else str(status), sent)
                if headers.get("connection", "").lower() == "close":
                    conn[1].close()
                    conn = await asyncio.open_connection("127.0.0.1", port)
        finally:
            conn[1].close()

    began = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return run, time.monotonic() - began


async def _exchange(conn, request: Request) -> tuple[int, bytes, dict[str, str]]:
    """One HTTP/1.1 request, built by hand so the client costs microseconds, not the
    server's CPU: the load generator shares this machine's cores with the service."""
    reader, writer = conn
    head = f"{request.method} {request.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += f"Authorization: Bearer {request.token}\r\n"
    if request.body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(request.body)}\r\n"
    writer.write((head + "\r\n").encode() + request.body)
    raw = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = raw.split("\r\n")
    status = int(lines[0].split()[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    body = await reader.readexactly(int(fields.get("content-length", "0")))
    return status, body, fields


def pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def graded_count(svc: Services) -> int:
    with svc.db.read() as session:
        return int(session.scalar(select(func.count()).where(Submission.status == "graded")) or 0)


def profile(pid: int, name: str, args: argparse.Namespace) -> subprocess.Popen | None:
    """With --profile DIR: py-spy samples the server's processes during the phase into
    DIR/<phase>.txt (collapsed stacks, one line per stack with its count)."""
    if not args.profile:
        return None
    folder = Path(args.profile)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / ("".join(c if c.isalnum() else "-" for c in name).strip("-") + ".txt")
    spy = Path(sys.executable).with_name("py-spy")
    cmd = [str(spy), "record", "--pid", str(pid), "--subprocesses", "--nonblocking"]
    cmd += ["--rate", "250", "--format", "raw", "--output", str(out)]
    cmd += ["--duration", str(max(1, int(args.seconds)))]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(
    name: str,
    server: subprocess.Popen,
    port: int,
    make: Make,
    args: argparse.Namespace,
    *,
    rate: float | None = None,
    poll: bool = False,
    svc: Services | None = None,
) -> tuple[Run, float]:
    """One phase: drive, then print rate, latency, errors and server CPU per request."""
    graded_before = graded_count(svc) if svc else 0
    profiler = profile(server.pid, name, args)
    cpu_before = tree_cpu_s(server.pid)
    run, elapsed = drive(port, make, args.seconds, args.clients, rate, poll)
    cpu = tree_cpu_s(server.pid) - cpu_before
    if profiler is not None:
        profiler.wait(30)
    n = len(run.latencies)
    mean = statistics.fmean(run.latencies) * 1000 if run.latencies else float("nan")
    line = (
        f"{name:<40} {n / elapsed:7.0f}/s  p50 {pct(run.latencies, 50):7.1f}  "
        f"mean {mean:7.1f}  p99 {pct(run.latencies, 99):7.1f} ms  "
        f"CPU {cpu * 1000 / max(1, n):6.2f} ms/op"
    )
    if poll:
        line += f" ({run.requests / max(1, n):.1f} requests/op)"
    if svc is not None:
        line += f"  graded {(graded_count(svc) - graded_before) / elapsed:5.0f}/s"
    errors = sum(run.errors.values())
    print(line + (f"  errors {errors} {run.errors}" if errors else ""), flush=True)
    return run, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rate", type=float, default=200, help="paced phase, submissions/s")
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--pool", type=int, default=1, help="grading threads per process")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--profile", metavar="DIR", help="py-spy each phase into DIR")
    args = parser.parse_args()

    pg = None
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        url = f"sqlite:///{instance / 'grader.db'}"
        bare_url = f"sqlite:///{instance / 'bare.db'}"
        if args.database == "postgresql":
            from tests.helpers import PostgresServer

            pg = PostgresServer()
            url, bare_url = pg.create(), pg.create()
        svc, tokens, assignment = setup(instance, url, args.students)
        base = f"/api/v1/assignments/{assignment}"

        def token(rng: random.Random) -> str:
            return tokens[rng.randrange(len(tokens))]

        last: dict[str, int] = {}  # token -> the index in ANSWERS it last submitted

        def submission(path: str) -> Make:
            def make(rng: random.Random) -> Request:
                # a student changes their answer between attempts: the last attempt's answers
                # again would use no attempt and get that result back, not be graded again
                who = token(rng)
                pick = rng.choice([i for i in range(len(ANSWERS)) if i != last.get(who)])
                last[who] = pick
                return Request("POST", path, who, json.dumps({"answers": ANSWERS[pick]}).encode())

            return make

        def preview(rng: random.Random) -> Request:
            body = json.dumps({"expression": rng.choice(PREVIEWS), "part": "dz-formula"})
            return Request("POST", f"{base}/preview", token(rng), body.encode())

        port, bare_port = free_port(), free_port()
        env = server_env(instance, url, args.pool)
        server = start_server(env, port, args.workers)
        all_ids: list[int] = []
        try:
            print(
                f"# {os.cpu_count()} CPUs, {args.database}, {args.seconds:g} s per phase, "
                f"{args.clients} clients, {args.students} students, {args.workers} server "
                f"processes, pool {args.pool}; CPU = server processes' CPU per request; "
                f"server from {ROOT}"
            )
            measure(
                "service GET /health",
                server,
                port,
                lambda rng: Request("GET", "/api/v1/health", token(rng)),
                args,
            )
            measure(
                "service GET /assignments/{id}",
                server,
                port,
                lambda rng: Request("GET", base, token(rng)),
                args,
            )
            measure("service POST preview", server, port, preview, args)
            run, _ = measure(
                "service POST submissions?wait=2000",
                server,
                port,
                submission(f"{base}/submissions?wait=2000"),
                args,
                svc=svc,
            )
            all_ids += run.ids
            run, _ = measure(
                "service POST submissions + poll",
                server,
                port,
                submission(f"{base}/submissions"),
                args,
                poll=True,
                svc=svc,
            )
            all_ids += run.ids
            run, _ = measure(
                f"service POST submissions at {args.rate:g}/s",
                server,
                port,
                submission(f"{base}/submissions"),
                args,
                rate=args.rate,
                svc=svc,
            )
            all_ids += run.ids
        finally:
            server.terminate()
            server.wait(30)
        bare = start_bare(server_env(instance, bare_url, 0), bare_port, args.workers)
        try:
            measure(
                "bare Flask GET /health",
                bare,
                bare_port,
                lambda r: Request("GET", "/health", ""),
                args,
            )
            measure("bare Flask INSERT", bare, bare_port, submission("/submit"), args)
            measure(
                "bare Flask INSERT + UPDATE grade",
                bare,
                bare_port,
                submission("/submit?grade=1"),
                args,
            )
        finally:
            bare.terminate()
            bare.wait(30)
        server = start_server(env, port, args.workers)  # what the first run left queued
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and graded_count(svc) < len(set(all_ids)):
                time.sleep(0.2)
        finally:
            server.terminate()
            server.wait(30)
        with svc.db.read() as session:
            stored = set(
                session.scalars(select(Submission.id).where(Submission.status == "graded"))
            )
        accepted = set(all_ids)
        lost = len(accepted - stored)
        print(f"accepted {len(accepted)}, graded {len(stored)}, not graded {lost}")
        svc.close()
        if pg is not None:
            pg.drop(url)
            pg.drop(bare_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
