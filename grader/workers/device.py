"""Choosing the torch device of a worker without initialising CUDA before a fork."""

from __future__ import annotations

import os
import re

DEVICE_PATTERN = re.compile(r"^(auto|cpu|cuda|cuda:\d+)$")


def _nvml_check() -> None:
    # torch then asks NVML, which leaves the CUDA driver uninitialised in this process
    os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")


def cuda_count() -> int:
    """GPUs torch can see, without creating a CUDA context (safe before a fork)."""
    _nvml_check()
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def resolve(spec: str) -> str:
    """`auto` -> `cuda` when torch sees a GPU, else `cpu`; others are checked and returned."""
    if not DEVICE_PATTERN.match(spec):
        raise ValueError(f"unknown device {spec!r}: use auto, cpu, cuda or cuda:N")
    if spec == "auto":
        return "cuda" if cuda_count() else "cpu"
    if spec.startswith("cuda"):
        count = cuda_count()
        index = int(spec.partition(":")[2] or 0)
        if index >= count:
            raise ValueError(f"device {spec!r} asked for, but torch sees {count} GPU(s)")
    return spec


def init_process(device: str, threads: int) -> None:
    """Per-process torch set-up, called in the process that grades (after any fork)."""
    import torch

    torch.set_num_threads(max(1, threads))
    if device.startswith("cuda"):
        torch.cuda.set_device(torch.device(device))  # the CUDA context is born here
