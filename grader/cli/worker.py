"""`python -m grader worker`: a Celery grading worker on CPU processes or one GPU each."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from typing import Any

from grader.cli import UsageError
from grader.config import Config
from grader.logs import configure_logging


def register(subparsers: Any) -> None:
    """Add the `worker` command to the `python -m grader` parser."""
    worker = subparsers.add_parser(
        "worker", help="grade submissions from Redis (needs GRADER_BROKER_URL)"
    )
    worker.add_argument(
        "--device", default="auto", help="auto (CUDA when present), cpu, cuda (every GPU), cuda:N"
    )
    worker.add_argument(
        "--concurrency", type=int, default=None, help="CPU processes (default: cores); 1 per GPU"
    )
    worker.add_argument(
        "--lanes",
        default="cheap,heavy",
        help="which work to take: cheap, heavy or cheap,heavy (default); run a heavy-only "
        "worker beside cheap-only ones so that expensive exercises never delay cheap ones",
    )
    worker.add_argument("--loglevel", default=None, help="default: GRADER_LOG_LEVEL (INFO)")
    worker.set_defaults(func=cmd_worker)


def parse_lanes(text: str) -> tuple[str, ...]:
    """`cheap`, `heavy` or both, comma-separated, in a fixed order."""
    from grader.services.grading.scheduling import LANES

    asked = {part.strip() for part in text.split(",") if part.strip()}
    if not asked or asked - set(LANES):
        raise UsageError(f"--lanes {text!r}: use cheap, heavy or cheap,heavy")
    return tuple(lane for lane in LANES if lane in asked)


def celery_argv(device: str, concurrency: int, queue: str, loglevel: str) -> list[str]:
    """Prefork processes on CPU; a single `solo` process on a GPU (no fork after CUDA)."""
    from grader.workers.celery_app import default_hostname

    pool = ["--pool=solo"] if device.startswith("cuda") else ["--pool=prefork"]
    return [
        "worker",
        *pool,
        f"--concurrency={1 if device.startswith('cuda') else concurrency}",
        f"--hostname={default_hostname(device)}",
        f"--queues={queue}",  # comma-separated
        f"--loglevel={loglevel}",
        "--without-gossip",
        "--without-mingle",
    ]


def cmd_worker(args: argparse.Namespace) -> int:
    from grader.workers import device as devices

    config = Config.from_env()
    args.loglevel = args.loglevel or config.log_level
    configure_logging(args.loglevel)
    if not config.broker_url:
        raise UsageError("set GRADER_BROKER_URL=redis://host:6379/0 to run a worker")
    lanes = parse_lanes(args.lanes)
    try:
        device = devices.resolve(args.device)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if device == "cuda" and devices.cuda_count() > 1:
        return one_process_per_gpu(devices.cuda_count(), args.loglevel, args.lanes)
    if device == "cuda":
        device = "cuda:0"
    import grader.engine  # noqa: F401  (torch imported once, before the fork, CUDA untouched)
    from grader.services.grading.scheduling import queue_name
    from grader.workers.celery_app import configure

    celery = configure(config, device, lanes)
    queues = ",".join(queue_name(config.celery.queue, lane) for lane in lanes)
    concurrency = args.concurrency or os.cpu_count() or 1
    celery.worker_main(celery_argv(device, concurrency, queues, args.loglevel))
    return 0


def one_process_per_gpu(count: int, loglevel: str, lanes: str = "cheap,heavy") -> int:
    """Start `worker --device cuda:0` once per GPU, each seeing only its own GPU."""
    children = []
    for index in range(count):
        env = {**os.environ, "CUDA_VISIBLE_DEVICES": str(index)}
        argv = [sys.executable, "-m", "grader", "worker", "--device", "cuda:0", "--lanes", lanes]
        children.append(subprocess.Popen([*argv, f"--loglevel={loglevel}"], env=env))

    def forward(signum: int, _frame: Any) -> None:
        for child in children:
            child.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    return max(child.wait() for child in children)
