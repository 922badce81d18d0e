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

MAX_LENGTH = 4000
MAX_DEPTH = 64
MAX_TOKENS = 2000
MAX_NODES = 2 * MAX_TOKENS  # a consequence of MAX_TOKENS: each token makes at most two nodes

# Evaluating and printing a tree recurse once per level, and a flat chain (x+x+...+x) is as
# deep as it is long: allow recursion as deep as the largest tree the bounds admit. Python
# 3.11+ runs Python-to-Python calls without growing the C stack, so this is safe.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 3 * MAX_NODES + 1000))

FUNCTIONS: tuple[str, ...] = (
    "sin",
    "cos",
    "tan",
    "sec",
    "csc",
    "cot",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "exp",
    "log",
    "ln",
    "sqrt",
    "abs",
    "sigmoid",
    "relu",
)
INVERSES = {"sin": "asin", "cos": "acos", "tan": "atan"}
ALIASES = {
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "ln": "log",
}
CONSTANTS = ("pi", "e")

# Characters students paste from word processors and phones, mapped to the ASCII we parse.
_UNICODE = {
    "\u2212": "-",
    "\u2013": "-",
    "\u00d7": "*",
    "\u00b7": "*",
    "\u22c5": "*",
    "\u2217": "*",
    "\u00f7": "/",
    "\u03c0": "pi",
    "\u00b2": "^2",
    "\u00b3": "^3",
    "\u00a0": " ",
    "\u221a": "sqrt",
    "\u03b1": "alpha",
    "\u03b2": "beta",
    "\u03b3": "gamma",
    "\u03b4": "delta",
    "\u03b5": "epsilon",
    "\u03b8": "theta",
    "\u03bb": "lambda",
    "\u03bc": "mu",
    "\u03c3": "sigma",
    "\u03c4": "tau",
    "\u03c6": "phi",
    "\u03c9": "omega",
}


class ParseError(ValueError):
    """An answer or definition that cannot be read; ``column`` is 1-based."""

    def __init__(self, message: str, column: int, text: str):
        super().__init__(message)
        self.message = message
        self.column = max(1, column)
        self.text = text

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
        return {"message": self.message, "column": self.column, "caret": self.caret}


# ---------------------------------------------------------------------------- AST


# Nodes are named tuples: immutable, hashable (equal answers group together in a batch) and
# cheap to build, which matters when a parse must take microseconds.


class Num(NamedTuple):
    value: float


class Name(NamedTuple):
    name: str


class Neg(NamedTuple):
    arg: Expr


class BinOp(NamedTuple):
    op: str  # one of + - * / ^
    left: Expr
    right: Expr


class Call(NamedTuple):
    fn: str  # canonical function name (ln is stored as log)
    arg: Expr


Expr = Num | Name | Neg | BinOp | Call


