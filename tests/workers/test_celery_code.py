"""Code answers through Celery: hostile student code runs in the worker's sandboxes, fails
alone with its message, and the worker goes on grading the honest submissions after it."""

from __future__ import annotations

import pytest

from tests.helpers import World
from tests.web.conftest import assign
from tests.workers import celery_support as support
from tests.workers.celery_support import Worker, celery_config, statuses, wait_until

migrated_pg, redis_prefix, workers = support.migrated_pg, support.redis_prefix, support.workers

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.sandbox]
HEAD = "import numpy as np\ndef linear_backward(dout, x, W, b):\n"
GOOD = HEAD + "    return dout @ W.T, x.T @ dout, dout.sum(axis=0)\n"
ESCAPE = '    {} = __import__("{}", {{}})\n'


@pytest.fixture
def celery_app(migrated_pg, redis_prefix):
    from grader.serving import serving_app

    app = serving_app(celery_config(migrated_pg, redis_prefix))
    yield app
    app.extensions["grader"].close()


def test_hostile_code_through_celery_fails_alone_and_the_worker_keeps_grading(celery_app, workers):
    svc = celery_app.extensions["grader"]
    world = World(svc)
    aid = assign(world, "code-linear-backward")
    client = celery_app.test_client()
    worker = Worker(svc.config)
    workers.append(worker)
    hostile = {
        "passwd": HEAD + '    open("/etc/passwd").read()\n',
        "environ": HEAD + '    raise ValueError(open("/proc/1/environ").read())\n',
        "fork": HEAD + ESCAPE.format("os", "os") + "    while True:\n        os.fork()\n",
        "kill": HEAD + ESCAPE.format("os", "os") + f"    os.kill({worker.proc.pid}, 9)\n",
        "network": HEAD
        + ESCAPE.format("socket", "socket")
        + '    socket.create_connection(("127.0.0.1", 5432))\n',
        "memory": HEAD + "    return bytearray(10 * 2**30)\n",
        "shell": HEAD
        + ESCAPE.format("subprocess", "subprocess")
        + '    subprocess.run(["/bin/sh", "-c", "true"])\n',
    }
    ids = {}
    for name, code in [*hostile.items(), ("good", GOOD)]:
        reply = client.post(
            f"/api/v1/assignments/{aid}/submissions",
            json={"answers": {"backward": code}},
            headers=world.student.headers,
        )
        assert reply.status_code == 202, reply.get_json()
        ids[name] = reply.get_json()["id"]

    def all_graded():
        return statuses(svc).get("graded") == len(ids)

    wait_until(all_graded, 120)
    results = {
        name: client.get(f"/api/v1/submissions/{i}", headers=world.student.headers).get_json()
        for name, i in ids.items()
    }
    assert results["good"]["parts"]["backward"]["correct"] is True
    expected = {
        "passwd": "FileNotFoundError",
        "environ": "ValueError",
        "fork": "PermissionError",
        "kill": "ProcessLookupError",
        "network": "PermissionError",
        "memory": "MemoryError",
        "shell": "PermissionError",
    }
    for name, error in expected.items():
        part = results[name]["parts"]["backward"]
        assert part["score"] == 0, name
        assert error in part["feedback"], (name, part["feedback"])
    assert "GRADER_" not in results["environ"]["parts"]["backward"]["feedback"]
    assert worker.proc.poll() is None, worker.output()  # the worker is still running
