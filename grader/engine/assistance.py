"""Grading with steps, follow-through credit and the penalties of help taken.

``grade`` and ``grade_batch`` (the engine's public ones) check the parts (``check.py``), then
pass each submission's results through ``finish``.

What a student opened travels with the answers under the reserved key ``@help`` (a part id
never starts with ``@``), so that a submission graded in another process or a batch carries
it: ``{"follow_through": 0.5, "taken": {"dz-dx": {"hints": 1, "steps": true}}}``.
``follow_through`` overrides the exercise's share (an assignment's setting); ``taken`` says how
many hints of each part were revealed and whether its steps were opened. A step's answer is
given under ``"<part id>.<number>"``; answering a step counts as opening the steps.

The pass, per submission: each part's steps are checked; a wrong part is checked again
against its reference recomputed with the wrong earlier answers it builds on (``follow.py``),
and earns the follow-through share of its points where it matches; then each part's score is
reduced by the penalties of the help taken (a step penalty once, each revealed hint's own).
A score never rises above the part's points, and a right answer is never made wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .check import Answer, Read, evaluate_part, read_part
from .check import grade as check_all
from .check import grade_batch as check_batch
from .compare import tolerance
from .follow import Given, matches_followed, step_points, step_values, trials, tries_allowed
from .messages import Label, Message, Number, message
from .results import Grade, PartResult
from .solution import solution
from .steps import Step, part_steps
from .uses import builds_on, part_quantities, part_uses, step_quantity

if TYPE_CHECKING:
    from .exercise import Exercise, Part
    from .instance import Instance

HELP_KEY = "@help"


@dataclass(frozen=True)
class Taken:
    """The help a student took on one part."""

    hints: int = 0
    steps: bool = False


@dataclass(frozen=True)
class Help:
    follow_through: float | None  # an assignment's share; None: the exercise's
    taken: Mapping[str, Taken]


def read_help(answers: Mapping[str, Any]) -> Help:
    """The ``@help`` entry of a submission's answers; anything malformed counts as none."""
    raw = answers.get(HELP_KEY)
    if not isinstance(raw, Mapping):
        return Help(None, {})
    share = raw.get("follow_through")
    taken: dict[str, Taken] = {}
    given = raw.get("taken")
    for part_id, t in given.items() if isinstance(given, Mapping) else []:
        if isinstance(part_id, str) and isinstance(t, Mapping):
            hints = t.get("hints", 0)
            hints = hints if isinstance(hints, int) and not isinstance(hints, bool) else 0
            taken[part_id] = Taken(max(0, min(hints, 100)), t.get("steps") is True)
    if isinstance(share, int | float) and not isinstance(share, bool) and 0 <= share <= 1:
        return Help(float(share), taken)
    return Help(None, taken)


def penalty(exercise: Exercise, part: Part, taken: Taken) -> float:
    """The share of ``part``'s points that the help taken costs (at most all of them)."""
    total = 0.0
    if taken.steps and part_steps(exercise).get(part.id):
        total += (
            part.spec.step_penalty
            if part.spec.step_penalty is not None
            else (exercise.spec.step_penalty)
        )
    total += sum(h.penalty for h in part.spec.hints[: taken.hints])
    return min(1.0, total)


def grade(
    exercise: Exercise, answers: Mapping[str, Answer], seed: int = 0, device: str = "cpu"
) -> Grade:
    """Grade one submission: every part checked, then steps, follow-through and help."""
    checked = check_all(exercise, answers, seed, device)
    return _regraded(exercise, exercise.instance(seed, device), answers, checked)


def grade_batch(
    exercise: Exercise,
    items: Sequence[tuple[Mapping[str, Answer], int]],
    device: str = "cpu",
) -> list[Grade]:
    """``grade`` for many (answers, seed) submissions, the checks shared (``check.py``)."""
    checked = check_batch(exercise, items, device)
    return [
        _regraded(exercise, exercise.instance(seed, device), answers, g)
        for (answers, seed), g in zip(items, checked, strict=True)
    ]


def _regraded(
    exercise: Exercise, inst: Instance, answers: Mapping[str, Any], checked: Grade
) -> Grade:
    if HELP_KEY not in answers and all(r.correct for r in checked.parts.values()):
        if not any("." in key for key in answers):  # no step answered: nothing to add
            return checked
    parts = finish(exercise, inst, answers, checked.parts)
    return Grade(sum(r.score for r in parts.values()), checked.max_score, parts)