def names_in(node: Expr) -> set[str]:
    """Every name the expression mentions (constants included)."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Name):
            out.add(n.name)
        elif isinstance(n, Neg | Call):
            stack.append(n.arg)
        elif isinstance(n, BinOp):
            stack.extend((n.left, n.right))
    return out


def node_count(node: Expr) -> int:
    count, stack = 0, [node]
    while stack:
        n = stack.pop()
        count += 1
        if isinstance(n, Neg | Call):
            stack.append(n.arg)
        elif isinstance(n, BinOp):
            stack.extend((n.left, n.right))
    return count


# ---------------------------------------------------------------------------- tokens

# One match per token: (leading space, number, name, operator, anything else). ``findall``
# runs the whole scan in C; positions are recovered from the lengths.
_TOKEN = re.compile(
    r"""
    (\s*)
    (?:
      ((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | ([A-Za-z_][A-Za-z_0-9]*)
    | (\*\*|[-+*/^(),\[\]{}])
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


def normalise(text: str) -> str:
    for src, dst in _UNICODE.items():
        if src in text:
            text = text.replace(src, dst)
    return text


_OP_KIND = {"**": "^", "[": "(", "{": "(", "]": ")", "}": ")"}
_HINTS = {
    "|": " — write absolute values as abs(...)",
    "=": " — give only the right-hand side, without 'y ='",
    "!": " — factorials are not part of the answer language",
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


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    for space, num, name, op, bad in _TOKEN.findall(text):
        pos += len(space)
        if name:
            tokens.append(Token("name", name, pos))
            pos += len(name)
        elif num:
            if "e" in num or "E" in num:
                _refuse_signed_exponent(num, pos, text)
            tokens.append(Token("num", num, pos))
            pos += len(num)
        elif op:
            tokens.append(Token(_OP_KIND.get(op, op), op, pos))
            pos += len(op)
        else:
            hint = _HINTS.get(bad, "")
            raise ParseError(f"unexpected character {bad!r}{hint}", pos + 1, text)
    tokens.append(Token("end", "", len(text)))
    return tokens


# ---------------------------------------------------------------------------- parser


_ATOM_START = frozenset(("num", "name", "("))


class _Parser:
    def __init__(self, text: str, names: frozenset[str]):
        self.text = text
        self.names = names
        self.tokens = split_glued_names(tokenize(text), names)
        if len(self.tokens) > MAX_TOKENS:
            # Each token makes at most two nodes, so this bounds the tree before we build it.
            raise ParseError(
                f"the expression is too long (more than {MAX_TOKENS} symbols)",
                self.tokens[MAX_TOKENS].pos + 1,
                text,
            )
        self.i = 0
        self.depth = 0

    # -- helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def error(self, message: str, tok: Token | None = None) -> ParseError:
        return ParseError(message, (tok or self.tok).pos + 1, self.text)

    def take(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def at_op(self, *ops: str) -> bool:
        return self.tokens[self.i].kind in ops

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)")

    # -- grammar
    def parse(self) -> Expr:
        if self.tok.kind == "end":
            raise self.error("the answer is empty")
        node = self.sum()
        if self.tok.kind != "end":
            t = self.tok
            if t.text == ")":
                raise self.error("unmatched ')': there is no '(' for it")
            if t.text == ",":
                nxt = self.tokens[self.i + 1]
                if self.tokens[self.i - 1].kind == "num" and nxt.kind == "num":
                    a, b = self.tokens[self.i - 1].text, nxt.text
                    raise self.error(
                        f"unexpected ',' — write {a}{b} without a thousands separator"
                        if len(b) == 3
                        else f"unexpected ',' — write decimals with a point: {a}.{b}"
                    )
                raise self.error("unexpected ',' — a formula has no commas here")
            raise self.error(f"unexpected {t.text!r}")
        return node

    def sum(self) -> Expr:
        self.enter()
        node = self.product()
        tokens = self.tokens
        while tokens[self.i].kind in ("+", "-"):
            op = tokens[self.i].text
            self.i += 1
            node = BinOp(op, node, self.product())
        self.depth -= 1
        return node

    def product(self) -> Expr:
        node = self.implicit()
        tokens = self.tokens
        while tokens[self.i].kind in ("*", "/"):
            op = tokens[self.i].text
            self.i += 1
            self.expect_operand(op)
            node = BinOp(op, node, self.implicit())
        return node

    def expect_operand(self, op: str) -> None:
        t = self.tok
        if t.kind == "end":
            raise self.error(f"the answer ends after {op!r}: something is missing")
        if t.kind in ("*", "/", "^", ")", ","):
            raise self.error(f"expected a number, name or '(' after {op!r}, found {t.text!r}")

    def implicit(self) -> Expr:
        node = self.unary()
        tokens = self.tokens
        while tokens[self.i].kind in _ATOM_START:
            if tokens[self.i].kind == "num" and tokens[self.i - 1].kind == "num":
                a, b = self.tokens[self.i - 1].text, self.tok.text
                raise self.error(f"two numbers side by side: did you mean {a}{b} or {a}*{b}?")
            node = BinOp("*", node, self.power())
        return node

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
                return Name(word)
            return self.name_or_call()
        if kind == "num":
            self.i += 1
            return Num(float(t.text))
        if t.kind == "(":
            self.take()
            if self.at_op(")"):
                raise self.error("empty parentheses")
            node = self.sum()
            if not self.at_op(")"):
                if self.tok.kind == "end":
                    raise ParseError("missing ')' to close this '('", t.pos + 1, self.text)
                raise self.error(f"expected ')' but found {self.tok.text!r}")
            self.take()
            return node
        if t.kind == "end":
            raise self.error("the answer ends too early: something is missing")
        raise self.error(f"expected a number, name or '(' but found {t.text!r}")

    def name_or_call(self) -> Expr:
        t = self.take()
        word = t.text
        fn = canonical_function(word)
        if fn is not None:
            return self.call(fn, t)
        if word in self.names or word in CONSTANTS:
            return Name(word)
        lower = word.lower()  # Sin(x), LN(x), Pi, X for x: capitals from phones and habit
        if lower not in self.names:
            fn = canonical_function(lower)
            if fn is not None:
                return self.call(fn, t)
            if lower == "pi":
                return Name("pi")
        folded = [n for n in self.names if n.lower() == lower]
        if len(folded) == 1:  # the only name in scope it can mean
            return Name(folded[0])
        prev = self.tokens[self.i - 2] if self.i >= 2 else None
        digits = word.translate(str.maketrans("oOlI", "0011"))
        if prev is not None and prev.kind == "num" and prev.pos + len(prev.text) == t.pos:
            if digits.isdigit():  # 2oo: the letter o typed for a zero
                number = prev.text + digits
                message = f"'{prev.text}{word}' is not a number — did you mean {number}?"
                raise ParseError(message, t.pos + 1, self.text)
        raise ParseError(unknown_name_message(word, self.names), t.pos + 1, self.text)

    def call(self, fn: str, t: Token) -> Expr:
        power: Expr | None = None
        if self.at_op("^"):
            # sin^2(x) is sin(x)^2; sin^-1(x) is asin(x)
            self.take()
            power = self.function_power(fn, t)
            if power == "inverse":
                fn, power = INVERSES[fn], None
        if not self.at_op("("):
            arg_hint = self.tok.text if self.tok.kind in ("name", "num") else "x"
            raise self.error(
                f"{t.text} needs parentheses around its argument: write {t.text}({arg_hint})",
                t,
            )
        open_tok = self.take()
        if self.at_op(")"):
            raise self.error(f"{t.text}() needs an argument")
        arg = self.sum()
        if self.at_op(","):
            raise self.error(f"{t.text} takes one argument")
        if not self.at_op(")"):
            if self.tok.kind == "end":
                raise ParseError(f"missing ')' to close {t.text}(", open_tok.pos + 1, self.text)
            raise self.error(f"expected ')' but found {self.tok.text!r}")
        self.take()
        node = Call(fn, arg)
        if power is not None:
            node = BinOp("^", node, power)
        return node

    def function_power(self, fn: str, t: Token):
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


_FUNCTION_WORDS = frozenset(FUNCTIONS) | frozenset(ALIASES)


def canonical_function(word: str) -> str | None:
    if word in FUNCTIONS or word in ALIASES:
        return ALIASES.get(word, word)
    return None


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


def split_word(word: str, names: Iterable[str], allow_function_last: bool) -> list[str] | None:
    """Split an unknown word into known names (``xy`` -> x, y) when exactly one way exists."""
    vocab = set(names) | set(CONSTANTS)
    fn_words = set(FUNCTIONS) | set(ALIASES)
    if len(word) > 40:
        return None
    results: list[list[str]] = []

    def walk(rest: str, acc: list[str]) -> None:
        if len(results) > 1:
            return
        if not rest:
            if len(acc) > 1:
                results.append(acc)
            return
        for end in range(1, len(rest) + 1):
            piece = rest[:end]
            if piece in vocab:
                walk(rest[end:], acc + [piece])
            elif piece in fn_words and end == len(rest) and allow_function_last and acc:
                walk("", acc + [piece])

    walk(word, [])
    return results[0] if len(results) == 1 else None


def unknown_name_message(word: str, names: Iterable[str]) -> str:
    if len(word) > 30:
        return f"unknown name '{word[:24]}...' ({len(word)} letters)"
    known = sorted(set(names) | set(CONSTANTS))
    fn_words = list(FUNCTIONS) + list(ALIASES)
    lower = word.lower()
    if re.fullmatch(r"(?i)log_?(10|2|e)", word) or re.fullmatch(r"(?i)lg|log_", word):
        return (
            f"unknown name '{word}' — log and ln are the natural logarithm; "
            "for base 10 write log(x)/log(10)"
        )
    # A function written without parentheses: sinx, lnx, sqrtx, cos2x
    for fn in sorted(fn_words, key=len, reverse=True):
        if lower.startswith(fn) and len(word) > len(fn):
            rest = word[len(fn) :]
            return f"unknown name '{word}' — did you mean {fn}({rest})?"
    as_digits = word.translate(str.maketrans("oOlI", "0011"))
    if as_digits.isdigit():
        return f"unknown name '{word}' — did you mean the number {as_digits}? (letters o/l for 0/1)"
    if lower in fn_words or lower in known:
        return f"unknown name '{word}' — did you mean {lower}? (names are case-sensitive)"
    if word in ("In", "In_", "Ln", "LN"):
        return f"unknown name '{word}' — did you mean ln?"
    m = re.fullmatch(r"([A-Za-z_]+)(\d+)", word)
    if m and m.group(1) in known:
        v, d = m.groups()
        return f"unknown name '{word}' — did you mean {v}^{d} or {d}{v}?"
    close = difflib.get_close_matches(word, known + fn_words, n=1, cutoff=0.6)
    if close:
        return f"unknown name '{word}' — did you mean {close[0]}?"
    listing = ", ".join(n for n in known if n not in CONSTANTS) or "none"
    return f"unknown name '{word}' (the names you can use here: {listing}, and pi, e)"


def parse(text: str, names: Iterable[str] = ()) -> Expr:
    """Parse ``text``; ``names`` are the variables, params and defined names in scope."""
    if not isinstance(text, str):
        raise ParseError("the answer must be text", 1, "")
    if len(text) > MAX_LENGTH:
        raise ParseError(
            f"the answer is too long ({len(text)} characters; at most {MAX_LENGTH})",
            MAX_LENGTH,
            text[: MAX_LENGTH + 1],
        )
    text = normalise(text)
    if not text.strip():
        raise ParseError("the answer is empty", 1, text)
    scope = names if isinstance(names, frozenset) else frozenset(names)
    return _Parser(text, scope).parse()
