"""Logging is configured once per process, the same way by the service and the worker."""

from __future__ import annotations

import logging

import pytest

from grader.logs import FORMAT, configure_logging


@pytest.fixture
def root_logger():
    """The root logger, put back as it was (handlers and level) after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def test_configuring_twice_keeps_one_handler_and_takes_the_new_level(root_logger):
    configure_logging("info")
    configure_logging("WARNING")
    ours = [h for h in root_logger.handlers if getattr(h, "grader", False)]
    assert len(ours) == 1 and ours[0].formatter._fmt == FORMAT
    assert root_logger.level == logging.WARNING


def test_the_service_configures_logging_with_the_configured_level(root_logger, tmp_path):
    from grader.app import create_app
    from grader.config import Config

    config = Config(instance_path=tmp_path, secret_key="k", pool_size=0, log_level="ERROR")
    create_app(config.resolved())
    assert root_logger.level == logging.ERROR
    assert any(getattr(h, "grader", False) for h in root_logger.handlers)


def _captured():
    import io

    from grader.logs import BoundedFormatter, RequestBudget

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(BoundedFormatter(FORMAT))
    handler.addFilter(RequestBudget())
    logger = logging.getLogger("bounded-test")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_a_huge_traceback_is_clipped_to_its_start_and_end():
    from grader.logs import MAX_RECORD_CHARS

    logger, stream = _captured()

    def ping(n):  # two functions in turn: Python cannot fold the repeated frames
        return pong(n + 1)

    def pong(n):
        return ping(n + 1)

    try:
        ping(0)
    except RecursionError:
        logger.exception("a request failed")
    text = stream.getvalue()
    assert len(text) < MAX_RECORD_CHARS + 200
    assert "a request failed" in text and "RecursionError" in text and "left out" in text


def test_one_request_writes_a_bounded_amount_to_the_log():
    import contextvars

    from grader.logs import MAX_REQUEST_CHARS, start_request_budget

    logger, stream = _captured()

    def request():
        start_request_budget()
        for i in range(5000):
            logger.warning("row %d: %s", i, "x" * 200)

    contextvars.copy_context().run(request)
    text = stream.getvalue()
    assert len(text) < MAX_REQUEST_CHARS + 20_000
    assert text.count("further log output of this request is left out") == 1
    # outside a request (a worker thread) nothing is dropped, records are only clipped
    logger.warning("after: %s", "y" * 50)
    assert "after:" in stream.getvalue()


def test_a_recursive_alias_upload_is_a_422_not_a_500(app, client, world):
    headers = {**world.teacher.headers, "Content-Type": "application/yaml"}
    for path in ("/api/v1/exercises", "/api/v1/exercises/validate"):
        response = client.post(path, data=b"a: &a [*a]", headers=headers)
        assert response.status_code in (200, 422), response.status_code
        body = response.get_json()
        text = str(body)
        assert "recursive alias" in text
