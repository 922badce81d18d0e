"""Which exercise a student practises next, and why (the reason is shown to them).

In order:

1. **A recent misconception.** A skill whose diagnosed mistake appears among the student's
   last ``RECENT`` observations is practised until ``FOCUS_RIGHT`` right answers in it follow
   the last such mistake ("You forgot the inner derivative (2× recently): 3 more Chain rule
   exercises").
2. **Spaced review.** A proficient or mastered skill not practised for its review interval
   (longer for mastered) comes back, about one item in ``REVIEW_EVERY``.
3. **Learning, prerequisites first.** The weakest skill below proficient; when a skill it
   builds on (in scope) is not yet familiar, that one first.
4. **Everything proficient**: the skill practised longest ago.

The same item is never served twice in a row: a new seed each time, and another template of
the skill where it has several. Pure: the caller passes the states, the recent observations,
the templates and a random generator seeded from the student and the item count.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .mastery import DEFAULT, Level, MasteryParams, Observation, SkillState, at_least, level_of
from .messages import ENGLISH, Message, Number, Words
from .skills import SkillMap, skill_map

RECENT = 20  # observations looked back at for misconceptions
FOCUS_RIGHT = 3  # right answers in a skill that close its misconception
REVIEW_AFTER = {Level.PROFICIENT: timedelta(days=1), Level.MASTERED: timedelta(days=4)}
REVIEW_EVERY = 4  # a due review is served with chance 1/REVIEW_EVERY per item
MAX_ITEM_SEED = 2**48

LevelOf = Callable[[str], Level]
NameOf = Callable[[str], Words]


@dataclass(frozen=True)
class Event:
    """One observation of one skill (from a practice item or an assignment), in time order."""

    skill: str
    observation: Observation
    at: datetime
    diagnosis: str | None = None


@dataclass(frozen=True)
class Progress:
    """A skill's state for the scheduler: the estimate and when it was last practised."""

    state: SkillState
    last_at: datetime | None = None


@dataclass(frozen=True)
class Choice:
    skill: str
    template: str
    seed: int
    reason: Message


def choose_next(
    scope: Sequence[str],
    progress: Mapping[str, Progress],
    recent: Sequence[Event],
    templates: Mapping[str, Sequence[str]],
    now: datetime,
    rng: random.Random,
    last: tuple[str, int] | None = None,
    chosen: str | None = None,
    params: MasteryParams = DEFAULT,
    known: SkillMap | None = None,
) -> Choice:
    """The next item: a skill in ``scope`` that has templates, a template and a seed.

    ``progress``: per skill (missing: not started); ``recent``: observations, oldest first;
    ``templates``: template ids per skill; ``last``: the (template, seed) served last;
    ``chosen``: the one skill the student asked to practise."""
    known = known or skill_map()
    usable = [s for s in scope if templates.get(s)]
    if chosen is not None:
        usable = [s for s in usable if s == chosen]
    if not usable:
        raise ValueError("no skill in scope has templates to practise")
    states = {s: progress.get(s, Progress(SkillState(params.prior, 0))) for s in usable}

    def level(s: str) -> Level:
        st = states[s].state
        return level_of(st.estimate, st.evidence, params)

    def name(s: str) -> Words:
        return Words(known[s].name)

    skill, reason = _focus(usable, recent, name) or (None, None)
    if skill is None:
        due = _due_reviews(usable, states, level, now)
        if due and (
            chosen is not None or rng.randrange(REVIEW_EVERY) == 0 or _all_good(usable, level)
        ):
            skill = due[0]
            last_at = states[skill].last_at
            days = (now - last_at).days if last_at is not None else 0
            reason = Message(
                "practice.reason.review",
                {
                    "skill": name(skill),
                    "level": Words(level(skill).value.replace("_", " ")),
                    "days": Number(float(days)),
                },
            )
    if skill is None:
        skill, reason = _learn(usable, states, level, known, name)
    if skill is None:
        skill = min(
            usable,
            key=lambda s: (
                states[s].last_at or datetime.min.replace(tzinfo=now.tzinfo),
                usable.index(s),
            ),
        )
        reason = Message("practice.reason.keep_up", {"skill": name(skill)})
    if chosen is not None and reason is not None and reason.code == "practice.reason.new":
        reason = Message("practice.reason.chosen", {"skill": name(skill)})
    assert reason is not None
    template, seed = _item(templates[skill], rng, last)
    return Choice(skill, template, seed, reason)


