"""An exercise's texts in the reader's language: a title, statement or hint is one string (in
the exercise's ``language``) or one per language (``{en: ..., zh-CN: ...}``). The reader gets
their language where the exercise has it, else the exercise's default, and is told which."""

from __future__ import annotations

from collections.abc import Mapping


def _base(tag: str) -> str:
    return tag.split("-")[0].lower()


def text_in(value: str | Mapping[str, str], language: str, default: str) -> tuple[str, str]:
    """(the text in `language`, or else in the default, or else the first given; its tag).

    A tag matches exactly, else by its language alone (zh-CN finds zh)."""
    if isinstance(value, str):
        return value, default
    for wanted in (language, default):
        if wanted in value:
            return value[wanted], wanted
        for tag, text in value.items():
            if _base(tag) == _base(wanted):
                return text, tag
    tag, text = next(iter(value.items()))
    return text, tag


def default_text(value: str | Mapping[str, str], default: str) -> str:
    """The text in the exercise's default language (what lists and the gradebook show)."""
    return text_in(value, default, default)[0]


def every_text(value: str | Mapping[str, str]) -> list[str]:
    """Each language's text (what the statement may mention is read from all of them)."""
    return [value] if isinstance(value, str) else list(value.values())


def languages_of(*values: str | Mapping[str, str]) -> set[str]:
    """The languages the texts are given in (plain strings count as none)."""
    return {tag for v in values if not isinstance(v, str) for tag in v}
