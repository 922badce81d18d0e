"""The mastery model (grader/engine/mastery.py): Bayesian Knowledge Tracing per skill."""

from grader.engine.mastery import (
    DEFAULT,
    Evidence,
    Level,
    Observation,
    SkillState,
    evidence_from_part,
    start,
    update,
)

C, W, M = Observation.CORRECT, Observation.WRONG, Observation.MISCONCEPTION


def run(*observations, state=None):
    state = state or start()
    for o in observations:
        state = update(state, o)
    return state


def test_no_evidence_is_not_started_at_the_prior():
    assert start().level() is Level.NOT_STARTED and start().estimate == DEFAULT.prior


def test_right_answers_raise_the_level_step_by_step_to_mastered():
    levels = [run(*[C] * n).level() for n in range(1, 6)]
    assert levels[0] in (Level.ATTEMPTED, Level.FAMILIAR)
    assert levels[2] is Level.PROFICIENT
    assert levels[4] is Level.MASTERED


def test_one_right_answer_is_not_proficiency_however_lucky():
    assert run(C).level() is not Level.PROFICIENT


def test_a_diagnosed_misconception_lowers_more_than_a_bare_wrong_answer():
    base = run(C, C)
    assert update(base, M).estimate < update(base, W).estimate < base.estimate


def test_mastery_goes_down_after_misconceptions():
    mastered = run(*[C] * 6)
    assert mastered.level() is Level.MASTERED
    after = run(M, state=mastered)
    assert after.level() is not Level.MASTERED
    assert run(M, M, state=mastered).level() in (Level.ATTEMPTED, Level.FAMILIAR)


def test_the_estimate_stays_a_probability():
    s = run(*[C] * 50)
    assert 0 < s.estimate <= 1
    s = run(*[M] * 50)
    assert 0 <= s.estimate < 0.3


def test_a_right_answer_is_evidence_for_each_of_the_parts_skills():
    assert evidence_from_part(["chain", "power"], True, None) == [
        Evidence("chain", C),
        Evidence("power", C),
    ]


def test_a_diagnosed_mistake_is_evidence_against_the_skill_it_names_only():
    assert evidence_from_part(["product", "trig"], False, "chain") == [
        Evidence("chain", M, "chain")
    ]


def test_a_mistake_naming_no_skill_counts_against_the_parts_skills():
    assert evidence_from_part(["trig"], False, "sign") == [Evidence("trig", W, "sign")]
    assert evidence_from_part(["trig"], False, None) == [Evidence("trig", W, None)]


def test_an_unreadable_answer_says_nothing():
    assert evidence_from_part(["trig"], False, None, readable=False) == []


def test_unknown_skills_are_ignored():
    assert evidence_from_part(["astrology"], True, None) == []


def test_a_state_remembers_its_evidence_count():
    assert run(C, W, M) == SkillState(run(C, W, M).estimate, 3)
