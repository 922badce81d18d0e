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
    create_app(config.resolved(), start_pool=False)
    assert root_logger.level == logging.ERROR
    assert any(getattr(h, "grader", False) for h in root_logger.handlers)
