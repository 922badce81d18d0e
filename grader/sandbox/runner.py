"""The program that runs INSIDE the sandbox: it loads the student's file, calls the function
once per check (each check with the file run afresh in a new module namespace and fresh
copies of its inputs, so no state a call keeps carries over to the next check) and writes
each result as a JSON line to the results pipe.

It imports nothing from the grader (the grader's files are not in the sandbox). Inputs are
``.npy`` files read with ``allow_pickle=False``; outputs go back as float64 bytes in base64 with
their shape, so the parent decodes numbers and never unpickles anything. Limits on memory, CPU
time, open files and file size are set here, after the interpreter and numpy are loaded and
before the student's code is.
"""

import base64
import builtins
import json
import os
import resource
import sys
import traceback

STUDENT = "/check/student.py"
MAX_MESSAGE = 500


def _send(stream, record):
    stream.write(json.dumps(record) + "\n")
    stream.flush()


def _limit(which, value):
    if value:
        resource.setrlimit(which, (value, value))


def _where(exc):
    """The student's own line of a traceback: (line number, text), or (None, None)."""
    line, text = None, None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == STUDENT:
            line, text = frame.lineno, (frame.line or "").strip()
    return line, text


def _message(exc):
    try:
        text = str(exc)
    except BaseException:  # a student's exception whose __str__ fails
        text = ""
    name = type(exc).__name__
    return (f"{name}: {text}" if text else name)[:MAX_MESSAGE]


def _error(kind, exc=None, **extra):
    record = {"kind": kind}
    if exc is not None:
        record["message"] = _message(exc)
        record["line"], record["text"] = _where(exc)
        if isinstance(exc, SyntaxError):
            record["line"], record["text"] = exc.lineno, (exc.text or "").strip()[:200]
            record["message"] = f"SyntaxError: {exc.msg}"[:MAX_MESSAGE]
    record.update(extra)
    return record


def _guard_imports(allowed):
    """Student code may import only the exercise's modules (the libraries' own imports are free)."""
    original = builtins.__import__

    def guarded(name, globals=None, locals=None, fromlist=(), level=0):
        if globals is not None and globals.get("__file__") == STUDENT:
            top = name.split(".")[0]
            if level or top not in allowed:
                shown = ", ".join(sorted(allowed)) or "none"
                raise ImportError(f"import of '{name}' is not allowed here (allowed: {shown})")
        return original(name, globals, locals, fromlist, level)

    builtins.__import__ = guarded


def _encode(np, value, name):
    try:
        array = np.asarray(value, dtype=np.float64)
    except BaseException as exc:
        return None, _message(exc)
    return {
        "shape": list(array.shape),
        "data": base64.b64encode(np.ascontiguousarray(array, dtype="<f8").tobytes()).decode(),
    }, None


def _module(program):
    """The student's file run in a fresh module namespace."""
    namespace = {"__name__": "student", "__file__": STUDENT, "__builtins__": builtins}
    exec(program, namespace)
    return namespace


def main():
    with open("/check/job.json", encoding="utf-8") as f:
        job = json.load(f)
    results = os.fdopen(job["results_fd"], "w", encoding="utf-8")
    import numpy as np

    if "torch" in job["modules"]:
        import torch

        torch.set_num_threads(1)
    _limit(resource.RLIMIT_AS, job["memory_bytes"])
    _limit(resource.RLIMIT_CPU, job["cpu_s"])
    _limit(resource.RLIMIT_NOFILE, 32)
    _limit(resource.RLIMIT_NPROC, 64)  # where seccomp is absent; threads count too
    _limit(resource.RLIMIT_FSIZE, 1 << 20)
    _limit(resource.RLIMIT_CORE, 0)
    inputs = []
    for j in range(job["checks"]):
        inputs.append(
            [np.load(f"/check/in/{j}/{name}.npy", allow_pickle=False) for name in job["args"]]
        )
    _guard_imports(set(job["modules"]))
    try:
        with open(STUDENT, encoding="utf-8") as f:
            program = compile(f.read(), STUDENT, "exec")
        namespace = _module(program)
    except BaseException as exc:
        _send(
            results,
            {"load": _error("syntax" if isinstance(exc, SyntaxError) else "exception", exc)},
        )
        return
    function = namespace.get(job["function"])
    if not callable(function):
        _send(
            results,
            {"load": {"kind": "missing", "message": f"define a function named {job['function']}"}},
        )
        return
    _send(results, {"load": "ok"})
    returns = job["returns"]
    for j, args in enumerate(inputs):
        try:
            if j:  # each check gets the module afresh: nothing a call kept carries over
                function = _module(program).get(job["function"])
            value = function(*[a.copy() for a in args])
        except BaseException as exc:
            _send(results, {"check": j, "error": _error("exception", exc)})
            continue
        if len(returns) == 1:
            value = (value,)
        elif not isinstance(value, (tuple, list)) or len(value) != len(returns):
            got = (
                type(value).__name__
                if not isinstance(value, (tuple, list))
                else f"{len(value)} values"
            )
            message = f"return {len(returns)} values ({', '.join(returns)}); got {got}"
            error = {"kind": "returns", "reason": "count", "got": got, "message": message}
            _send(results, {"check": j, "error": error})
            continue
        outputs, problem, bad = [], None, None
        for name, item in zip(returns, value, strict=True):
            encoded, problem = _encode(np, item, name)
            if problem:
                bad = name
                break
            outputs.append(encoded)
        if problem:
            message = f"return {bad} as an array of numbers ({problem})"
            error = {"kind": "returns", "reason": "numbers", "name": str(bad)}
            _send(results, {"check": j, "error": {**error, "got": problem, "message": message}})
        else:
            _send(results, {"check": j, "outputs": outputs})


if __name__ == "__main__":
    sys.path.append("/sandbox/site")
    main()
