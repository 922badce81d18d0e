"""The answer language: text -> AST, with errors that say what and where.

One parser serves instructor definitions and student answers. It is a small hand-written
recursive-descent parser (never ``eval``): numbers, names, ``+ - * / ^ **``, parentheses,
unary minus, implicit multiplication and a fixed table of functions. Every cost is bounded
by ``MAX_LENGTH``, ``MAX_DEPTH`` and ``MAX_TOKENS`` (which bounds the nodes).

Precedence, loosest first::

    sum      a + b, a - b
    product  a * b, a / b            (left-associative)
    implicit 2x, 3(x+1), x y         (binds tighter than / : 1/2x is 1/(2x))
    unary    -a, +a                  (-x^2 is -(x^2))
    power    a ^ b, a ** b           (right-associative; the exponent may carry a sign)
    atom     number, name, f(...), (...)

``sin^2(x)`` is ``sin(x)^2``; ``sin^-1(x)`` (and ``^(-1)``) is the inverse function
``asin(x)``, as on calculators. Other negative powers of a function are refused as ambiguous.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from . import functions as registry
from .glued import split_calls, written
from .nodes import (
    Apply,
    BinOp,
    Call,
    Expr,
    Index,
    Literal,
    Name,
    Neg,
    Num,
    Transpose,
    children,  # noqa: F401
    names_in,  # noqa: F401
    node_count,  # noqa: F401 (re-exported: the parser's callers read the tree from here)
    terms_of,  # noqa: F401
)

MAX_LENGTH = 4000
MAX_DEPTH = 64
MAX_TOKENS = 2000
MAX_NODES = 2 * MAX_TOKENS  # a consequence of MAX_TOKENS: each token makes at most two nodes

# Evaluating and printing a tree recurse once per level, and a flat chain (x+x+...+x) is as
# deep as it is long: allow recursion as deep as the largest tree the bounds admit. Python
# 3.11+ runs Python-to-Python calls without growing the C stack, so this is safe.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 3 * MAX_NODES + 1000))

# The function names come from the registry (functions.py): canonical names, the aliases
# students type (arcsin, ln), the inverses written sin^-1, and the tensor operations with
# their arities.
FUNCTIONS = registry.FUNCTIONS
TENSOR_OPERATIONS = registry.TENSOR_OPERATIONS
INVERSES = registry.INVERSES
ALIASES = registry.ALIASES
SOFT_FUNCTIONS = registry.SOFT_ALIASES
CONSTANTS = ("pi", "e")

# Characters students paste from word processors and phones, mapped to the ASCII we parse
# (docs/engine.md lists them). Function signs get spaces around them so that ``x√x`` reads as
# x·sqrt(x) and ``√x`` as sqrt x (a function name, a space and one name: sqrt(x)).
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2796\ufe58\ufe63"
_SPACES = (
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
)
_UNICODE: dict[str, str] = {
    **dict.fromkeys(_DASHES, "-"),
    **dict.fromkeys(_SPACES, " "),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff", ""),  # invisible: dropped
    **dict.fromkeys("\u00d7\u00b7\u22c5\u2217\u2219\u2022\u2715\u2716", "*"),
    **dict.fromkeys("\u00f7\u2044\u2215\u2797", "/"),
    "\u2795": "+",
    "\u03c0": "pi",
    "\u212f": "e",
    "\u221a": " sqrt ",
    "\u221b": " cbrt ",
    "\u03c3": " sigma ",
    "\u03b1": "alpha",
    "\u03b2": "beta",
    "\u03b3": "gamma",
    "\u03b4": "delta",
    "\u03b5": "epsilon",
    "\u03b8": "theta",
    "\u03bb": "lambda",
    "\u03bc": "mu",
    "\u03c4": "tau",
    "\u03c6": "phi",
    "\u03c9": "omega",
    "\u3000": " ",
    "\u22a4": "T",  # W^⊤
    "\u1d40": "^T",  # Wᵀ
}
# Full-width forms (＋－（）０-９ａ-ｚ from East Asian keyboards) are their ASCII characters.
_UNICODE.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)})
_UNICODE["\uff0d"] = "-"
# A Chinese input method's own punctuation: 。 as a decimal point, 、 as a comma, 【】 as [].
_UNICODE.update({"\u3002": ".", "\u3001": ",", "\u3010": "[", "\u3011": "]"})
# Superscripts: a run of them is one exponent (x⁻¹ is x^(-1), e⁻²ˣ is e^(-2x)).
SUPERSCRIPTS: dict[str, str] = {
    **dict(
        zip(
            "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079",
            "0123456789",
            strict=True,
        )
    ),
    "\u207a": "+",
    "\u207b": "-",
    "\u207d": "(",
    "\u207e": ")",
    **dict(
        zip(
            "\u1d43\u1d47\u1d9c\u1d48\u1d49\u1da0\u1d4d\u02b0\u2071\u02b2\u1d4f\u02e1\u1d50\u207f"
            "\u1d52\u1d56\u02b3\u02e2\u1d57\u1d58\u1d5b\u02b7\u02e3\u02b8\u1dbb",
            "abcdefghijklmnoprstuvwxyz",
            strict=True,
        )
    ),
}


def normalise(text: str) -> tuple[str, list[int] | None]:
    """The text in the ASCII the tokenizer reads, and where each character came from.

    ``origin[i]`` is the index in ``text`` of normalised character ``i`` (one more entry for
    the end), so that a caret can point into what the student typed; None when nothing
    changed. One pass, linear in the length.
    """
    if text.isascii():
        return text, None
    out: list[str] = []
    origin: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in SUPERSCRIPTS:
            j = i
            while j < n and text[j] in SUPERSCRIPTS:
                j += 1
            run = "".join(SUPERSCRIPTS[c] for c in text[i:j])
            digit_next = j < n and text[j].isdigit()  # cos²3x: the 3 is not the exponent's
            short = (run.isdigit() or len(run) == 1) and not digit_next
            piece = "^" + run if short else "^(" + run + ")"
            out.append(piece)
            origin.extend([i] * (len(piece) - len(run) - (piece[-1] == ")")))
            origin.extend(range(i, j))
            if piece[-1] == ")":
                origin.append(j - 1)
            i = j
            continue
        mapped = _UNICODE.get(ch, ch)
        out.append(mapped)
        origin.extend([i] * len(mapped))
        i += 1
    origin.append(n)
    return "".join(out), origin


def N_(template: str) -> str:
    """Marks a parse error's English template for the catalogues (grader/translations)."""
    return template


