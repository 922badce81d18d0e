"""Code answers: the checks a service makes before student code is stored or run, and
"Run the checks" (the student's function on the checks' inputs, no attempt used).

Student code never runs in this process: ``grader.engine.code_check`` hands it to
``grader.sandbox``, a fresh bubblewrap child per run. Where the sandbox cannot start, code
answers are refused with the reason and how to enable it (never run unconfined).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from grader import languages, sandbox
from grader.engine.code_check import CodeUnavailable, try_code
from grader.engine.messages import from_dict, render
from grader.engine.schema import MAX_CODE
from grader.services import translation
from grader.services.assignments.assignment import student_exercise
from grader.services.context import Actor, Services
from grader.services.errors import Invalid, TooManyRequests, Unavailable

log = logging.getLogger(__name__)
# "Run the checks" runs in the request's thread: at most this many sandboxes at once per
# process, so that a class pressing the button together cannot take every request thread.
RUN_SLOTS = threading.BoundedSemaphore(2)
SLOT_WAIT_S = 5.0


def require_sandbox() -> None:
    """503 with the reason and how to enable it when code cannot run confined here."""
    reason = sandbox.availability()
    if reason is not None:
        raise Unavailable(
            f"code answers cannot be checked on this server: {reason}",
            code="sandbox_unavailable",
        )


def check_code_answer(value: Any) -> str | None:
    """Why a code answer cannot be taken (its type or size), or None."""
    if not isinstance(value, str):
        return "a code part takes the code as one string"
    if len(value) > MAX_CODE:
        return f"longer than {MAX_CODE} characters"
    if "\x00" in value:
        return "the code contains a NUL character"
    return None


def check_at_startup() -> None:
    """Probe the sandbox once in the background and log what code parts will get."""

    def probe() -> None:
        reason = sandbox.availability()
        if reason is None:
            log.info("the sandbox for code answers works")
        else:
            log.warning("code answers will be refused: %s", reason)

    threading.Thread(target=probe, name="sandbox-probe", daemon=True).start()


def run_checks(
    svc: Services,
    actor: Actor,
    assignment_id: int,
    part_id: str,
    code: str,
    question_id: int | None = None,
) -> dict[str, Any]:
    """Run the student's function on the checks' inputs at a question (the only one when
    None): whether it ran and the shapes it returned (never whether the values are right);
    uses no attempt."""
    problem = check_code_answer(code)
    if problem:
        raise Invalid(problem, details=[{"path": "code"}])
    version_id, sha256, seed = student_exercise(svc, actor, assignment_id, question_id)
    exercise = svc.exercises.get(version_id, sha256)
    part = next((p for p in exercise.parts if p.id == part_id), None)
    if part is None or part.kind != "code":
        codes = ", ".join(p.id for p in exercise.parts if p.kind == "code") or "none"
        raise Invalid(f"no code part {part_id!r}; the code parts are {codes}")
    if not code.strip():
        raise Invalid("write your function first", details=[{"path": "code"}])
    require_sandbox()
    if not RUN_SLOTS.acquire(timeout=SLOT_WAIT_S):
        raise TooManyRequests(
            "the checks are busy; try again in a few seconds", headers={"Retry-After": "5"}
        )
    try:
        ran = try_code(exercise, part, code, seed)
    except CodeUnavailable as exc:
        raise Unavailable(str(exc), code="sandbox_unavailable") from None
    finally:
        RUN_SLOTS.release()
    said = [from_dict(m) for m in ran["messages"]]  # in the reader's language
    words = translation.engine_words(languages.current())
    return {
        **ran,
        "message": render(said, "plain", words),
        "markdown": render(said, "markdown", words),  # for the page, with the names as code
    }
