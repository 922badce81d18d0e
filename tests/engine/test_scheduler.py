"""The practice scheduler (grader/engine/scheduler.py), unit by unit and with simulated
students who answer generated items: always right, always forgetting the chain factor, and
guessing."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from grader.engine import grade
from grader.engine.generate import builtin_templates, generate
from grader.engine.mastery import (
    Level,
    Observation,
    SkillState,
    evidence_from_part,
    start,
    update,
)
from grader.engine.messages import render
from grader.engine.scheduler import FOCUS_RIGHT, Event, Progress, choose_next

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
C, W, M = Observation.CORRECT, Observation.WRONG, Observation.MISCONCEPTION


def templates_by_skill():
    out: dict[str, list[str]] = {}
    for t in builtin_templates().values():
        out.setdefault(t.skill, []).append(t.id)
    return out


TEMPLATES = templates_by_skill()
SCOPE = ["power", "sum", "product", "chain"]


def pick(progress=None, recent=(), scope=SCOPE, seed=0, **kw):
    return choose_next(
        scope, progress or {}, list(recent), TEMPLATES, NOW, random.Random(seed), **kw
    )


def at(level_estimate: float, evidence: int, days_ago: float = 0) -> Progress:
    return Progress(SkillState(level_estimate, evidence), NOW - timedelta(days=days_ago))


def test_a_new_student_starts_with_the_most_basic_skill():
    choice = pick()
    assert choice.skill == "power" and choice.reason.code == "practice.reason.new"
    assert choice.template in TEMPLATES["power"]


def test_a_recent_misconception_comes_first_and_says_why():
    recent = [
        Event("chain", M, NOW, "chain"),
        Event("power", C, NOW),
        Event("chain", M, NOW, "chain"),
    ]
    choice = pick({"power": at(0.3, 2)}, recent)
    assert choice.skill == "chain"
    assert render(choice.reason, "plain") == (
        "You forgot the inner derivative (2× recently): 3 more Chain rule exercises."
    )


def test_a_misconception_is_closed_by_enough_right_answers_after_it():
    recent = [Event("chain", M, NOW, "chain")] + [Event("chain", C, NOW)] * (FOCUS_RIGHT - 1)
    choice = pick(recent=recent)
    assert choice.skill == "chain" and "1 more" in render(choice.reason, "plain")
    closed = pick(recent=[*recent, Event("chain", C, NOW)])
    assert closed.reason.code != "practice.misconception.chain"


def test_prerequisites_come_before_what_builds_on_them():
    progress = {"power": at(0.9, 5), "sum": at(0.3, 2), "product": at(0.1, 2)}
    choice = pick(progress, scope=["power", "sum", "product"])
    assert choice.skill == "sum" and choice.reason.code == "practice.reason.prerequisite"
    assert render(choice.reason, "plain").startswith(
        "Product rule builds on Constant and sum rules"
    )


def test_backprop_through_a_layer_waits_for_the_chain_rule():
    progress = {s: at(0.9, 5) for s in ("power", "sum", "gradient", "partial", "product")}
    choice = pick(progress, scope=["chain", "linear-layer", *progress])
    assert choice.skill == "chain"


def test_a_mastered_skill_comes_back_for_review_after_its_interval():
    progress = {s: at(0.97, 8, days_ago=0) for s in SCOPE}
    progress["product"] = at(0.97, 8, days_ago=9)
    choice = pick(progress)
    assert choice.skill == "product" and choice.reason.code == "practice.reason.review"
    assert "9 days ago" in render(choice.reason, "plain")


def test_one_skill_chosen_is_the_only_one_served():
    for seed in range(10):
        assert pick(seed=seed, chosen="product").skill == "product"


def test_a_skill_without_templates_or_outside_the_scope_cannot_be_chosen():
    with pytest.raises(ValueError, match="no skill in scope"):
        pick(scope=["power"], chosen="chain")


def test_never_the_same_item_twice_in_a_row():
    last = None
    for seed in range(30):
        choice = pick(seed=seed % 3, last=last, scope=["chain"])
        assert (choice.template, choice.seed) != last
        last = (choice.template, choice.seed)


def test_another_template_of_the_skill_follows_where_there_is_one():
    many = {"second-order": ["second-derivative", "mixed-partial"]}
    first = choose_next(["second-order"], {}, [], many, NOW, random.Random(1))
    then = choose_next(
        ["second-order"], {}, [], many, NOW, random.Random(1), last=(first.template, first.seed)
    )
    assert then.template != first.template


# ------------------------------------------------------------------------------ simulations


def simulate(student, scope, items=30, seed=0):
    """A practice session: the scheduler picks, the student answers, the answer is graded,
    the evidence updates the states. Returns the skills served, the final states, the reasons."""
    rng = random.Random(seed)
    progress: dict[str, Progress] = {}
    recent: list[Event] = []
    served, reasons, last = [], [], None
    for _ in range(items):
        choice = choose_next(scope, progress, recent, TEMPLATES, NOW, rng, last=last)
        last = (choice.template, choice.seed)
        item = generate(builtin_templates()[choice.template], choice.seed)
        graded = grade(item.exercise, student(item, rng), choice.seed)
        for part in item.exercise.parts:
            result = graded.parts[part.id]
            for ev in evidence_from_part(
                item.exercise.skills_of(part),
                result.correct,
                result.diagnosis,
                result.error is None,
            ):
                state = progress.get(ev.skill, Progress(start())).state
                progress[ev.skill] = Progress(update(state, ev.observation), NOW)
                recent.append(Event(ev.skill, ev.observation, NOW, ev.diagnosis))
        served.append(choice.skill)
        reasons.append(choice.reason.code)
    return Counter(served), {s: p.state for s, p in progress.items()}, reasons


def always_right(item, rng):
    return item.answers


def forgets_the_chain_factor(item, rng):
    return item.mistakes if item.template.spec.generate.mistake == "chain" else item.answers


def guesses(item, rng):
    return item.answers if rng.random() < 0.25 else {k: "0" for k in item.answers}


@pytest.mark.slow
def test_an_always_right_student_reaches_proficient_everywhere():
    served, states, _ = simulate(always_right, SCOPE, items=16)
    assert all(states[s].level() in (Level.PROFICIENT, Level.MASTERED) for s in SCOPE)
    assert set(served) == set(SCOPE)  # spread over the skills, not stuck on one


@pytest.mark.slow
def test_a_student_who_forgets_the_chain_factor_practises_the_chain_rule_most():
    served, states, reasons = simulate(forgets_the_chain_factor, SCOPE, items=24)
    assert served["chain"] > max(served[s] for s in SCOPE if s != "chain")
    assert states["chain"].level() is Level.ATTEMPTED  # stays down
    assert all(states[s].estimate > states["chain"].estimate + 0.5 for s in ("power", "sum"))
    assert "practice.misconception.chain" in reasons


@pytest.mark.slow
def test_a_guessing_student_masters_nothing():
    _, states, _ = simulate(guesses, SCOPE, items=24, seed=3)
    assert not any(s.level() is Level.MASTERED for s in states.values())
    assert sum(s.level() is Level.PROFICIENT for s in states.values()) <= 1


def test_mastery_falls_when_a_mastered_student_starts_forgetting():
    state = start()
    for _ in range(6):
        state = update(state, C)
    assert state.level() is Level.MASTERED
    state = update(state, M)
    assert state.level() is not Level.MASTERED
