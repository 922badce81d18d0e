"""Celery settings, device choice, the worker command line and the compose files (no services)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grader.config import CeleryOptions, Config, ConfigError

ROOT = Path(__file__).resolve().parents[2]


def config(**celery: float) -> Config:
    return Config(
        database_url="sqlite:///unused.db",
        secret_key="k",
        broker_url="redis://127.0.0.1:6379/0",
        celery=CeleryOptions(**celery),
    ).resolved()


def test_delivery_settings_are_at_least_once_with_visibility_from_the_longest_job():
    from grader.workers.celery_app import configure

    conf = configure(config(job_timeout_s=30.0)).conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_time_limit == 30
    assert conf.broker_transport_options["visibility_timeout"] == 60


def test_a_bad_option_is_reported_with_its_variable(tmp_path):
    env = {"GRADER_INSTANCE_PATH": str(tmp_path), "GRADER_FLUSH_MS": "soon"}
    with pytest.raises(ConfigError, match="GRADER_FLUSH_MS"):
        Config.from_env(env)


def test_auto_device_is_cpu_without_a_gpu():
    import torch

    from grader.workers.device import resolve

    assert resolve("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve("cpu") == "cpu"


@pytest.mark.parametrize("spec", ["gpu", "cuda:x", "cuda:99"])
def test_unknown_or_absent_devices_are_refused(spec):
    from grader.workers.device import resolve

    with pytest.raises(ValueError):
        resolve(spec)


def test_cpu_workers_fork_processes_and_gpu_workers_run_solo():
    from grader.cli.worker import celery_argv

    cpu = celery_argv("cpu", 2, "grader", "INFO")
    gpu = celery_argv("cuda:0", 4, "grader", "INFO")
    assert "--pool=prefork" in cpu and "--concurrency=2" in cpu
    assert "--pool=solo" in gpu and "--concurrency=1" in gpu


def test_worker_command_needs_a_broker(monkeypatch, capsys):
    from grader.__main__ import main

    monkeypatch.delenv("GRADER_BROKER_URL", raising=False)
    monkeypatch.setenv("GRADER_INSTANCE_PATH", str(ROOT / "test-output" / "cli"))
    assert main(["worker", "--device", "cpu"]) == 2
    assert "GRADER_BROKER_URL" in capsys.readouterr().err


def test_metrics_without_a_broker_count_submissions_by_status(client):
    text = client.get("/metrics").get_data(as_text=True)
    assert 'grader_submissions{status="queued"}' in text
    assert 'grader_queue_depth{source="database"}' in text
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json()["checks"] == {"database": "ok"}


def load(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text())


def test_compose_runs_web_worker_postgres_redis_with_health_conditions():
    services = load("docker-compose.yml")["services"]
    assert set(services) == {"web", "worker", "postgres", "redis"}
    for name, service in services.items():
        assert "test" in service["healthcheck"], name
    for name in ("web", "worker"):
        needs = services[name]["depends_on"]
        assert needs["postgres"]["condition"] == needs["redis"]["condition"] == "service_healthy"
        env = services[name]["environment"]
        assert env["GRADER_BROKER_URL"].startswith("redis://redis:")
    assert "gunicorn" in (ROOT / "Dockerfile").read_text()
    # the image compiles the catalogues it serves in (they are not committed, #29)
    assert "RUN pybabel compile -d grader/translations" in (ROOT / "Dockerfile").read_text()
    assert "deploy" not in services["worker"]  # the base file runs without GPUs


def test_gpu_override_reserves_nvidia_devices_for_the_worker():
    worker = load("docker-compose.gpu.yml")["services"]["worker"]
    devices = worker["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}]
    assert "cuda" in worker["command"]


def test_compose_lets_the_code_sandbox_start_where_student_code_runs():
    """web ("Run the checks") and worker (grading) start bubblewrap: the image has it and the
    containers may create user namespaces."""
    services = load("docker-compose.yml")["services"]
    for name in ("web", "worker"):
        assert "seccomp=unconfined" in services[name]["security_opt"], name
    assert (
        "apt-get install -y --no-install-recommends bubblewrap" in (ROOT / "Dockerfile").read_text()
    )
