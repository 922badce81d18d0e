"""Words in the reader's language: the gettext catalogues under grader/translations/, read
without Flask (the services, the API and the command line use them as the pages do).

The engine's feedback is stored as message codes with arguments (grader/engine/messages.py);
each code's English template is a message of the catalogue, with the code as its context
(``msgctxt``), so a translation places the arguments itself. ``feedback`` words stored messages
anew in the language of the request (``grader.languages.current``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from babel.support import NullTranslations, Translations

from grader import languages
from grader.engine.expr import ParseError
from grader.engine.messages import ENGLISH, Catalogue, Message, from_dict, placeholders, render
from grader.services.errors import ServiceError
from grader.translations import DIRECTORY

DOMAIN = "messages"


@functools.cache
def catalogue(tag: str) -> NullTranslations:
    """The compiled catalogue of a language (`make` builds it; English needs none)."""
    if tag == languages.DEFAULT:
        return NullTranslations()
    return Translations.load(str(DIRECTORY), [languages.catalogue_name(tag)], DOMAIN)


def gettext(message: str, language: str | None = None, **args: Any) -> str:
    """`message` in the language (the request's by default), %(name)s arguments filled in."""
    text = str(catalogue(language or languages.current()).gettext(message))
    return text % args if args else text


def parse_error(error: ParseError, language: str | None = None) -> dict[str, Any]:
    """An unreadable answer's error (message, column, caret, suggestions), its message in the
    language."""
    return {**error.to_dict(), "message": gettext(error.template, language, **error.values)}


def message_of(error: ServiceError, language: str | None = None) -> str:
    """A service error's message in the language (the English where it has no translation)."""
    return gettext(error.template, language, **error.values)


@functools.cache
def engine_words(tag: str) -> Catalogue:
    """The engine's message templates in a language: each code's translation, or its English
    where the catalogue has none or its translation names other placeholders than the English
    (a slip in a catalogue must not lose an argument; one may be named more or fewer times)."""
    if tag == languages.DEFAULT:
        return ENGLISH
    found = catalogue(tag)
    words: dict[str, str] = {}
    for code, english in ENGLISH.items():
        text = str(found.pgettext(code, english))
        same = set(placeholders(text)) == set(placeholders(english))
        words[code] = text if same else english
    return words


def feedback(stored: Iterable[Mapping[str, Any]], language: str | None = None) -> str | None:
    """Stored messages (``Message.to_dict``) as Markdown in the language; None when there are
    none or one is of a shape this version cannot read (the stored text is then shown)."""
    try:
        messages: list[Message] = [from_dict(m) for m in stored]
    except (KeyError, TypeError, ValueError):
        return None
    if not messages:
        return None
    words = engine_words(language or languages.current())
    if any(m.code not in words for m in messages):
        return None
    return render(messages, "markdown", words)
