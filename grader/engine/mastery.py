"""How well a student knows a skill: Bayesian Knowledge Tracing, with diagnosed misconceptions
weighing more than a bare wrong answer.

Each skill has one number, the estimate P(known). Every graded part is evidence about its
skills (``evidence_from_part``): a right answer for them, a wrong one against them, and a
mistake whose diagnosis names a skill (a forgotten chain factor names the chain rule) against
that skill, with the likelihood of a misconception, which a student who knows the rule almost
never shows. After each observation the student may also have learnt the skill (``learn``).
Every parameter is in ``MasteryParams``; docs/practice.md explains them in plain words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from .skills import SkillMap, skill_map


class Observation(StrEnum):
    CORRECT = "correct"
    WRONG = "wrong"  # wrong, with no diagnosis naming a skill
    MISCONCEPTION = "misconception"  # wrong, and the diagnosis names this skill's mistake


class Level(StrEnum):
    """What a student sees per skill; it goes down as well as up."""

    NOT_STARTED = "not_started"
    ATTEMPTED = "attempted"
    FAMILIAR = "familiar"
    PROFICIENT = "proficient"
    MASTERED = "mastered"


LEVEL_ORDER = list(Level)


@dataclass(frozen=True)
class MasteryParams:
    """Every number of the model, in one place."""

    prior: float = 0.2  # P(known) before any evidence
    learn: float = 0.15  # P(learnt) at each practice opportunity
    slip: float = 0.10  # P(wrong | known): a slip
    guess: float = 0.20  # P(right | not known): a guess
    # P(this skill's classic mistake | known) and (| not known): the likelihood ratio
    # 0.02/0.8 is five times a bare wrong answer's 0.1/0.8, so a diagnosed misconception
    # lowers the estimate much more than a wrong answer the engine could not explain
    misconception_if_known: float = 0.02
    misconception_if_unknown: float = 0.80
    # the estimate never passes this: however many right answers came before, a mistake
    # still counts (plain BKT drifts to 0.9999, where nothing moves it)
    ceiling: float = 0.99
    # levels: the least estimate, and the least number of observations, for each
    familiar: float = 0.60
    proficient: float = 0.85
    proficient_evidence: int = 3
    mastered: float = 0.95
    mastered_evidence: int = 5


DEFAULT = MasteryParams()


@dataclass(frozen=True)
class SkillState:
    estimate: float
    evidence: int = 0  # observations so far

    def level(self, params: MasteryParams = DEFAULT) -> Level:
        return level_of(self.estimate, self.evidence, params)


def start(params: MasteryParams = DEFAULT) -> SkillState:
    return SkillState(params.prior, 0)


def update(
    state: SkillState, observation: Observation, params: MasteryParams = DEFAULT
) -> SkillState:
    """The estimate after one observation: Bayes' rule, then the chance of learning."""
    p = state.estimate
    if observation is Observation.CORRECT:
        if_known, if_unknown = 1 - params.slip, params.guess
    elif observation is Observation.WRONG:
        if_known, if_unknown = params.slip, 1 - params.guess
    else:
        if_known, if_unknown = params.misconception_if_known, params.misconception_if_unknown
    posterior = p * if_known / (p * if_known + (1 - p) * if_unknown)
    learnt = posterior + (1 - posterior) * params.learn
    return replace(
        state, estimate=min(max(learnt, 0.0), params.ceiling), evidence=state.evidence + 1
    )


def level_of(estimate: float, evidence: int, params: MasteryParams = DEFAULT) -> Level:
    if evidence == 0:
        return Level.NOT_STARTED
    if estimate >= params.mastered and evidence >= params.mastered_evidence:
        return Level.MASTERED
    if estimate >= params.proficient and evidence >= params.proficient_evidence:
        return Level.PROFICIENT
    if estimate >= params.familiar:
        return Level.FAMILIAR
    return Level.ATTEMPTED


def at_least(level: Level | str, target: Level | str) -> bool:
    return LEVEL_ORDER.index(Level(level)) >= LEVEL_ORDER.index(Level(target))


@dataclass(frozen=True)
class Evidence:
    """One observation about one skill, from one graded part."""

    skill: str
    observation: Observation
    diagnosis: str | None = None


def evidence_from_part(
    skills: Iterable[str],
    correct: bool,
    diagnosis: str | None,
    readable: bool = True,
    known: SkillMap | None = None,
) -> list[Evidence]:
    """What a graded part says about skills.

    Right: evidence for each of the part's skills. Wrong with a diagnosis that names a skill:
    a misconception of that skill (the diagnosis explains the error, so the part's other
    skills are not blamed). Wrong otherwise: a wrong answer against each of the part's
    skills. An answer that could not be read says nothing."""
    known = known or skill_map()
    own = [s for s in dict.fromkeys(skills) if s in known]
    if not readable:
        return []
    if correct:
        return [Evidence(s, Observation.CORRECT) for s in own]
    named = known.skill_for(diagnosis)
    if named is not None:
        return [Evidence(named, Observation.MISCONCEPTION, diagnosis)]
    return [Evidence(s, Observation.WRONG, diagnosis) for s in own]
