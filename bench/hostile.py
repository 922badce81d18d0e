"""Hostile input against the real server while an innocent student works: the innocent
student's latency alone (baseline), then during every attack of issue #8, in the same run.

Starts `python -m grader serve` on loopback (2 processes on this machine, default settings:
rate limits, wait slots and the grading deadline as shipped) on a fresh SQLite instance. The
innocent student polls the assignment, previews an answer and submits with `?wait` in a loop;
an attacker (a student, and an instructor) sends each attack a bounded number of times:

  label      preview "dy/" + "dd"*40 + "!"        (regex backtracking in the label skipper)
  kpower     preview and submit k^(k*k*...*k)     (exact big-integer power; 40 k's)
  split      preview 40-letter words on names x, y, xy and x, xx, xxx (exponential splitting)
  burst      24 concurrent submissions with ?wait=10000 from one student
  json       JSON nested 50,000 deep on /api paths and /login
  chunked    a chunked body over GRADER_MAX_BODY_BYTES
  yaml       exercises: YAML nested 20,000 deep, params 1e29, NUL in title, 100 chained
             definitions with 50 fourth-derivative parts
  dates      due_at 0001-01-01T00:00:00+14:00
  plot       the feedback plot of k repeated 1,000 times
  http       a 9 KB request line and a malformed one (gunicorn's own 414/400: JSON?)

and those of issue #21:

  seedbomb   10 views of an exercise stored before today's validation, finite only for a
             few params (each student view cost 10-22 s of CPU and ended in 500)
  aliases    a 10-byte recursive YAML alias (a: &a [*a]) on upload and validate
  signin     60 parallel wrong passwords for one account (19 were checked against a limit of 5)
  ltilogin   120 unauthenticated /lti/login requests (each wrote two rows)
  ssrf       webhook subscriptions to loopback, metadata and CGNAT addresses
  roster     4 parallel imports of the same 2,000 new students (each hashed all 2,000
             passwords with argon2, then three lost with 409 after 107 s)

It prints, per attack, the statuses it got and how long it took, and for the innocent student
the mean, p50, p99 and worst latency alone and under attack, with the ratio; and whether every
innocent submission was graded. Bounded: 2 s warm-up, 5 s baseline, each attack request at most --attack-s.

    .venv/bin/python bench/hostile.py
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import pct  # noqa: E402

from grader.config import Config  # noqa: E402
from grader.db import migrate  # noqa: E402
from grader.services.accounts import users  # noqa: E402
from grader.services.assignments import assignment as assignments  # noqa: E402
from grader.services.context import Actor, Services  # noqa: E402
from grader.services.courses import course as courses  # noqa: E402
from grader.services.exercises import library as exercises  # noqa: E402

PASSWORD = "innocent-password"
NAMES_XY = """id: names-xy
title: Names x, y and xy
statement: s
variables: {x: [1, 2], y: [1, 2]}
define: {xy: x*y, f: xy + x}
parts:
  - {id: a, kind: expression, of: f, wrt: x}
"""
NAMES_XXX = """id: names-xxx
title: Names x, xx and xxx
statement: s
variables: {x: [1, 2]}
define: {xx: x^2, xxx: x^3, f: xxx + xx + x}
parts:
  - {id: a, kind: expression, of: f, wrt: x}