class ParseError(ValueError):
    """An answer or definition that cannot be read; ``column`` is 1-based.

    ``template`` and ``values`` are the message before its values were filled in (``%(op)s``
    placeholders): the service words it in the reader's language; ``message`` is the English."""

    def __init__(
        self,
        message: str,
        column: int,
        text: str,
        suggestions: Iterable[str] = (),
        *,
        values: dict[str, str] | None = None,
    ):
        words = message % values if values else message
        super().__init__(words)
        self.template = message
        self.values = dict(values or {})
        self.message = words
        self.column = max(1, column)
        self.text = text
        # Whole corrected answers the message offers; each one parses (checked when made).
        self.suggestions = tuple(suggestions)

    @property
    def caret(self) -> str:
        """The text with a caret under the offending column (long text is windowed)."""
        text, col = self.text, self.column - 1
        start = max(0, col - 60)
        snippet = text[start : start + 120].replace("\n", " ").replace("\t", " ")
        prefix = "..." if start else ""
        return f"{prefix}{snippet}\n{' ' * (len(prefix) + col - start)}^"

    def __str__(self) -> str:
        return f"column {self.column}: {self.message}"

    def to_dict(self) -> dict:
        return {
            "message": self.message,
            "column": self.column,
            "caret": self.caret,
            "suggestions": list(self.suggestions),
        }


# ---------------------------------------------------------------------------- tokens

# One match per token: (leading space, number, name, operator, anything else). ``findall``
# runs the whole scan in C; positions are recovered from the lengths.
# Possessive runs (``*+``, ``++``) never give back what they matched, which spares the
# regex engine its backtracking records: the scan costs about half as much.
_TOKEN = re.compile(
    r"""
    (\s*+)
    (?:
      ((?:\d++(?:\.\d*+)?|\.\d++)(?:[eE][+-]?\d++)?)
    | ([A-Za-z_][A-Za-z_0-9]*+)
    | (\*\*|[-+*/^(),\[\]{}|@])
    | (\S)
    )
    """,
    re.VERBOSE,
)


@dataclass(slots=True)
class Token:
    kind: str  # num, name, end, or the operator itself ("**" has kind "^", "[" has "(")
    text: str
    pos: int  # 0-based offset into the normalised text


_OP_KIND = {"**": "^", "[": "(", "{": "(", "]": ")", "}": ")"}
CLOSING = {"(": ")", "[": "]", "{": "}"}
_HINT_TEMPLATES = {
    "=": N_("unexpected character '=' — give only the right-hand side, without 'y ='"),
    "!": N_("unexpected character '!' — factorials are not part of the answer language"),
}


def _refuse_signed_exponent(value: str, pos: int, text: str) -> None:
    """``2e+3`` may mean 2000 or 2e + 3 (students mean both): ask instead of guessing."""
    m = re.fullmatch(r"(.*?)[eE]([+-])(\d+)", value)
    if m:
        mant, sign, exp = m.groups()
        minus = "-" if sign == "-" else ""
        raise ParseError(
            f"'{value}' is ambiguous: write {mant}*10^{minus}{exp} for the number, "
            f"or {mant}e {sign} {exp} for {mant} times e {sign} {exp}",
            pos + 1,
            text,
        )


def _glued_after_operand(prev: Token, pos: int) -> bool:
    return prev.pos + len(prev.text) == pos and (prev.kind in ("name", ")", "|"))


def _refuse_dot_number(
    prev: Token, num: str, pos: int, text: str, names: frozenset[str], suggest: bool
) -> None:
    """``x.1``, ``(x+1).5``: a typo far more often than a product with 0.1."""
    offer = _verified([text[:pos] + "*0" + text[pos:]], names) if suggest else ()
    before = prev.text if prev.kind == "name" else "(...)"
    also = f" — for a product write {before}*0{num}" if offer else ""
    raise ParseError(
        f"'{num}' right after '{prev.text}': a number may not start with '.' after a name "
        f"or a closing bracket{also}",
        pos + 1,
        text,
        offer,
    )


def tokenize(text: str, names: frozenset[str] = frozenset(), suggest: bool = True) -> list[Token]:
    """Tokens of normalised text; ``names`` and ``suggest`` serve the fixes a refusal offers."""
    return _scan(text, names, suggest)[0]


