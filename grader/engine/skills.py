"""The skill map: the skills practice tracks, their prerequisites, and which diagnosis is
evidence against which skill.

The map is data (``skills.yaml`` beside this module, documented there and in
docs/practice.md); this module loads it once, checks it (every prerequisite and mapped skill
exists, no cycle) and answers the questions the rest of the engine and the services ask.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import yamlsafe

MAP_FILE = Path(__file__).with_name("skills.yaml")


@dataclass(frozen=True)
class Skill:
    id: str
    name: str
    group: str
    description: str
    requires: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "group": self.group,
            "description": self.description,
            "requires": list(self.requires),
        }


@dataclass(frozen=True)
class SkillMap:
    skills: Mapping[str, Skill]  # in the file's order: prerequisites before what needs them
    diagnoses: Mapping[str, str]  # diagnosis code -> the skill it is evidence against

    def __contains__(self, skill: object) -> bool:
        return skill in self.skills

    def __getitem__(self, skill: str) -> Skill:
        return self.skills[skill]

    def ids(self) -> list[str]:
        return list(self.skills)

    def skill_for(self, diagnosis: str | None) -> str | None:
        """The skill a diagnosis is evidence against (None: no skill of its own)."""
        return self.diagnoses.get(diagnosis) if diagnosis else None

    def unknown(self, skills: Iterable[str]) -> list[str]:
        return [s for s in skills if s not in self.skills]

    def ancestors(self, skill: str) -> list[str]:
        """Every skill ``skill`` builds on, nearest first."""
        out: list[str] = []
        todo = list(self.skills[skill].requires)
        while todo:
            s = todo.pop(0)
            if s not in out:
                out.append(s)
                todo.extend(self.skills[s].requires)
        return out


class SkillMapInvalid(ValueError):
    pass


def parse_map(text: str, source: str = "skills.yaml") -> SkillMap:
    """A skill map from its YAML, checked: prerequisites known and listed first (so the
    file's order is an order in which the skills can be learnt), mapped skills known."""
    data = yamlsafe.load(text).data
    if not isinstance(data, dict) or not isinstance(data.get("skills"), dict):
        raise SkillMapInvalid(f"{source}: expected a mapping with 'skills'")
    skills: dict[str, Skill] = {}
    for sid, entry in data["skills"].items():
        if not isinstance(entry, dict):
            raise SkillMapInvalid(f"{source}: skills.{sid} must be a mapping")
        requires = tuple(entry.get("requires") or ())
        for r in requires:
            if r not in skills:
                raise SkillMapInvalid(
                    f"{source}: skills.{sid} requires {r!r}, which is not listed before it"
                )
        skills[sid] = Skill(
            str(sid),
            str(entry.get("name") or sid),
            str(entry.get("group") or ""),
            str(entry.get("description") or ""),
            requires,
        )
    diagnoses = {str(k): str(v) for k, v in (data.get("diagnoses") or {}).items()}
    for code, skill in diagnoses.items():
        if skill not in skills:
            raise SkillMapInvalid(f"{source}: diagnoses.{code} names unknown skill {skill!r}")
    return SkillMap(skills, diagnoses)


@cache
def skill_map() -> SkillMap:
    """The product's skill map (read once)."""
    return parse_map(MAP_FILE.read_text(encoding="utf-8"), str(MAP_FILE.name))
