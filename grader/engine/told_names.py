"""The names a student is told they may use in an answer, and those they may not.

An exercise's scope holds every variable, param and defined name, but a student sees only the
statement: a param written as ``{k}`` reaches them as its value (3), so the name ``k`` is
hidden, and the name whose derivative a part asks for (``f`` in df/dx) is no answer to it.
Messages (``unknown name 'q' (the names you can use here: ...)``) and the spelling fixes they
offer draw on these names only, so they never reveal a hidden param or suggest the function
asked. Which names the statement shows is read from its math (``$...$``, ``$$...$$``) and its
code spans (`` `p` ``), with the ``{param}`` placeholders taken out first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MATH_OR_TEXT = re.compile(r"\$\$|\$")
# LaTeX whose argument is words, not math: \operatorname{softmax} shows no s, o, f, t...
_WORDS_ARGUMENT = re.compile(r"\\(?:operatorname|text|textrm|mathrm|textit|textbf)\s*\{[^{}$]*\}")
_WORD = re.compile(r"(\\?)([A-Za-z][A-Za-z0-9_]*)")
_BRACED_SUBSCRIPT = re.compile(r"_\{([A-Za-z0-9]+)\}")  # a_{1} is a_1


def names_shown(statement: str, params: Iterable[str], names: Iterable[str]) -> frozenset[str]:
    """Which of ``names`` the statement shows a student (one linear pass over it)."""
    wanted = frozenset(names)
    params = list(params)
    if params:
        placeholders = "|".join(re.escape(p) for p in params)
        statement = re.sub(r"\{(?:" + placeholders + r")\}", " ", statement)
    shown: set[str] = set()
    for i, segment in enumerate(_MATH_OR_TEXT.split(statement)):
        if i % 2:  # inside $...$: a run of letters is a product of one-letter names (kx)
            segment = _BRACED_SUBSCRIPT.sub(r"_\1", _WORDS_ARGUMENT.sub(" ", segment))
            for backslash, word in _WORD.findall(segment):
                if word in wanted or word.replace("_", "") in wanted:
                    shown.add(word if word in wanted else word.replace("_", ""))  # W_1: W1
                elif not backslash:
                    shown.update(ch for ch in word if ch in wanted)
        else:  # prose: only names in `code`
            for code in segment.split("`")[1::2]:
                shown.update(w for _, w in _WORD.findall(code) if w in wanted)
    return frozenset(shown)


def told_names(
    variables: Iterable[str], shown: frozenset[str], asked: Iterable[str], numeric: bool
) -> frozenset[str]:
    """The names an answer's messages may name: the variables and every name the statement
    shows, less the names whose derivatives the parts ask for (f in df/dx); a number's answer
    (``at``) may use shown params only (``shown`` then holds just those)."""
    told = set(shown) if numeric else set(variables) | shown
    return frozenset(told - set(asked))