def _focus(
    usable: Sequence[str], recent: Sequence[Event], name: NameOf
) -> tuple[str, Message] | None:
    """The skill with the most recent open misconception, and its reason."""
    window = list(recent)[-RECENT:]
    best: tuple[int, str, int] | None = None  # (index of the last misconception, skill, count)
    for skill in usable:
        mine = [(i, e) for i, e in enumerate(window) if e.skill == skill]
        wrong = [i for i, e in mine if e.observation is Observation.MISCONCEPTION]
        if not wrong:
            continue
        right_since = sum(
            1 for i, e in mine if i > wrong[-1] and e.observation is Observation.CORRECT
        )
        if right_since >= FOCUS_RIGHT:
            continue
        if best is None or wrong[-1] > best[0]:
            best = (wrong[-1], skill, len(wrong))
    if best is None:
        return None
    last_index, skill, count = best
    right_since = sum(
        1
        for i, e in enumerate(window)
        if i > last_index and e.skill == skill and e.observation is Observation.CORRECT
    )
    code = f"practice.misconception.{skill}"
    if code not in ENGLISH:  # a skill without words of its own
        code = "practice.misconception.other"
    return skill, Message(
        code,
        {
            "skill": name(skill),
            "count": Number(float(count)),
            "remaining": Number(float(FOCUS_RIGHT - right_since)),
        },
    )


def _due_reviews(
    usable: Sequence[str], states: Mapping[str, Progress], level: LevelOf, now: datetime
) -> list[str]:
    """Proficient or mastered skills not practised within their interval, most overdue first."""
    due = []
    for s in usable:
        wait = REVIEW_AFTER.get(level(s))
        last = states[s].last_at
        if wait is not None and last is not None and now - last >= wait:
            due.append((now - last - wait, s))
    return [s for _, s in sorted(due, key=lambda d: (-d[0], usable.index(d[1])))]


def _all_good(usable: Sequence[str], level: LevelOf) -> bool:
    return all(at_least(level(s), Level.PROFICIENT) for s in usable)


def _learn(
    usable: Sequence[str],
    states: Mapping[str, Progress],
    level: LevelOf,
    known: SkillMap,
    name: NameOf,
) -> tuple[str | None, Message | None]:
    """The weakest skill below proficient, or an unready prerequisite of it."""
    learning = [s for s in usable if not at_least(level(s), Level.PROFICIENT)]
    if not learning:
        return None, None
    weakest = min(learning, key=lambda s: (states[s].state.estimate, usable.index(s)))
    for pre in reversed(known.ancestors(weakest)):  # the most basic first
        if pre in states and not at_least(level(pre), Level.FAMILIAR):
            return pre, Message(
                "practice.reason.prerequisite", {"skill": name(pre), "builds": name(weakest)}
            )
    if states[weakest].state.evidence == 0:
        return weakest, Message("practice.reason.new", {"skill": name(weakest)})
    return weakest, Message(
        "practice.reason.weakest",
        {"skill": name(weakest), "level": Words(level(weakest).value.replace("_", " "))},
    )


def _item(
    templates: Sequence[str], rng: random.Random, last: tuple[str, int] | None
) -> tuple[str, int]:
    """A template (another than last time's where there is one) and a fresh seed."""
    others = [t for t in templates if last is None or t != last[0]] or list(templates)
    template = others[rng.randrange(len(others))]
    seed = rng.randrange(MAX_ITEM_SEED)
    while last is not None and (template, seed) == last:
        seed = rng.randrange(MAX_ITEM_SEED)
    return template, seed