"""


def chained_exercise(links: int = 100, parts: int = 50) -> str:
    """An exercise at the documented limits: `links` chained definitions, `parts` parts asking
    for a fourth derivative."""
    define = "\n".join(
        f"  v{i}: {'x' if i == 0 else f'v{i - 1}'} * 1.01 + sin(x)" for i in range(links)
    )
    items = "\n".join(
        f"  - {{id: p{i}, kind: expression, of: v{links - 1}, wrt: x, order: 4}}"
        for i in range(parts)
    )
    return (
        f"id: chained\ntitle: Chained\nstatement: s\nvariables: {{x: [1, 2]}}\n"
        f"define:\n{define}\nparts:\n{items}\n"
    )


def setup(instance: Path) -> dict:
    """Users, a course and assignments, made through the services before the server starts."""
    svc = Services(Config(instance_path=instance, pool_size=0).resolved())
    migrate.upgrade(svc.db.engine)
    made = {
        name: users.create_user(svc, name, role)
        for name, role in (("teacher", "instructor"), ("eve", "student"), ("ina", "student"))
    }
    users.set_password(svc, "eve", PASSWORD)
    users.set_password(svc, "ina", PASSWORD)
    teacher = Actor(made["teacher"].id, "teacher", "instructor")
    course = courses.create_course(svc, teacher, "Hostile").id
    for name in ("eve", "ina"):
        courses.add_member(svc, teacher, course, name, "student")
    ids = {}
    for slug, text in (
        ("chain-rule-intro", (ROOT / "tests/fixtures/chain-rule-intro.yaml").read_text()),
        ("names-xy", NAMES_XY),
        ("names-xxx", NAMES_XXX),
    ):
        try:
            exercises.upload(svc, teacher, text)
            ids[slug] = assignments.create_assignment(svc, teacher, course, {"exercise_id": slug})[
                "id"
            ]
        except Exception as exc:  # the engine may refuse an exercise: say so, go on
            print(f"setup: {slug} not available: {exc}", flush=True)
    ids["seed-bomb"] = _store_unvalidated(svc, teacher, course, SEED_BOMB)
    svc.close()
    tokens = {name: made[name].token for name in made}
    return {"tokens": tokens, "course": course, "assignments": ids}


SEED_BOMB = """id: seed-bomb
title: Finite for two params only
statement: Differentiate f.
variables:
  x: [0.5, 3]
params:
  k: {int: [0, 100000]}
define:
  f: x^2 + sqrt(-(((k - 1)*(k - 2))^2))
parts:
  - {id: a, kind: expression, of: f, wrt: x}
"""


def _store_unvalidated(svc: Services, teacher: Actor, course: int, text: str) -> int:
    """Store an exercise as an older validation would have let it through, and assign it."""
    from grader.engine import load_exercise

    checked = exercises.check
    exercises.check = lambda text, source="<upload>": (  # type: ignore[assignment]
        load_exercise(text, validated=True),
        [],
    )
    try:
        exercises.upload(svc, teacher, text)
    finally:
        exercises.check = checked  # type: ignore[assignment]
    spec = {"exercise_id": "seed-bomb"}
    return assignments.create_assignment(svc, teacher, course, spec)["id"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(instance: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "GRADER_INSTANCE_PATH": str(instance)}
    cmd = [sys.executable, "-m", "grader", "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = open(instance / "server.log", "w")  # noqa: SIM115  (closed with the process)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start; see " + str(instance / "server.log"))


class Innocent(threading.Thread):
    """A student who reads, previews and submits in a loop; records each request's latency."""

    def __init__(self, base: str, token: str, assignment: int):
        super().__init__(daemon=True)
        self.client = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
        )
        self.assignment = assignment
        self.latencies: list[float] = []
        self.phase = "warmup"  # not counted: the first requests load the exercise
        # (phase, kind) -> latencies; kinds: "read" (GET, preview), "submit" (?wait=2000)
        self.by_phase: dict[tuple[str, str], list[float]] = {}
        self.submitted: list[int] = []
        self.stop = threading.Event()

    def _timed(self, kind: str, method: str, url: str, **kwargs) -> httpx.Response:
        started = time.perf_counter()
        response = self.client.request(method, url, **kwargs)
        self.by_phase.setdefault((self.phase, kind), []).append(time.perf_counter() - started)
        return response

    def run(self) -> None:
        a = self.assignment
        n = 0
        while not self.stop.is_set():
            self._timed("read", "GET", f"/api/v1/assignments/{a}")
            preview = {"expression": "20x", "part": "dz"}
            self._timed("read", "POST", f"/api/v1/assignments/{a}/preview", json=preview)
            if n % 5 == 0:
                # a new text each time: the last attempt's answers again would not be graded
                answers = {"dz-at-10": "200", "dz": f"20x + {n} - {n}", "grad": ["20x"]}
                r = self._timed(
                    "submit",
                    "POST",
                    f"/api/v1/assignments/{a}/submissions?wait=2000",
                    json={"answers": answers},
                )
                if r.status_code in (200, 202):
                    self.submitted.append(r.json()["id"])
            n += 1
            self.stop.wait(0.05)


