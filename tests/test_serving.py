"""What the HTTP server in front of the application answers itself, on the real server
(`python -m grader serve`, gunicorn): errors in the API's JSON shape, and a chunked body over
the limit refused (413) rather than cut short."""

from __future__ import annotations

import json
import os
import socket

import httpx
import pytest

from tests.helpers import Server, free_port


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serving")
    env = {**os.environ, "GRADER_INSTANCE_PATH": str(folder), "GRADER_POOL_SIZE": "0"}
    env.pop("GRADER_DATABASE_URL", None)
    env.pop("GRADER_BROKER_URL", None)
    running = Server(env, free_port(), folder / "server.log")
    running.start()
    yield running
    running.stop()


def _raw(server, request: bytes) -> tuple[str, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return lines[0], {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize(
    ("request_line", "status"),
    [
        (b"GET /api/v1/" + b"a" * 9000 + b" HTTP/1.1", "414"),
        (b"GET /api/v1/health HTTP/9.9 junk", "400"),
    ],
)
def test_errors_the_http_server_answers_itself_are_json(server, request_line, status):
    first, headers, body = _raw(server, request_line + b"\r\nHost: x\r\n\r\n")
    assert first.split(" ")[1] == status
    assert headers["content-type"] == "application/json"
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]


def test_a_chunked_body_over_the_limit_is_413_on_the_real_server(server):
    def chunks():
        for _ in range(70):  # 280 KiB, over the 256 KiB limit
            yield b"a" * 4096

    response = httpx.post(
        f"http://127.0.0.1:{server.port}/api/v1/exercises",
        content=chunks(),
        headers={"Content-Type": "application/yaml"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
