"""The one place student code runs: a fresh bubblewrap sandbox per run (see ``child.py``).

``availability()`` says whether sandboxes can start on this machine (None) or why not;
``run(Job, Limits)`` runs a submission's checks and returns their numbers as arrays.
"""

from .child import (
    HOW_TO_ENABLE,
    CheckRun,
    Job,
    Limits,
    RunResult,
    SandboxUnavailable,
    availability,
    run,
)
from .tree import MODULES

__all__ = [
    "HOW_TO_ENABLE",
    "MODULES",
    "CheckRun",
    "Job",
    "Limits",
    "RunResult",
    "SandboxUnavailable",
    "availability",
    "run",
]