def _scan(text: str, names: frozenset[str], suggest: bool) -> tuple[list[Token], bool]:
    """``tokenize``, and whether a word is none of ``names``, the constants and the function
    words (only then may a word be names written together: see split_glued_names)."""
    tokens: list[Token] = []
    append = tokens.append
    unknown = False
    pos = 0
    # Trailing spaces are cut first: findall would try the (\s*) group from each of them in
    # turn and fail each time, which is quadratic in their number.
    for space, num, name, op, bad in _TOKEN.findall(text.rstrip()):
        if space:
            pos += len(space)
        if name:
            append(Token("name", name, pos))
            if not unknown and name not in names and name not in _KNOWN_WORDS:
                unknown = True
            pos += len(name)
        elif op:
            append(Token(_OP_KIND.get(op, op), op, pos))
            pos += len(op)
        elif num:
            if "e" in num or "E" in num:
                _refuse_signed_exponent(num, pos, text)
            if num[0] == "." and tokens and _glued_after_operand(tokens[-1], pos):
                _refuse_dot_number(tokens[-1], num, pos, text, names, suggest)
            append(Token("num", num, pos))
            pos += len(num)
        else:
            if bad in _HINT_TEMPLATES:
                raise ParseError(_HINT_TEMPLATES[bad], pos + 1, text)
            raise ParseError(
                N_("unexpected character %(char)s"), pos + 1, text, values={"char": repr(bad)}
            )
    append(Token("end", "", len(text)))
    return tokens, unknown


# ---------------------------------------------------------------------------- parser


_ATOM_START = frozenset(("num", "name", "("))
_OPERAND_START = frozenset(("num", "name", "(", "|"))
# What may follow the one name or number of a bare call (sin x): it ends the argument.
_ENDS_ARGUMENT = frozenset(("+", "-", ")", ",", "end"))


