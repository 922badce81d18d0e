"""Every labelled answer in the sample corpus (tests/data/sample-corpus) is graded as labelled."""

from __future__ import annotations

import functools
import json

import pytest

from grader.engine import grade, load_exercise_file
from tests.helpers import CORPUS


def _cases():
    cases = []
    for answers_file in sorted(CORPUS.glob("*.answers.jsonl")):
        name = answers_file.name.removesuffix(".answers.jsonl")
        for n, line in enumerate(answers_file.read_text().splitlines(), 1):
            if line.strip():
                cases.append(pytest.param(name, n, json.loads(line), id=f"{name}:{n}"))
    return cases


CASES = _cases()


@functools.cache
def _exercise(name: str):
    return load_exercise_file(CORPUS / f"{name}.yaml")


@functools.cache
def _graded(name: str, n: int, answers_json: str):
    return grade(_exercise(name), json.loads(answers_json), seed=0)


def _result(name, n, record):
    return _graded(name, n, json.dumps(record["answers"], sort_keys=True))


def test_the_corpus_is_in_the_repository():
    """The accuracy claim rests on these cases: they travel with every clone."""
    assert len(CASES) >= 10
    assert {c.values[0] for c in CASES} == {p.stem for p in CORPUS.glob("*.yaml")}


@pytest.mark.parametrize(("name", "n", "record"), CASES)
def test_every_corpus_answer_parses(name, n, record):
    errors = {pid: r.error for pid, r in _result(name, n, record).parts.items() if r.error}
    assert not errors


@pytest.mark.parametrize(("name", "n", "record"), CASES)
def test_every_corpus_answer_gets_the_labelled_verdict(name, n, record):
    result = _result(name, n, record)
    wrong = {
        pid: (expected, result.parts[pid].feedback)
        for pid, expected in record["expect"].items()
        if result.parts[pid].correct != expected
    }
    assert not wrong


@pytest.mark.parametrize(
    ("name", "n", "record"), [c for c in CASES if c.values[2].get("diagnosis")]
)
def test_every_labelled_mistake_gets_a_labelled_diagnosis(name, n, record):
    result = _result(name, n, record)
    off = {
        pid: (allowed, result.parts[pid].diagnosis)
        for pid, allowed in record["diagnosis"].items()
        if result.parts[pid].diagnosis not in allowed
    }
    assert not off


@pytest.mark.parametrize("seed", [1, 7])
def test_corpus_verdicts_hold_for_other_seeds(seed):
    wrong = []
    for case in CASES:
        name, n, record = case.values
        result = grade(_exercise(name), record["answers"], seed=seed)
        for pid, expected in record["expect"].items():
            if result.parts[pid].correct != expected:
                wrong.append((name, n, pid))
    assert not wrong


@pytest.mark.parametrize("seed", [1, 7, 23])
def test_labelled_mistakes_are_named_for_other_seeds(seed):
    """The diagnosis names every labelled mistake of the corpus as labelled for other draws of
    the sample points too (the issue's bar is 98%; the sample corpus is at 100%)."""
    off = []
    for case in CASES:
        name, n, record = case.values
        if not record.get("diagnosis"):
            continue
        result = grade(_exercise(name), record["answers"], seed=seed)
        for pid, allowed in record["diagnosis"].items():
            if result.parts[pid].diagnosis not in allowed:
                off.append((name, n, pid, allowed, result.parts[pid].diagnosis))
    assert not off