def check_steps(
    exercise: Exercise, part_id: str, answers: Mapping[str, Any], seed: int = 0, device: str = "cpu"
) -> PartResult:
    """A part's steps checked alone, before the whole is answered (nothing graded, nothing
    carried): a result whose ``steps`` hold each step's verdict and whose ``steps_note`` shows
    how they combine once all are right."""
    inst = exercise.instance(seed, device)
    part = exercise.part(part_id)
    read = _Answers(inst, answers)
    checked = {s.id: _check_step(inst, s, read) for s in part_steps(exercise).get(part_id, ())}
    waiting = PartResult.said(messages=[], correct=False, score=0.0, max_score=part.points)
    return _with_steps(inst, part, waiting, checked)


class _Answers:
    """Each part's and step's answer, read and evaluated once, on demand."""

    def __init__(self, inst: Instance, answers: Mapping[str, Any]):
        self.inst = inst
        self.answers = answers
        self._read: dict[str, Read | None] = {}
        self._values: dict[str, list[torch.Tensor]] = {}

    def read(self, key: str, part: Part) -> Read | None:
        if key not in self._read:
            got = read_part(self.inst, part, self.answers.get(key))
            self._read[key] = None if isinstance(got, PartResult) else got
        return self._read[key]

    def values(self, key: str, part: Part) -> list[torch.Tensor] | None:
        got = self.read(key, part)
        if got is None:
            return None
        if key not in self._values:
            arrays = evaluate_part(self.inst, part, got.nodes)
            self._values[key] = [
                torch.as_tensor(np.asarray(a), device=self.inst.device).reshape(-1) for a in arrays
            ]
        return self._values[key]


def finish(
    exercise: Exercise, inst: Instance, answers: Mapping[str, Any], results: dict[str, PartResult]
) -> dict[str, PartResult]:
    """The results with steps, follow-through and penalties applied (see the module)."""
    help_ = read_help(answers)
    share = exercise.spec.follow_through if help_.follow_through is None else help_.follow_through
    read = _Answers(inst, answers)
    step_results: dict[str, dict[str, PartResult]] = {}
    step_right: dict[str, bool] = {}
    for part in exercise.parts:
        steps = part_steps(exercise).get(part.id, ())
        if steps and any(_given(answers.get(s.id)) for s in steps):
            step_results[part.id] = {s.id: _check_step(inst, s, read) for s in steps}
            for s in steps:
                step_right[s.id] = step_results[part.id][s.id].correct
    tries = [0]
    out: dict[str, PartResult] = {}
    for part in exercise.parts:
        r = results[part.id]
        if part.kind != "code" and not r.correct and r.error is None and share > 0:
            r = _follow(exercise, inst, part, r, read, results, step_right, share, tries)
        if part.id in step_results:
            r = _with_steps(inst, part, r, step_results[part.id])
        taken = help_.taken.get(part.id, Taken())
        if part.id in step_results:
            taken = replace(taken, steps=True)
        r = _penalised(r, penalty(exercise, part, taken), taken)
        out[part.id] = r
    return out


def _given(answer: Any) -> bool:
    return isinstance(answer, str) and bool(answer.strip())


def _check_step(inst: Instance, step: Step, read: _Answers) -> PartResult:
    got = read_part(inst, step.part, read.answers.get(step.id))
    if isinstance(got, PartResult):
        return got
    values = read.values(step.id, step.part)
    assert values is not None
    ref = _step_reference(inst, step)
    s = values[0]
    tol = tolerance(ref, step.part.rtol, step.part.atol)
    ok = s.shape == ref.shape and bool(((s - ref).abs() <= tol).all())
    said = (
        [message("check.correct")] if ok else [message("steps.not_right", step=Label(step.label))]
    )
    return PartResult.said(messages=said, correct=ok, score=0.0, max_score=0.0, components=[ok])


def _step_reference(inst: Instance, step: Step) -> torch.Tensor:
    """A step's reference at its points, kept on the instance (one per seed and step)."""
    key = ("step", step.id)
    ref = inst.cache.steps.get(key)
    if ref is None:
        ref = inst.cache.steps[key] = step_values(inst, step, step_points(inst, step)).detach()
    return ref


