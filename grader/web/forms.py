"""Answer forms: one input per part component, named `answer-<part>-<component>`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Answers = dict[str, str | list[str]]


def field_name(part_id: str, component: int) -> str:
    return f"answer-{part_id}-{component}"


def read_answers(form: Mapping[str, str], parts: list[dict[str, Any]]) -> Answers:
    """The answers typed into the form: a text per part, a list of texts for a gradient."""
    answers: Answers = {}
    for part in parts:
        if part.get("code"):  # one code box
            answers[part["id"]] = form.get(field_name(part["id"], 0), "")
            continue
        texts = [form.get(field_name(part["id"], c), "") for c in range(len(part["components"]))]
        answers[part["id"]] = texts[0] if len(texts) == 1 else texts
    # the steps' boxes of parts whose steps are open, after every part's (and only those
    # answered: a blank step is no blank part)
    for part in parts:
        for step in ((part.get("help") or {}).get("steps") or {}).get("list") or []:
            text = form.get(field_name(step["id"], 0), "")
            if text.strip():
                answers[step["id"]] = text
    return answers


def is_blank(answers: Answers) -> bool:
    values = [v if isinstance(v, list) else [v] for v in answers.values()]
    return all(not text.strip() for texts in values for text in texts)


def blank_parts(answers: Answers) -> list[int]:
    """The numbers (from 1) of the parts with a blank box, in the form's order (the steps'
    answers, after the parts', are never blank)."""
    return [
        n
        for n, texts in enumerate(answers.values(), start=1)
        if any(not t.strip() for t in (texts if isinstance(texts, list) else [texts]))
    ]


def field_errors(details: Any) -> dict[str, dict[str, Any]]:
    """The service's per-part read errors, keyed by the input they belong to."""
    errors: dict[str, dict[str, Any]] = {}
    for part_id, error in (details or {}).items():
        errors[field_name(part_id, int(error.get("component", 0)))] = error
    return errors


def first_problem(
    parts: list[dict[str, Any]], answers: Answers, errors: dict[str, Any], blank: bool
) -> str | None:
    """The input to focus after a refused submission: the first unreadable answer, else (when
    blank parts were asked about) the first blank box."""
    boxes = [
        (field_name(p["id"], c), text)
        for p in parts
        for c, text in enumerate(_texts(answers.get(p["id"]), len(p["components"])))
    ]
    for name, text in boxes:
        if name in errors or (blank and not text.strip()):
            return name
    return None


def _texts(given: str | list[str] | None, n: int) -> list[str]:
    texts = given if isinstance(given, list) else [given or ""]
    return [texts[c] if c < len(texts) else "" for c in range(n)]