def summary(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:<34} no requests"
    return (
        f"{name:<34} n {len(values):4d}  mean {statistics.fmean(values) * 1000:7.1f} ms  "
        f"p50 {pct(values, 50):7.1f} ms  p99 {pct(values, 99):7.1f} ms  "
        f"max {max(values) * 1000:7.1f} ms"
    )


class Attacker:
    def __init__(self, base: str, world: dict, attack_s: float):
        self.base = base
        self.world = world
        self.attack_s = attack_s
        tokens = world["tokens"]
        self.student = {"Authorization": f"Bearer {tokens['eve']}"}
        self.teacher = {"Authorization": f"Bearer {tokens['teacher']}"}

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=self.attack_s)

    def _many(self, requests: list[tuple], workers: int = 4) -> Counter:
        """Send (method, url, kwargs) requests from `workers` threads; count statuses."""

        def one(req) -> str:
            method, url, kwargs = req
            try:
                with self.client() as c:
                    return str(c.request(method, url, **kwargs).status_code)
            except httpx.TimeoutException:
                return "timeout"
            except httpx.TransportError as exc:
                return type(exc).__name__

        with ThreadPoolExecutor(workers) as pool:
            return Counter(pool.map(one, requests))

    def preview(self, slug: str, expression: str, part: str | None, times: int) -> Counter:
        a = self.world["assignments"].get(slug)
        if a is None:
            return Counter({"skipped": times})
        body = {"expression": expression, **({"part": part} if part else {})}
        req = ("POST", f"/api/v1/assignments/{a}/preview", {"json": body, "headers": self.student})
        return self._many([req] * times)

    def label(self) -> Counter:
        return self.preview("chain-rule-intro", "dy/" + "dd" * 40 + "!", "dz", 8)

    def kpower(self) -> Counter:
        k = "k^(" + "*".join(["k"] * 40) + ")"
        seen = self.preview("chain-rule-intro", k, "dz", 4)
        a = self.world["assignments"]["chain-rule-intro"]
        reqs = [  # four different texts: the same answers as the last attempt are not graded
            (
                "POST",
                f"/api/v1/assignments/{a}/submissions",
                {
                    "json": {"answers": {"dz-at-10": "200", "dz": f"{k} + {i}", "grad": ["20x"]}},
                    "headers": self.student,
                },
            )
            for i in range(4)
        ]
        return seen + self._many(reqs)

    def split(self) -> Counter:
        word = "xy" * 19 + "xq"
        seen = self.preview("names-xy", word, "a", 4)
        seen += self.preview("names-xy", " ".join([word] * 10), "a", 2)
        return seen + self.preview("names-xxx", "x" * 29 + "q", "a", 4)

    def burst(self) -> Counter:
        a = self.world["assignments"]["chain-rule-intro"]
        reqs = [  # 24 different texts, so that each is graded (not a repeat of the last)
            (
                "POST",
                f"/api/v1/assignments/{a}/submissions?wait=10000",
                {
                    "json": {
                        "answers": {"dz-at-10": "200", "dz": f"20x + {i} - {i}", "grad": ["20x"]}
                    },
                    "headers": self.student,
                },
            )
            for i in range(24)
        ]
        return self._many(reqs, workers=24)

    def json(self) -> Counter:
        deep = "[" * 50_000 + "]" * 50_000
        headers = {**self.student, "Content-Type": "application/json"}
        a = self.world["assignments"]["chain-rule-intro"]
        paths = [
            f"/api/v1/assignments/{a}/preview",
            f"/api/v1/assignments/{a}/submissions",
            "/api/v1/tokens",
            "/login",
        ]
        return self._many([("POST", p, {"content": deep, "headers": headers}) for p in paths])

    def chunked(self) -> Counter:
        limit = 256 * 1024

        def body():
            yield b"id: x\n#"
            for _ in range(limit // 4096 + 2):
                yield b"a" * 4096

        headers = {**self.teacher, "Content-Type": "application/yaml"}
        with self.client() as c:
            return Counter(
                [str(c.post("/api/v1/exercises", content=body(), headers=headers).status_code)]
            )

    def yaml(self) -> Counter:
        headers = {**self.teacher, "Content-Type": "application/yaml"}
        base = "id: bad\ntitle: {title}\nstatement: s\nvariables: {{x: [1, 2]}}\n"
        bodies = [
            "a: " + "[" * 20_000 + "]" * 20_000 + "\n",
            base.format(title="t") + "params: {k: {int: [1e29, 2e29]}}\ndefine: {f: k*x}\n"
            "parts:\n  - {id: a, kind: expression, of: f, wrt: x}\n",
            base.format(title='"nul \\0 here"') + "define: {f: x}\n"
            "parts:\n  - {id: a, kind: expression, of: f, wrt: x}\n",
            chained_exercise(),
        ]
        return self._many(
            [("POST", "/api/v1/exercises", {"content": b, "headers": headers}) for b in bodies]
        )

    def dates(self) -> Counter:
        body = {"exercise_id": "chain-rule-intro", "due_at": "0001-01-01T00:00:00+14:00"}
        url = f"/api/v1/courses/{self.world['course']}/assignments"
        return self._many([("POST", url, {"json": body, "headers": self.teacher})])

    def http(self) -> Counter:
        """Requests gunicorn answers itself; each status with its Content-Type."""
        host, port = self.base.removeprefix("http://").split(":")
        seen = Counter()
        for raw in (
            b"GET /api/v1/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /api/v1/health HTTP/9.9 junk\r\nHost: x\r\n\r\n",
        ):
            with socket.create_connection((host, int(port)), timeout=self.attack_s) as sock:
                sock.sendall(raw)
                head = sock.recv(65536).split(b"\r\n\r\n", 1)[0].decode("latin-1")
            status = head.split(" ", 2)[1]
            kind = next(
                (
                    h.split(":", 1)[1].strip()
                    for h in head.split("\r\n")
                    if h.lower().startswith("content-type:")
                ),
                "?",
            )
            seen[f"{status} {kind}"] += 1
        return seen

    def seedbomb(self) -> Counter:
        a = self.world["assignments"]["seed-bomb"]
        req = ("GET", f"/api/v1/assignments/{a}", {"headers": self.student})
        return self._many([req] * 10, workers=2)

    def aliases(self) -> Counter:
        headers = {**self.teacher, "Content-Type": "application/yaml"}
        return self._many(
            [
                ("POST", path, {"content": b"a: &a [*a]", "headers": headers})
                for path in ("/api/v1/exercises", "/api/v1/exercises/validate")
            ]
        )

    def signin(self) -> Counter:
        """60 parallel wrong passwords for eve, each from a session with its own CSRF token."""

        def one(_) -> str:
            with self.client() as c:
                page = c.get("/login").text
                csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
                data = {"csrf_token": csrf, "username": "eve", "password": "wrong guess"}
                return str(c.post("/login", data=data).status_code)

        with ThreadPoolExecutor(20) as pool:
            return Counter(pool.map(one, range(60)))

    def ltilogin(self) -> Counter:
        params = {"iss": "https://lms.example", "login_hint": "x", "target_link_uri": "x"}
        req = ("GET", "/lti/login", {"params": params})
        return self._many([req] * 120, workers=8)

    def ssrf(self) -> Counter:
        url = f"/api/v1/courses/{self.world['course']}/webhooks"
        targets = [
            "http://127.0.0.1:9/x",
            "https://127.1/x",
            "https://169.254.169.254/latest/meta-data/",
            "https://100.64.0.1/x",
            "https://[::ffff:127.0.0.1]/x",
        ]
        return self._many(
            [("POST", url, {"json": {"url": t}, "headers": self.teacher}) for t in targets]
        )

    def roster(self) -> Counter:
        url = f"/api/v1/courses/{self.world['course']}/members/import"
        text = "username,role\n" + "".join(f"r{i:04},student\n" for i in range(2000))
        headers = {**self.teacher, "Content-Type": "text/csv"}
        request = {"params": {"dry_run": "false"}, "content": text.encode(), "headers": headers}
        return self._many([("POST", url, request)] * 4, workers=4)

    def plot(self) -> Counter:
        """Sign in on the web pages, submit k repeated 1,000 times, fetch its plot."""
        a = self.world["assignments"]["chain-rule-intro"]
        with self.client() as c:
            page = c.get("/login").text
            csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            c.post("/login", data={"csrf_token": csrf, "username": "eve", "password": PASSWORD})
            answers = {"dz-at-10": "200", "dz": "k" * 1000, "grad": ["20x"]}
            r = c.post(
                f"/api/v1/assignments/{a}/submissions?wait=10000",
                json={"answers": answers},
                headers=self.student,
            )
            if r.status_code not in (200, 202):  # refused before any plot is drawn
                return Counter({f"submit {r.status_code} ({r.json()['error']['code']})": 1})
            sid = r.json()["id"]
            statuses = Counter()
            for url in (f"/submissions/{sid}", f"/submissions/{sid}/plots/dz/0.svg"):
                statuses[str(c.get(url).status_code)] += 1
            return statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline-s", type=float, default=5.0)
    parser.add_argument("--attack-s", type=float, default=60.0, help="bound on each attack")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grader-hostile-") as tmp:
        instance = Path(tmp)
        world = setup(instance)
        port = free_port()
        server = start_server(instance, port)
        base = f"http://127.0.0.1:{port}"
        innocent = Innocent(base, world["tokens"]["ina"], world["assignments"]["chain-rule-intro"])
        try:
            innocent.start()
            time.sleep(2.0)
            innocent.phase = "baseline"
            time.sleep(args.baseline_s)
            innocent.phase = "attack"
            attacker = Attacker(base, world, args.attack_s)
            print(f"# {os.cpu_count()} CPUs, SQLite, `serve` defaults (2 processes here)")
            started_all = time.perf_counter()
            for name in (
                "label",
                "kpower",
                "split",
                "burst",
                "json",
                "chunked",
                "yaml",
                "dates",
                "plot",
                "http",
                "seedbomb",
                "aliases",
                "signin",
                "ltilogin",
                "ssrf",
                "roster",
            ):
                started = time.perf_counter()
                try:
                    statuses = getattr(attacker, name)()
                except Exception as exc:  # an attack that breaks the client: report, go on
                    statuses = Counter({type(exc).__name__: 1})
                took = time.perf_counter() - started
                print(f"attack {name:<8} {took:6.1f} s  statuses {dict(statuses)}", flush=True)
            attack_s = time.perf_counter() - started_all
            innocent.phase = "warmup"  # what is still in flight is not counted
            innocent.stop.set()
            innocent.join(30)
            for kind, label in (("read", "reads+previews"), ("submit", "submit ?wait")):
                alone = innocent.by_phase.get(("baseline", kind), [])
                attacked = innocent.by_phase.get(("attack", kind), [])
                print(summary(f"innocent {label}, alone", alone))
                print(summary(f"innocent {label}, attacked", attacked))
                if alone and attacked:
                    print(
                        f"  worst under attack / alone: {max(attacked) / max(alone):.1f}x, "
                        f"p99 {pct(attacked, 99) / pct(alone, 99):.1f}x "
                        f"(attacks took {attack_s:.0f} s)"
                    )
            graded = Counter()
            with httpx.Client(base_url=base, headers=innocent.client.headers) as c:
                deadline = time.monotonic() + 30
                for sid in innocent.submitted:
                    while True:
                        status = c.get(f"/api/v1/submissions/{sid}").json()["status"]
                        if status in ("graded", "failed") or time.monotonic() > deadline:
                            break
                        time.sleep(0.2)
                    graded[status] += 1
            print(f"innocent submissions: {len(innocent.submitted)}, {dict(graded)}")
        finally:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
