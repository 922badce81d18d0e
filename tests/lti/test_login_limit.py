"""The LTI login initiation limit holds across service processes: processes started apart,
each with its own Services on one database (SQLite and PostgreSQL), firing logins from
several threads at once, together get exactly the limit."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from grader.lti.views import client_network
from grader.services.infra.ratelimit import SharedWindowLimit
from tests.helpers import ROOT

# One "service process": its own Services on the shared database, 8 threads, 40 logins.
PROCESS = """
import os, sys, threading
from concurrent.futures import ThreadPoolExecutor
from grader.config import Config
from grader.services.context import Services
svc = Services(Config.from_env(pool_size=0))
go = threading.Barrier(8)
def one(_):
    if _ < 8:
        go.wait()
    return svc.lti_logins.check("203.0.113.9", int(sys.argv[1])) is None
with ThreadPoolExecutor(8) as pool:
    print(sum(pool.map(one, range(40))))
"""


def test_two_processes_with_parallel_logins_get_the_limit_together(database_url, tmp_path):
    env = {
        **os.environ,
        "GRADER_DATABASE_URL": database_url,
        "GRADER_INSTANCE_PATH": str(tmp_path),
        "GRADER_SECRET_KEY": "test",
    }
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS, "25"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    allowed = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        allowed.append(int(out.strip()))
    assert sum(allowed) == 25, allowed  # 3 x 40 attempts; each process alone allowed 60


def test_a_refused_address_waits_for_its_window_and_others_are_not_held(svc):
    limit = SharedWindowLimit(svc.db, "t:", window_s=60.0)
    assert [limit.check("a", 2) for _ in range(2)] == [None, None]
    wait = limit.check("a", 2)
    assert wait is not None and 59 <= wait <= 60
    assert limit.check("b", 2) is None
    other_process = SharedWindowLimit(svc.db, "t:", window_s=60.0)
    assert other_process.check("a", 2) is not None  # counted in the table, not in memory


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("unknown", "unknown"),
    ],
)
def test_an_ipv6_host_counts_as_one_address_by_its_64(address, key):
    assert client_network(address) == key


def test_each_limit_prunes_only_its_own_rows(svc, monkeypatch):
    """The sign-in throttle's 5-minute prune once emptied every counter, so an hourly budget
    (roster passwords) started again after 5 minutes; now each limit prunes its own keys."""
    import time

    from sqlalchemy import select

    from grader.db.models import SignInCounter
    from grader.services.infra import ratelimit

    hourly = SharedWindowLimit(svc.db, "roster-hashes:", window_s=3600.0)
    assert hourly.check("7", 10, amount=10) is None
    with svc.db.write() as session:  # the budget was spent ten minutes ago
        row = session.get_one(SignInCounter, "roster-hashes:7")
        row.since = time.time() - 600
    monkeypatch.setattr(ratelimit, "PRUNE_CHANCE", 1.0)
    ratelimit.SignInThrottle(svc.db, 5, 300).attempt("someone", "192.0.2.1")
    SharedWindowLimit(svc.db, "lti-login:", window_s=60.0).check("192.0.2.1", 60)
    with svc.db.read() as session:
        keys = set(session.scalars(select(SignInCounter.key)))
    assert "roster-hashes:7" in keys
    assert hourly.check("7", 10) is not None  # still spent
