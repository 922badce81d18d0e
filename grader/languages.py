"""The languages the grader speaks, by their BCP 47 tags ("en", "zh-CN"), and how a tag a
browser, an LMS or a user sends is read as one of them.

A module of its own, free of Flask: the services store and check a user's or a course's
language with it, the pages and the API choose one with it. A third language is one entry here
and one catalogue under grader/translations/ (docs/translating.md).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token

from grader.services.errors import N_, Invalid

DEFAULT = "en"
# tag -> the language's own name (what the language switch shows)
LANGUAGES: dict[str, str] = {"en": "English", "zh-CN": "简体中文"}
# tag -> the catalogue folder under grader/translations/ (a Babel locale name)
CATALOGUES: dict[str, str] = {"en": "en", "zh-CN": "zh_Hans_CN"}
MAX_TAG_CHARS = 35  # BCP 47 tags in practice; longer input is not a tag


def supported(tag: str | None) -> str | None:
    """The language a tag names, or None: "zh", "zh-cn", "zh_CN", "zh-Hans-CN" and "zh-SG"
    read as zh-CN (Simplified Chinese); "en-US" as en. Traditional Chinese (zh-TW, zh-Hant)
    is not Simplified: None."""
    if not tag or len(tag) > MAX_TAG_CHARS:
        return None
    parts = tag.strip().replace("_", "-").lower().split("-")
    if parts[0] == "zh":
        rest = set(parts[1:])
        if rest & {"hant", "tw", "hk", "mo"}:
            return None
        return "zh-CN"
    for code in LANGUAGES:
        if parts[0] == code.lower():
            return code
    return None


def catalogue_name(tag: str) -> str:
    """The Babel locale name of a supported tag ("zh_Hans_CN", as Babel reads zh_CN)."""
    return CATALOGUES.get(tag, DEFAULT)


def tag_of(locale_name: str) -> str:
    """The BCP 47 tag of a Babel locale name ("zh_Hans_CN" -> "zh-CN")."""
    for tag, name in CATALOGUES.items():
        if name == locale_name:
            return tag
    return supported(locale_name) or DEFAULT


def check_language(tag: str | None, path: str = "locale") -> str | None:
    """A tag to store (None clears the choice); raises Invalid naming the languages there are."""
    if tag is None or tag == "":
        return None
    found = supported(tag) if tag in LANGUAGES or tag.replace("_", "-") in LANGUAGES else None
    if found is None:
        raise Invalid(
            N_("unknown language %(tag)s: give one of %(known)s"),
            values={"tag": repr(tag[:MAX_TAG_CHARS]), "known": ", ".join(LANGUAGES)},
            details=[{"path": path}],
        )
    return found


# ------------------------------------------------------------------------------ this request

# The language of the request being served: the pages and the API set a resolver when a
# request starts (grader/i18n.py), which is asked the first time something is worded; the
# services read it through `current()`, so no call needs a language argument. Outside a
# request (the command line, the workers) it is English.
_current: ContextVar[str | Callable[[], str]] = ContextVar("language", default=DEFAULT)


def current() -> str:
    """The tag of the language to word things in now."""
    found = _current.get()
    if callable(found):
        found = found()
        _current.set(found)
    return found


def use(language: str | Callable[[], str]) -> Token:
    """Word things in `language` (a tag, or a function choosing one when first needed) from now
    on in this context; returns the token that `done` takes to go back."""
    return _current.set(language)


def done(token: Token) -> None:
    _current.reset(token)