class _Parser:
    def __init__(
        self,
        text: str,
        names: frozenset[str],
        suggest: bool = True,
        tensors: frozenset[str] = frozenset(),
        shown: frozenset[str] | None = None,
    ):
        self.text = text
        self.names = names
        # The names messages may name and fixes may offer (a student is not told of a hidden
        # param or of the function asked; see told_names): all of ``names`` unless given.
        self.shown = names if shown is None else shown
        self.tensors = tensors  # names that may be indexed: W[0, 1]
        self.in_literal = False  # inside [[...]], where [x] is a row of one entry
        self.suggest = suggest  # False while checking that a suggested fix parses
        tokens, unknown = _scan(text, names, suggest)
        self.tokens = split_glued_names(tokens, names) if unknown else tokens
        # Every name the tree mentions, collected as its nodes are made (names_in, for free).
        self.seen: set[str] = set()
        if len(self.tokens) > MAX_TOKENS:
            # Each token makes at most two nodes, so this bounds the tree before we build it.
            raise ParseError(
                f"the expression is too long (more than {MAX_TOKENS} symbols)",
                self.tokens[MAX_TOKENS].pos + 1,
                text,
            )
        self.i = 0
        self.depth = 0
        self.bars = 0  # absolute-value bars open inside the innermost bracket
        self._bars_after: list[int] | None = None
        self.spans: list[tuple[int, int]] | None = None  # set to a list to record terms

    # -- helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def error(
        self, message: str, tok: Token | None = None, offer: Iterable[str] = (), **values: str
    ) -> ParseError:
        return ParseError(message, (tok or self.tok).pos + 1, self.text, offer, values=values)

    def take(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def at_op(self, *ops: str) -> bool:
        return self.tokens[self.i].kind in ops

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(
                N_("the expression is nested too deeply (more than %(depth)s levels)"),
                depth=str(MAX_DEPTH),
            )

    def verified(self, texts: Iterable[str]) -> tuple[str, ...]:
        """The candidate whole answers that parse (none while already checking one)."""
        return _verified(texts, self.names) if self.suggest else ()

    def replaced(self, tok: Token, new: str, end: int | None = None) -> str:
        """The whole text with ``tok`` (or the text from it up to ``end``) replaced."""
        stop = tok.pos + len(tok.text) if end is None else end
        return self.text[: tok.pos] + new + self.text[stop:]

    # -- grammar
    def parse(self) -> Expr:
        if self.tok.kind == "end":
            raise self.error(N_("the answer is empty"))
        node = self.sum()
        if self.tok.kind != "end":
            t = self.tok
            if t.kind == ")":
                raise self.error(
                    N_("unmatched %(bracket)s: there is no %(opening)s for it"),
                    bracket=repr(t.text),
                    opening=repr(_opening(t.text)),
                )
            if t.text == ",":
                nxt = self.tokens[self.i + 1]
                if self.tokens[self.i - 1].kind == "num" and nxt.kind == "num":
                    a, b = self.tokens[self.i - 1].text, nxt.text
                    joined = a + b if len(b) == 3 else f"{a}.{b}"
                    offer = self.verified(
                        [self.replaced(self.tokens[self.i - 1], joined, nxt.pos + len(b))]
                    )
                    raise self.error(
                        f"unexpected ',' — write {a}{b} without a thousands separator"
                        if len(b) == 3
                        else f"unexpected ',' — write decimals with a point: {a}.{b}",
                        offer=offer,
                    )
                raise self.error(N_("unexpected ',' — a formula has no commas here"))
            raise self.error(N_("unexpected %(token)s"), token=repr(t.text))
        return node

    def sum(self) -> Expr:
        self.enter()
        spans = self.spans if self.depth == 1 else None  # the top-level terms
        start = self.tokens[self.i].pos
        node = self.product()
        if spans is not None:
            spans.append((start, self.tokens[self.i].pos))
        tokens = self.tokens
        while tokens[self.i].kind in ("+", "-"):
            op = tokens[self.i].text
            self.i += 1
            start = tokens[self.i].pos
            node = BinOp(op, node, self.product())
            if spans is not None:
                spans.append((start, tokens[self.i].pos))
        self.depth -= 1
        return node

    def product(self) -> Expr:
        node = self.implicit()
        tokens = self.tokens
        while tokens[self.i].kind in ("*", "/", "@"):
            op = tokens[self.i].text
            self.i += 1
            self.expect_operand(op)
            node = BinOp(op, node, self.implicit())
        return node

    def expect_operand(self, op: str) -> None:
        t = self.tok
        if t.kind == "end":
            raise self.error(N_("the answer ends after %(op)s: something is missing"), op=repr(op))
        if t.kind in ("*", "/", "@", "^", ")", ","):
            raise self.error(
                N_("expected a number, name or '(' after %(op)s, found %(found)s"),
                op=repr(op),
                found=repr(t.text),
            )

    def implicit(self) -> Expr:
        node = self.unary()
        tokens = self.tokens
        while True:
            kind = tokens[self.i].kind
            if kind == "|":
                if self.bars and self.bar_closes():
                    break
            elif kind not in _ATOM_START:
                break
            if kind == "num" and tokens[self.i - 1].kind == "num":
                a, b = self.tokens[self.i - 1].text, self.tok.text
                raise self.error(
                    N_("two numbers side by side: did you mean %(joined)s or %(product)s?"),
                    joined=f"{a}{b}",
                    product=f"{a}*{b}",
                )
            start = tokens[self.i]
            right = self.power()
            if isinstance(right, Literal):
                raise ParseError(
                    "write * or @ before a tensor written out (an index goes right after a "
                    "tensor's name: W[0, 1])",
                    start.pos + 1,
                    self.text,
                )
            node = BinOp("*", node, right)
        return node

    def bar_closes(self) -> bool:
        """Whether a '|' right after an operand, inside |...|, closes it.

        It closes unless an operand follows it and two more bars come later: then it could as
        well open a nested |...| multiplied in (|a|b|c| is |a|·b·|c| or |a·|b|·c|), so ask.
        """
        if self.tokens[self.i + 1].kind not in _ATOM_START:
            return True
        if self._bars_after is None:
            count, after = 0, []
            for t in reversed(self.tokens):
                after.append(count)
                count += t.kind == "|"
            self._bars_after = after[::-1]
        if self._bars_after[self.i] >= 2:
            raise self.error(
                "these absolute-value bars are ambiguous (|a|b|c| may be |a|·b·|c| or "
                "|a·|b|·c|): write abs(...) to show which bars pair up"
            )
        return True

    def unary(self) -> Expr:
        if self.tokens[self.i].kind in ("-", "+"):
            op = self.tokens[self.i].text
            self.i += 1
            self.enter()
            self.expect_operand(op)
            arg = self.unary()
            self.depth -= 1
            return Neg(arg) if op == "-" else arg
        return self.power()

    def power(self) -> Expr:
        base = self.atom()
        if self.tokens[self.i].kind == "^":
            nxt = self.tokens[self.i + 1]
            if nxt.text == "T" and "T" not in self.names:  # W^T: the transpose
                self.i += 2
                return Transpose(base)
            op = self.take().text
            self.expect_operand(op)
            self.enter()
            exponent = self.unary()  # right-associative; x^-2 allowed
            self.depth -= 1
            base = BinOp("^", base, exponent)
        return base

    def atom(self) -> Expr:
        t = self.tokens[self.i]
        kind = t.kind
        if kind == "name":
            word = t.text
            if word in self.names and word not in _FUNCTION_WORDS:
                self.i += 1
                self.seen.add(word)
                if word in self.tensors and self.tokens[self.i].text == "[":
                    return self.index(Name(word))
                return Name(word)
            return self.name_or_call()
        if kind == "num":
            self.i += 1
            return Num(float(t.text))
        if t.text == "[":
            return self.bracket()
        if kind == "(":
            self.take()
            if self.at_op(")"):
                raise self.error(N_("empty parentheses"))
            return self.group(t)
        if kind == "|":
            return self.absolute_value()
        if kind == "end":
            raise self.error(N_("the answer ends too early: something is missing"))
        raise self.error(
            N_("expected a number, name or '(' but found %(found)s"), found=repr(t.text)
        )

    def group(self, open_tok: Token, what: str | None = None) -> Expr:
        """What is inside brackets opened by ``open_tok`` (already taken), and the close."""
        saved, self.bars = self.bars, 0
        node = self.sum()
        self.close(open_tok, what)
        self.bars = saved
        return node

    def close(self, open_tok: Token, what: str | None = None) -> None:
        """Take the bracket that closes ``open_tok``; a bracket of another kind is an error."""
        want = CLOSING[open_tok.text]
        t = self.tok
        if t.kind == ")":
            if t.text != want:
                raise self.error(
                    f"mismatched brackets: {t.text!r} cannot close {open_tok.text!r} — "
                    f"close {open_tok.text!r} with {want!r} first"
                )
            self.i += 1
            return
        if t.kind == "end":
            if what is None:
                raise self.error(
                    N_("missing %(bracket)s to close this %(opening)s"),
                    open_tok,
                    bracket=repr(want),
                    opening=repr(open_tok.text),
                )
            raise self.error(
                N_("missing %(bracket)s to close %(where)s"),
                open_tok,
                bracket=repr(want),
                where=what,
            )
        raise self.error(
            N_("expected %(bracket)s but found %(found)s"), bracket=repr(want), found=repr(t.text)
        )

    def absolute_value(self) -> Expr:
        open_tok = self.take()
        self.bars += 1
        self.enter()
        node = self.sum()
        self.depth -= 1
        if not self.at_op("|"):
            if self.tok.kind == "end":
                raise self.error(N_("missing '|' to close this '|'"), open_tok)
            raise self.error(
                f"expected '|' to close the absolute value but found {self.tok.text!r}"
            )
        self.take()
        self.bars -= 1
        return Call("abs", node)

    def name_or_call(self) -> Expr:
        t = self.take()
        word = t.text
        if word in TENSOR_OPERATIONS or word.lower() in TENSOR_OPERATIONS:
            return self.apply(word.lower(), t)
        fn = canonical_function(word)
        if fn is not None:
            return self.call(fn, t)
        if word in self.names or word in CONSTANTS:
            self.seen.add(word)
            return Name(word)
        if word in SOFT_FUNCTIONS:
            return self.call(SOFT_FUNCTIONS[word], t)
        lower = word.lower()  # Sin(x), LN(x), Pi, X for x: capitals from phones and habit
        if lower not in self.names:
            fn = canonical_function(lower)
            if fn is not None:
                return self.call(fn, t)
            if lower == "pi":
                self.seen.add("pi")
                return Name("pi")
        folded = [n for n in self.names if n.lower() == lower]
        if len(folded) == 1:  # the only name in scope it can mean
            self.seen.add(folded[0])
            return Name(folded[0])
        prev = self.tokens[self.i - 2] if self.i >= 2 else None
        digits = word.translate(str.maketrans("oOlI", "0011"))
        if prev is not None and prev.kind == "num" and prev.pos + len(prev.text) == t.pos:
            if digits.isdigit():  # 2oo: the letter o typed for a zero
                number = prev.text + digits
                offer = self.verified([self.replaced(prev, number, t.pos + len(word))])
                message = f"'{prev.text}{word}' is not a number" + (
                    f" — did you mean {number}?" if offer else ""
                )
                raise self.error(message, t, offer)
        raise self.unknown_name(t)

    def unknown_name(self, t: Token) -> ParseError:
        """An unknown word, with the fixes (each checked to parse in place) it most likely needs."""
        word = t.text
        if not self.suggest or len(word) > 30:
            return self.error(unknown_name_message(word, self.shown, []), t)
        fixes: list[tuple[str, str]] = []  # (shown, the whole answer with the fix)
        for candidates in (self.candidate_fixes(t), self.close_spellings(t)):
            for shown, new, end in candidates:
                whole = self.replaced(t, new, end)
                if shown not in (f for f, _ in fixes) and self.verified([whole]):
                    fixes.append((shown, whole))
            if fixes:  # a close spelling only when nothing more specific fits
                break
        if not fixes:  # sinx cosx: every such word fixed at once
            every = self.every_glued_word_fixed()
            if every is not None and self.verified([every]):
                fixes.append((every, every))
        return self.error(
            unknown_name_message(word, self.shown, [s for s, _ in fixes]),
            t,
            [w for _, w in fixes],
        )

    def glued_fixes(self, j: int) -> list[tuple[str, int | None]]:
        """Readings of the word at token ``j`` as calls typed without parentheses
        (``sinxcosx``, ``cos3x^2``; see glued.py): (replacement, end of what it replaces)."""
        nxt, power, end = self.tokens[j + 1], None, None
        if nxt.kind == "^":
            exponent = self.tokens[j + 2]
            if exponent.kind in ("num", "name") and self.tokens[j + 3].kind != "^":
                power, end = exponent.text, exponent.pos + len(exponent.text)
        pieces = split_calls(self.tokens[j].text, self.shown, bare_last=nxt.kind in ("(", "^"))
        if pieces is None:
            return []
        return [(text, end) for text in written(pieces, power)]

    def every_glued_word_fixed(self) -> str | None:
        """The answer with every unknown word that has one glued reading written out (``sinx
        cosx`` -> ``sin(x) cos(x)``), or None when none has or one has two."""
        edits = []
        for j, tok in enumerate(self.tokens):
            word = tok.text
            if tok.kind != "name" or word in self.names or word in CONSTANTS:
                continue
            if canonical_function(word) is not None or canonical_function(word.lower()):
                continue
            readings = self.glued_fixes(j)
            if len(readings) != 1:
                return None
            new, end = readings[0]
            edits.append((tok.pos, tok.pos + len(word) if end is None else end, new))
        if not edits:
            return None
        text = self.text
        for start, stop, new in reversed(edits):
            text = text[:start] + new + text[stop:]
        return text

    def candidate_fixes(self, t: Token) -> Iterable[tuple[str, str, int | None]]:
        """What an unknown word may stand for: (shown, replacement, end of what it replaces)."""
        word, lower = t.text, t.text.lower()
        known = sorted(set(self.shown) | set(CONSTANTS))
        for new, end in self.glued_fixes(self.i - 1):  # 2sinxcosx: sin(x)cos(x)
            bare_last = not new.endswith(")")  # sinxcos(x): show what the "(x)" ends up in
            yield (self.replaced(t, new, end) if bare_last else new), new, end
        if lower in ("lg", "log_", "lb"):
            yield "log10", "log10", None
            yield "log2", "log2", None
        if word in ("In", "In_", "Ln", "LN"):
            yield "ln", "ln", None
        if lower in _FUNCTION_WORDS or lower in known:
            yield lower, lower, None
        nxt = self.tokens[self.i]
        chained = _function_chain(lower)
        if chained and nxt.kind == "(":  # lnlnln(x): ln(ln(ln(x)))
            close = self.matching(self.i)
            if close is not None:
                inner = self.text[nxt.pos + 1 : self.tokens[close].pos]
                shown = "(".join(chained) + "(" + inner + ")" * len(chained)
                yield shown, shown, self.tokens[close].pos + 1
        for fn in _FUNCTION_WORDS_LONGEST_FIRST:  # sinx, cos2x: a call without parentheses
            if nxt.kind in ("(", "^"):
                break
            if lower.startswith(fn) and len(word) > len(fn):
                shown = f"{fn}({word[len(fn) :]})"
                yield shown, shown, None
                break
        as_digits = word.translate(str.maketrans("oOlI", "0011"))
        if as_digits.isdigit():
            yield as_digits, as_digits, None
        m = re.fullmatch(r"([A-Za-z_]+?)(\d+)", word)
        if m and m.group(1) in known:
            v, d = m.groups()
            yield f"{v}^{d}", f"{v}^{d}", None
            yield f"{d}{v}", f"{d}{v}", None

    def close_spellings(self, t: Token) -> Iterable[tuple[str, str, int | None]]:
        known = sorted(set(self.shown) | set(CONSTANTS)) + sorted(_FUNCTION_WORDS)
        for close in difflib.get_close_matches(t.text, known, 2, 0.6):
            yield close, close, None

    def matching(self, i: int) -> int | None:
        """The index of the token closing the bracket at token ``i`` (a linear scan)."""
        depth = 0
        for j in range(i, len(self.tokens)):
            kind = self.tokens[j].kind
            depth += kind == "("
            depth -= kind == ")"
            if depth == 0:
                return j
        return None

    def bracket(self) -> Expr:
        """``[...]``: a tensor literal when it holds commas or rows, else a grouping."""
        open_tok = self.take()
        if self.at_op(")"):
            raise self.error("empty brackets: a tensor has at least one entry")
        outer, saved = self.in_literal, self.bars
        self.in_literal, self.bars = self.tok.text == "[", 0  # [[...]]: each [...] is a row
        self.enter()
        items = [self.sum()]
        while self.at_op(","):
            self.take()
            if self.at_op(")", "end"):
                raise self.error("expected an entry after ','")
            items.append(self.sum())
        self.depth -= 1
        self.in_literal = outer
        self.close(open_tok, "this '['")
        self.bars = saved
        if len(items) == 1 and not outer and not isinstance(items[0], Literal):
            return items[0]  # [x + 1] groups, as students write it
        return Literal(tuple(items))

    def index(self, base: Expr) -> Expr:
        """``W[0, 1]``: whole-number indices (from 0; -1 is the last)."""
        open_tok = self.take()
        indices: list[int] = []
        while True:
            sign = 1
            if self.at_op("-"):
                self.take()
                sign = -1
            t = self.tok
            if t.kind != "num" or not t.text.isdigit() or len(t.text) > 6:
                raise self.error("an index is a whole number counted from 0, as in W[0, 1]")
            self.take()
            indices.append(sign * int(t.text))
            if not self.at_op(","):
                break
            self.take()
        self.close(open_tok, "the indices")
        return Index(base, tuple(indices))

    def apply(self, fn: str, t: Token) -> Expr:
        """A tensor function with its comma-separated arguments: ``sum(A, 0)``."""
        fewest, most = TENSOR_OPERATIONS[fn].arity
        if not self.at_op("("):
            raise self.error(f"{t.text} needs parentheses around its arguments: {t.text}(...)", t)
        open_tok = self.take()
        if self.at_op(")"):
            raise self.error(f"{t.text}() needs an argument")
        saved, self.bars = self.bars, 0
        args = [self.sum()]
        while self.at_op(","):
            self.take()
            args.append(self.sum())
        self.close(open_tok, f"{t.text}(")
        self.bars = saved
        if not fewest <= len(args) <= most:
            want = str(fewest) if fewest == most else f"{fewest} or {most}"
            raise self.error(
                f"{fn} takes {want} argument{'s' if most > 1 else ''}, not {len(args)}", t
            )
        if fn == "transpose":
            return Transpose(args[0])
        return Apply(fn, tuple(args))

    def call(self, fn: str, t: Token) -> Expr:
        power: Expr | None = None
        powered = self.at_op("^")  # cos^2x, tan^-1x: the argument may follow without a space
        if powered:
            # sin^2(x) is sin(x)^2; sin^-1(x) is asin(x)
            self.take()
            exponent = self.function_power(fn, t)
            if isinstance(exponent, str):  # "inverse"
                fn = INVERSES[fn]
            else:
                power = exponent
        if self.at_op("("):
            node = self.call_arguments(fn, t)
        else:
            node = self.bare_call(fn, t, after_power=powered)
        if power is not None:
            node = BinOp("^", node, power)
        return node

    def call_arguments(self, fn: str, t: Token) -> Expr:
        open_tok = self.take()
        if self.at_op(")"):
            raise self.error(f"{t.text}() needs an argument")
        saved, self.bars = self.bars, 0
        arg = self.sum()
        if self.at_op(","):
            if fn != "log" or t.text.lower() != "log":
                raise self.error(f"{t.text} takes one argument")
            self.take()  # log(x, b): the logarithm to base b
            base = self.sum()
            self.close(open_tok, f"{t.text}(")
            self.bars = saved
            return BinOp("/", Call("log", arg), Call("log", base))
        self.close(open_tok, f"{t.text}(")
        self.bars = saved
        return Call(fn, arg)

    def bare_call(self, fn: str, t: Token, after_power: bool = False) -> Expr:
        """``sin x``, ``ln 2``: a function name, a space and one name or number is a call.
        After a power the space may be left out: ``cos^2x`` and ``cos²x`` are cos(x)^2.

        Anything longer (``sin 2x``, ``sin x y``, ``ln sin x``) is refused as ambiguous, with
        each reading that parses offered."""
        arg = self.tok
        prev = self.tokens[self.i - 1]
        spaced = after_power or arg.pos > prev.pos + len(prev.text)
        one = arg.kind == "num" or (arg.kind == "name" and canonical_function(arg.text) is None)
        if spaced and one:
            after = self.tokens[self.i + 1]
            if after.kind in _ENDS_ARGUMENT or (after.kind == "|" and self.bars):
                if arg.kind == "num":
                    self.i += 1
                    return Call(fn, Num(float(arg.text)))
                return Call(fn, self.atom())
        if spaced and arg.kind in ("num", "name") and self.suggest:
            typed, readings = self.readings(t, arg)
            if readings:
                shown = " or ".join(r for r, _ in readings)
                raise self.error(
                    f"'{typed}' is ambiguous: write {shown}", t, [w for _, w in readings]
                )
        raise self.error(f"{t.text} needs parentheses around its argument, as in {t.text}(...)", t)

    def readings(self, t: Token, arg: Token) -> tuple[str, list[tuple[str, str]]]:
        """For ``sin 2x``: sin(2x) and sin(2)x, each as (shown, whole text), if it parses.

        The argument runs to the next + or - outside brackets, a closing bracket or the end
        (one bounded forward scan)."""
        depth, j = 0, self.i
        tokens = self.tokens
        while True:
            k = tokens[j].kind
            if k == "end" or (depth == 0 and k in ("+", "-", ")", ",", "|")):
                break
            depth += k == "("
            depth -= k == ")"
            j += 1
        end = tokens[j].pos if tokens[j].kind != "end" else len(self.text)
        head = self.text[t.pos : arg.pos].rstrip()
        span = self.text[arg.pos : end].rstrip()
        first = arg.text
        rest = self.text[arg.pos + len(first) : end].rstrip()
        head = head.lstrip()
        candidates = [f"{head}({span})"]
        if canonical_function(first) is None and rest:
            candidates.append(f"{head}({first}){rest}")
        out = []
        for local in candidates:
            whole = self.text[: t.pos] + local + self.text[end:]
            if self.verified([whole]):
                out.append((local, whole))
        return self.text[t.pos : end].strip(), out

    def function_power(self, fn: str, t: Token) -> Num | str:
        """The exponent written between a function name and its '(' (sin^2(x))."""
        negative = False
        paren = self.at_op("(")
        start = self.i
        if paren:
            self.take()
        if self.at_op("-"):
            self.take()
            negative = True
        if self.tok.kind != "num":
            raise self.error(f"after {t.text}^ write a whole number, as in {t.text}^2(x)")
        num = self.take()
        if paren:
            if not self.at_op(")"):
                raise self.error("expected ')' after the power")
            self.take()
        value = float(num.text)
        if negative:
            if value == 1 and fn in INVERSES:
                return "inverse"
            self.i = start
            raise self.error(
                f"{t.text}^-{num.text}(x) is ambiguous: write 1/{t.text}(x)^{num.text}"
                + (f" or {INVERSES[fn]}(x)" if fn in INVERSES else "")
            )
        return Num(value)


def _opening(closing: str) -> str:
    return {v: k for k, v in CLOSING.items()}[closing]


def _verified(texts: Iterable[str], names: frozenset[str] | Iterable[str]) -> tuple[str, ...]:
    """The texts that parse (a suggestion must be a correct reading, so we try each one)."""
    scope = names if isinstance(names, frozenset) else frozenset(names)
    out = []
    for text in texts:
        try:
            _Parser(text, scope, suggest=False).parse()
        except ParseError:
            continue
        out.append(text)
    return tuple(out)


_FUNCTION_WORDS = frozenset(registry.words())
_FUNCTION_WORDS_LONGEST_FIRST = sorted(_FUNCTION_WORDS, key=len, reverse=True)


canonical_function = registry.canonical
# Words that are never names written together: the constants and the function words.
_KNOWN_WORDS = _FUNCTION_WORDS | frozenset(CONSTANTS)


def split_glued_names(tokens: list[Token], names: frozenset[str]) -> list[Token]:
    """Replace each unknown word that is known names written together by those names.

    ``2xy`` is 2*x*y and ``xsin(x)`` is x*sin(x) when x and y are in scope and the split is
    unique; done on tokens so that ``xe^x`` reads as x*e^x, not (x*e)^x.
    """
    out: list[Token] = []
    for i, t in enumerate(tokens):
        if t.kind == "name" and t.text not in names and t.text not in CONSTANTS:
            if canonical_function(t.text) is None:
                nxt = tokens[i + 1]
                before_call = nxt.kind in ("(", "^")
                pieces = split_word(t.text, names, allow_function_last=before_call)
                if pieces is not None:
                    offset = t.pos
                    for piece in pieces:
                        out.append(Token("name", piece, offset))
                        offset += len(piece)
                    continue
        out.append(t)
    return out


MAX_SPLIT_WORD = 40  # longer unknown words are not split (they are reported as unknown)


def split_word(word: str, names: Iterable[str], allow_function_last: bool) -> list[str] | None:
    """Split an unknown word into known names (``xy`` -> x, y) when exactly one way exists.

    Dynamic programming over the word's suffixes, counting the ways to split each (stopping
    at two): at most ``len(word) * longest name`` piece look-ups, whatever the names.
    """
    if len(word) > MAX_SPLIT_WORD:
        return None
    vocab = set(names) | set(CONSTANTS)
    longest = max(map(len, vocab | _FUNCTION_WORDS))
    n = len(word)

    def piece(i: int, j: int) -> bool:
        if i == 0 and j == n:  # the word itself is not a split
            return False
        p = word[i:j]
        return p in vocab or (allow_function_last and j == n and i > 0 and p in _FUNCTION_WORDS)

    # ways[i]: the number of ways to split word[i:] into pieces, counted up to 2
    ways = [0] * (n + 1)
    ways[n] = 1
    for i in range(n - 1, -1, -1):
        ways[i] = min(2, sum(ways[j] for j in range(i + 1, min(n, i + longest) + 1) if piece(i, j)))
    if ways[0] != 1:
        return None
    pieces, i = [], 0
    while i < n:  # the one split: at each step exactly one piece leads to a split of the rest
        j = next(j for j in range(i + 1, min(n, i + longest) + 1) if ways[j] and piece(i, j))
        pieces.append(word[i:j])
        i = j
    return pieces


def _function_chain(word: str) -> list[str] | None:
    """``lnsin`` -> [ln, sin]: the word as function names written together (longest first)."""
    out, i = [], 0
    while i < len(word):
        for fn in _FUNCTION_WORDS_LONGEST_FIRST:
            if word.startswith(fn, i):
                out.append(fn)
                i += len(fn)
                break
        else:
            return None
    return out if len(out) > 1 else None


def unknown_name_message(word: str, names: Iterable[str], fixes: list[str]) -> str:
    """The message for an unknown word; ``fixes`` are the readings already checked to parse."""
    if len(word) > 30:
        return f"unknown name '{word[:24]}...' ({len(word)} letters)"
    if fixes:
        return f"unknown name '{word}' — did you mean {' or '.join(fixes)}?"
    if re.fullmatch(r"(?i)lg|lb|log_|log_\d+", word):
        return f"unknown name '{word}' — write log10(x), log2(x) or log(x, b) for base b"
    known = sorted(set(names) | set(CONSTANTS))
    listing = ", ".join(n for n in known if n not in CONSTANTS) or "none"
    return f"unknown name '{word}' (the names you can use here: {listing}, and pi, e)"


class Parsed(NamedTuple):
    """A text read: its tree, and what the parser learnt on the way."""

    tree: Expr
    names: frozenset[str]  # every name the tree mentions (names_in)
    terms: tuple[str, ...]  # each top-level term as typed (term_texts)


def parse_with_names(
    text: str,
    names: Iterable[str] = (),
    tensors: Iterable[str] = (),
    shown: frozenset[str] | None = None,
) -> Parsed:
    """Parse ``text``, with the names the tree mentions and its terms as typed (``Parsed``);
    ``names`` are the variables, params and defined names in scope, and
    ``tensors`` those of them that are tensors (``W[0, 1]`` indexes them). ``shown``, when
    given, are the names an error message may name or offer (a student's: see told_names).

    Errors point into ``text`` as typed, even where Unicode was mapped (``√`` to sqrt)."""
    if not isinstance(text, str):
        raise ParseError("the answer must be text", 1, "")
    if len(text) > MAX_LENGTH:
        raise ParseError(
            N_("the answer is too long (%(length)s characters; at most %(most)s)"),
            MAX_LENGTH,
            text[: MAX_LENGTH + 1],
            values={"length": str(len(text)), "most": str(MAX_LENGTH)},
        )
    ascii_text, origin = normalise(text)
    if not ascii_text.strip():
        raise ParseError(N_("the answer is empty"), 1, text)
    scope = names if isinstance(names, frozenset) else frozenset(names)
    try:
        parser = _Parser(ascii_text, scope, tensors=frozenset(tensors), shown=shown)
        parser.spans = []
        tree = parser.parse()
        return Parsed(tree, frozenset(parser.seen), _typed_spans(text, origin, parser.spans))
    except ParseError as exc:
        if origin is None:
            raise
        column = origin[min(exc.column - 1, len(origin) - 1)] + 1
        raise ParseError(exc.template, column, text, exc.suggestions, values=exc.values) from None


def parse(
    text: str,
    names: Iterable[str] = (),
    tensors: Iterable[str] = (),
    shown: frozenset[str] | None = None,
) -> Expr:
    """``text`` as a tree: see ``parse_with_names``."""
    return parse_with_names(text, names, tensors, shown)[0]


def term_texts(text: str, names: Iterable[str] = ()) -> list[str]:
    """Each top-level term of ``text`` as the student typed it (without the + or - before
    it), in the order of ``terms_of(parse(text))``; ``text`` must parse."""
    ascii_text, origin = normalise(text)
    parser = _Parser(ascii_text, names if isinstance(names, frozenset) else frozenset(names))
    parser.spans = []
    parser.parse()
    return list(_typed_spans(text, origin, parser.spans))


def _typed_spans(
    text: str, origin: list[int] | None, spans: list[tuple[int, int]]
) -> tuple[str, ...]:
    """The pieces of ``text`` (as typed) at ``spans`` of its normalised form."""
    out = []
    for start, end in spans:
        if origin is not None:
            start, end = origin[start], origin[end] if end < len(origin) else len(text)
        out.append(text[start:end].strip())
    return tuple(out)