def _wrong_givens(
    exercise: Exercise,
    part: Part,
    component: int,
    read: _Answers,
    results: dict[str, PartResult],
    step_right: dict[str, bool],
) -> list[Given]:
    """The wrong, readable earlier answers (parts ``part`` uses, its own steps) to carry."""
    out: list[Given] = []
    for used in part_uses(exercise).get(part.id, ()):
        earlier = exercise.part(used)
        r = results.get(used)
        got = read.read(used, earlier)
        if r is None or got is None:
            continue
        verdicts = r.components or [r.correct] * len(earlier.components)
        labels = read.inst.prompts[earlier.index]["component_labels"]
        for q in part_quantities(earlier):
            if not verdicts[q.component] and builds_on(exercise, q, part, component):
                where = ("part", earlier.index + 1)
                node, text = got.nodes[q.component], got.texts[q.component]
                out.append(Given(q, text, node, labels[q.component], where))
    for step in part_steps(exercise).get(part.id, ()):
        if step_right.get(step.id) is False:
            got = read.read(step.id, step.part)
            q = step_quantity(step)
            if got is not None and builds_on(exercise, q, part, component):
                where = ("step", step.number)
                out.append(Given(q, got.texts[0], got.nodes[0], step.label, where))
    return out


def _follow(
    exercise: Exercise,
    inst: Instance,
    part: Part,
    r: PartResult,
    read: _Answers,
    results: dict[str, PartResult],
    step_right: dict[str, bool],
    share: float,
    tries: list[int],
) -> PartResult:
    """``r`` with follow-through credit where a wrong answer box matches its reference
    recomputed with the wrong earlier answers it builds on."""
    ncomp = len(part.components)
    verdicts = list(r.components or [r.correct] * ncomp)
    wrong = {
        c: _wrong_givens(exercise, part, c, read, results, step_right)
        for c in range(ncomp)
        if not verdicts[c]
    }
    if not any(wrong.values()):
        return r
    values = read.values(part.id, part)
    if values is None:
        return r
    followed: dict[int, list[Given]] = {}
    for c, givens in wrong.items():
        for trial in trials(givens):
            if tries[0] >= tries_allowed(exercise):
                break
            tries[0] += 1
            try:
                hit = matches_followed(inst, part, c, values[c], trial)
            except (RuntimeError, ValueError, KeyError):  # an answer of another shape
                hit = False
            if hit:
                followed[c] = trial
                break
    if not followed:
        return r
    labels = inst.prompts[part.index]["component_labels"]
    messages: list[Message] = []
    for c in range(ncomp):
        subject = labels[c] if ncomp > 1 else None
        if c in followed:
            messages.append(_followed_message(followed[c]).about(subject))
        else:
            messages += [m for m in r.messages if m.subject == subject]
    n_right = sum(verdicts)
    score = part.points * (n_right + share * len(followed)) / ncomp
    givens = [g for c in sorted(followed) for g in followed[c]]
    info = {
        "from": list(dict.fromkeys(g.quantity.source for g in givens)),
        "given": {g.quantity.source: g.text for g in givens},
        "share": share,
    }
    new = PartResult.said(
        messages=messages,
        expected=r.expected_messages,
        correct=False,
        score=min(part.points, max(r.score, score)),
        max_score=part.points,
        diagnosis=r.diagnosis,
        components=verdicts,
        entries=r.entries,
    )
    return replace(new, follow_through=info)


def _followed_message(givens: list[Given]) -> Message:
    given = Label(" and ".join(f"{g.label} = {g.text.strip()}" for g in givens))
    sources = list(dict.fromkeys(g.where for g in givens))
    if len(sources) > 1:
        return message("follow.correct_given_several", given=given)
    kind, number = sources[0]
    return message(f"follow.correct_given_{kind}", given=given, number=Number(float(number)))


def _with_steps(
    inst: Instance, part: Part, r: PartResult, steps: dict[str, PartResult]
) -> PartResult:
    """``r`` carrying its steps' results, and how they combine once all are right."""
    note: list[Message] = []
    if all(s.correct for s in steps.values()):
        if part.is_tensor:
            names = " and ".join(s.label for s in part_steps(inst.exercise)[part.id])
            whole = " and ".join(inst.prompts[part.index]["component_labels"])
            note.append(message("steps.combine_backprop", steps=Label(names), whole=Label(whole)))
        else:
            for c in range(len(part.components)):
                sol = solution(inst, part, c)
                paths = " + ".join(p.text for p in sol.paths)
                label = inst.prompts[part.index]["component_labels"][c]
                note.append(message("steps.combine", whole=Label(label), paths=Label(paths)))
    return replace(r, steps=steps, steps_note=note)


def _penalised(r: PartResult, share: float, taken: Taken) -> PartResult:
    if share <= 0 and not taken.hints and not taken.steps:
        return r
    return replace(
        r,
        score=r.score * (1.0 - share),
        penalty=share,
        taken={"hints": taken.hints, "steps": taken.steps},
    )
