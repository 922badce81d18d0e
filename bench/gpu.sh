#!/usr/bin/env bash
# Batched checks/s on the GPU against the CPU of the same machine, in one run.
# Needs an NVIDIA GPU and a CUDA build of torch; without one the cuda row says "skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "nvidia-smi: no GPU visible"
PYTHONPATH=. "$PY" bench/batching.py --devices cpu,cuda --batch "${BATCH:-1024}" --rounds "${ROUNDS:-5}"
