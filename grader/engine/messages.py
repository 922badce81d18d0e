"""Feedback as structured messages: a code and typed arguments, rendered by one renderer.

Checking and diagnosis never write sentences. They return ``Message(code, args)``: the code
names what is said (``chain.missing_inner``), the arguments are typed values (a ``Formula``
with its tree, LaTeX and text; a ``Number``; a ``Label`` such as ``dz/dy``; an instructor's
``Authored`` Markdown). ``render`` turns messages into plain text (terminals), Markdown with
``$...$`` math (web, API) or HTML with MathML, taking each code's words from one catalogue
(``ENGLISH``; a translation is another catalogue with the same codes and placeholders).
Tests assert codes and arguments; docs/engine.md's table of message codes is generated from
``ENGLISH`` and checked by a test.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from html import escape
from typing import Any, Literal

from .nodes import Expr
from .render import format_number, to_latex, to_mathml, to_text

Style = Literal["plain", "markdown", "html"]


@dataclass(frozen=True)
class Formula:
    """An expression: LaTeX for Markdown, MathML for HTML (from its tree), text for plain.

    ``text`` is the answer language (it parses back: a student can type it), or the text as
    the student typed it where the formula quotes their answer."""

    latex: str
    text: str
    tree: Expr | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "formula", "latex": self.latex, "text": self.text}


@dataclass(frozen=True)
class Number:
    """A number: a value at a point (``precise``) or a factor read as a simple fraction."""

    value: float
    fraction: bool = False  # shown as p/q where it is one (a factor 1/2, an offset -3)

    @cached_property  # each style of each message shows it: worked out once
    def text(self) -> str:
        return nice_number(self.value) if self.fraction else point_value(self.value)

    def to_dict(self) -> dict[str, Any]:
        out = {"type": "number", "value": self.value, "text": self.text}
        return {**out, "fraction": True} if self.fraction else out


@dataclass(frozen=True)
class Label:
    """A name or a short notation shown as is in every style (x, dz/dy, x = 1/2, (uv)')."""

    text: str
    latex: str | None = None  # where the LaTeX differs from the text

    def to_dict(self) -> dict[str, Any]:
        out = {"type": "label", "text": self.text}
        return out if self.latex is None else {**out, "latex": self.latex}


@dataclass(frozen=True)
class Authored:
    """An instructor's feedback: Markdown with ``$...$`` math, shown as written."""

    markdown: str

    @property
    def plain(self) -> str:
        return _DOLLAR_MATH.sub(lambda m: (m.group(1) or m.group(2)).strip(), self.markdown)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "authored", "markdown": self.markdown}


@dataclass(frozen=True)
class Words:
    """Plain words from the product's own data (a skill's name, a level, a listing of matrix
    entries, a count): text in every style, escaped in HTML, never math."""

    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"type": "words", "text": self.text}


Arg = Formula | Number | Label | Authored | Words


@dataclass(frozen=True)
class Message:
    """What to tell the student: ``code`` picks the words, ``args`` fill them in.

    ``subject`` is the answer box a message is about, in a part with several (``∂z/∂x``)."""

    code: str
    args: Mapping[str, Arg] = field(default_factory=dict)
    subject: str | None = None

    def arg(self, name: str) -> Arg:
        return self.args[name]

    def about(self, subject: str | None) -> Message:
        return Message(self.code, self.args, subject)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "args": {k: v.to_dict() for k, v in self.args.items()},
        }
        if self.subject is not None:
            out["subject"] = self.subject
        return out


def from_dict(data: Mapping[str, Any]) -> Message:
    """A message as ``Message.to_dict`` stored it (a formula keeps its LaTeX and text, not its
    tree): stored feedback is worded anew in the reader's language. Raises KeyError or
    TypeError on a dict of another shape."""
    args: dict[str, Arg] = {}
    for name, arg in dict(data.get("args") or {}).items():
        kind = arg["type"]
        if kind == "formula":
            args[name] = Formula(str(arg["latex"]), str(arg["text"]))
        elif kind == "number":
            args[name] = Number(float(arg["value"]), bool(arg.get("fraction", False)))
        elif kind == "label":
            args[name] = Label(str(arg["text"]), arg.get("latex"))
        elif kind == "authored":
            args[name] = Authored(str(arg["markdown"]))
        elif kind == "words":
            args[name] = Words(str(arg["text"]))
        else:
            raise TypeError(f"unknown argument type {kind!r}")
    subject = data.get("subject")
    return Message(str(data["code"]), args, None if subject is None else str(subject))


def formula(node: Expr, typed: str | None = None) -> Formula:
    """A tree as a formula argument; ``typed``: the text the student typed for it."""
    return Formula(to_latex(node), typed if typed is not None else to_text(node), node)


def message(code: str, **args: Arg) -> Message:
    """A message of a known code with every argument its words use."""
    if not _needs(code) <= args.keys():
        missing = _needs(code) - args.keys()
        raise KeyError(f"message {code} lacks {sorted(missing)}")
    return Message(code, args)


@cache
def _needs(code: str) -> frozenset[str]:
    """The arguments a code's English words use (``message`` checks them once per code)."""
    return frozenset(placeholders(ENGLISH[code]))


# ------------------------------------------------------------------------------ the words

# Every message the engine says, by code. Placeholders name the message's arguments.
ENGLISH: dict[str, str] = {
    # checking
    "check.correct": "correct.",
    "check.no_answer": "No answer given.",
    "check.unreadable": "Your answer could not be read.",
    "check.wrong_value": "Not the right value: {value} is not the derivative at {point}.",
    "check.wrong_at": "Not the derivative: at {point} your answer gives {value}.",
    "check.undefined_at": "Your answer is undefined at {point} (a log or square root of a "
    "negative number, or a division by zero?), where the derivative is defined.",
    "check.expected_there": "The derivative there is {value}.",
    # follow-through, steps and help
    "follow.correct_given_part": "Correct given your {given} (which was wrong: see part {number}).",
    "follow.correct_given_step": "Correct given your {given} (which was wrong: see step {number}).",
    "follow.correct_given_several": "Correct given your {given} (which were wrong: see above).",
    "steps.not_right": "Not right yet: work out {step} again.",
    "steps.combine": "Your steps are right. By the chain rule they combine, summed over the "
    "paths, into {whole}: {paths}.",
    "steps.combine_backprop": "Your steps are right. By the chain rule, {whole} follows from "
    "{steps}.",
    # a rule broken: chain, product, quotient
    "chain.missing_inner": "You differentiated {call} but forgot to multiply by the derivative "
    "of its inside, {inner_derivative} (chain rule).",
    "chain.missing_base": "You differentiated the power {power} but forgot to multiply by the "
    "derivative of the inside, {inner_derivative} (chain rule).",
    "chain.missing_exponent": "You differentiated the power {power} but forgot to multiply by "
    "the derivative of the exponent, {exponent_derivative} (chain rule).",
    "chain.missing_inner_unnamed": "You differentiated {call} but forgot to multiply by the "
    "derivative of {inner}, its inside (chain rule).",
    "chain.missing_base_unnamed": "You differentiated the power {power} but forgot to multiply "
    "by the derivative of {inner}, its base (chain rule).",
    "chain.missing_exponent_unnamed": "You differentiated the power {power} but forgot to "
    "multiply by the derivative of {exponent}, its exponent (chain rule).",
    "chain.outer_alone": "That is {outer} alone, but {inner} depends on {variable}: multiply "
    "by {inner_derivative} (chain rule).",
    "chain.inner_alone": "That is {inner_derivative} alone; {function} depends on {variable} "
    "through {inner}, so multiply by {outer} (chain rule).",
    "product.multiplied": "You multiplied the derivatives, but {product} is not {wrong}: use "
    "the product rule {rule} with u = {u} and v = {v}.",
    "product.one_term": "The product rule has two terms, {rule}, with u = {u} and v = {v}: "
    "your answer has {kept} but not {missing}.",
    "quotient.not_squared": "The quotient rule divides by the square of the denominator: "
    "{rule}, with u = {u} and v = {v}; you divided by v.",
    "quotient.added": "The quotient rule has a minus sign: {rule}, with u = {u} and v = {v}; you "
    "added the two terms.",
    # the whole answer
    "sign.negated": "The sign is wrong: your answer is the negative of the derivative.",
    "function.itself": "You gave the function {function} itself, not its derivative.",
    "function.lower_order": "That is a derivative of one order lower: differentiate once more.",
    "variable.other": "That is the derivative with respect to {other}; this asks for the "
    "derivative with respect to {variable}.",
    "factor.constant": "Your answer is {factor} times the derivative: a constant factor is off "
    "(an exponent not brought down, or a coefficient dropped?).",
    "offset.constant": "Your answer is off by a constant ({offset}): check the constant terms; "
    "the derivative of a constant is 0.",
    # one term of the answer
    "term.sign": "Check the term {term}: its sign is wrong.",
    "term.constant": "Check the term {term}: it should not be there (the derivative of a "
    "constant is 0).",
    "term.extra": "Check the term {term}: it should not be there (no such term).",
    "term.coefficient": "Check the term {term}: its coefficient is off (it is {factor} times "
    "what it should be).",
    "term.bring_down": "Check the term {term}: bring the exponent down as a factor (the power "
    "rule: {rule}).",
    "term.power_lower": "Check the term {term}: its power of {variable} should be one lower: "
    "the power rule lowers the exponent by one.",
    "term.power_lower_bring_down": "Check the term {term}: its power of {variable} should be "
    "one lower: the power rule lowers the exponent by one and brings the exponent down as a "
    "factor.",
    "term.missing_factor": "Check the term {term}: it is missing a factor {variable}.",
    "term.missing_factor_coefficient": "Check the term {term}: it is missing a factor "
    "{variable}, and its coefficient is off.",
    "term.power_two_higher": "Check the term {term}: its power of {variable} should be two "
    "higher (a division where a multiplication was meant?).",
    "term.power_two_higher_coefficient": "Check the term {term}: its power of {variable} "
    "should be two higher (a division where a multiplication was meant?), and its coefficient "
    "is off.",
    "term.power_two_lower": "Check the term {term}: its power of {variable} should be two lower.",
    "term.power_two_lower_coefficient": "Check the term {term}: its power of {variable} should "
    "be two lower, and its coefficient is off.",
    "term.missing": "A term in {term} is missing from your answer (or one has the wrong "
    "coefficient).",
    # tensor parts (tensor_check.py, tensor_diagnose.py)
    "tensor.transpose": "That is the transpose of {derivative} (x δ^T for δ x^T?).",
    "tensor.chain": "That is {alone} alone; {name} depends on {variable}, so apply the chain "
    "rule through {through}.",
    "tensor.sign": "The sign is wrong: your answer is the negative of the gradient (t \u2212 y "
    "for y \u2212 t?).",
    "tensor.variable": "That is the gradient with respect to {other}; this asks for the one "
    "with respect to {variable}.",
    "tensor.preactivation": "That is the gradient with respect to {activated}, after the "
    "activation; this asks for it with respect to {variable}, before it: go back through "
    "{function} with its derivative, {derivative}.",
    "tensor.activation": "The derivative of the activation {function} is missing: multiply by "
    "{derivative} entry by entry.",
    "tensor.activation_inner": "The derivative of the activation {function} is missing: "
    "multiply by {derivative} entry by entry, with u = {inner}.",
    "tensor.mean_missing": "The 1/N of the mean is missing: divide by N = {count}.",
    "tensor.mean_twice": "The mean's 1/N is applied twice: divide by N = {count} once only.",
    "tensor.factor": "Your answer is {factor} times the gradient: a constant factor is off.",
    "tensor.only_wrong_entries": "(in the entries that are wrong)",
    "tensor.not_right_value": "Not the right value.",
    "tensor.not_right_derivative": "Not the right derivative.",
    "tensor.numbers_not_gradient": "Not the gradient: these numbers do not match.",
    "tensor.formula_not_gradient": "Not the gradient: this formula does not match.",
    "tensor.one_wrong_one_right": "{listed} is wrong; the other {rest} is right.",
    "tensor.one_wrong_others_right": "{listed} is wrong; the other {rest} are right.",
    "tensor.some_wrong_one_right": "{listed} are wrong; the other {rest} is right.",
    "tensor.some_wrong_others_right": "{listed} are wrong; the other {rest} are right.",
    # the worked solution's graph (solution.py): why it is drawn so, where the answer went wrong
    "solution.higher_order": "This part asks for a derivative of order {order} (with respect "
    "to {first}): the paths below give the first derivative {derivative}; differentiate that "
    "again for the answer.",
    "solution.independent": "{output} does not depend on {input}: the derivative is 0.",
    "solution.nothing_to_backpropagate": "{output} does not depend on the variables: nothing to "
    "backpropagate.",
    "solution.too_many_operations": "The graph has more than {count} operations; only the "
    "first are shown.",
    "solution.drawn_with": "Drawn with your {given} (a wrong step); the rest of the graph is "
    "worked out from it.",
    "solution.drawn_with_total": "Drawn with your {given} (a wrong step): with it, {derivative} "
    "= {total}; the rest of the graph is worked out from it.",
    "solution.missed_factor": "Your answer leaves out the factor {factor} on the edge from {src} "
    "to {dst}: multiply by it (chain rule).",
    "solution.missed_paths": "Your answer leaves out the paths through the edge from {src} to "
    "{dst}: {output} depends on {input} along every path, and the chain rule adds them all.",
    "solution.product_misapplied": "The product rule was misapplied in {names}.",
    "solution.quotient_misapplied": "The quotient rule was misapplied in {names}.",
    # the graph's text alternative, one sentence per node, edge and path
    "solution.alt.graph_names": "Computation graph of {output} (names level).",
    "solution.alt.graph_ops": "Computation graph of {output} (operations level).",
    "solution.alt.node_variable": "Node {node} (variable).",
    "solution.alt.node_param": "Node {node} (parameter).",
    "solution.alt.node_define": "Node {node} (defined name).",
    "solution.alt.node_op": "Node {node} (operation).",
    "solution.alt.node_leaf": "Node {node} (leaf).",
    "solution.alt.edge": "Edge {src} to {dst}: {label}.",
    "solution.alt.edge_bare": "Edge {src} to {dst}.",
    "solution.alt.path": "Path {nodes}: {text}.",
    "solution.alt.more_paths": "And {count} more paths.",
    "solution.alt.total": "Total {derivative} from autograd: {total}.",
    # code parts: the student's backward pass run in the sandbox (code_check.py)
    "code.correct": "Correct: every output matches autograd on all {total} checks.",
    "code.output_right": "`{output}`: right on all {total} checks.",
    "code.output_wrong": "`{output}`: wrong.",
    "code.check": "Check {number} of {total} (inputs {inputs}):",
    "code.check_batch": "Check {number} of {total} (batch of {batch}; inputs {inputs}):",
    "code.wrong_entry": "`{output}{index}` should be {expected}; your code returned {got}.",
    "code.wrong_entry_at": "`{output}{index}` (row {row}, column {column}) should be "
    "{expected}; your code returned {got}.",
    "code.no_bug_found": "`{output}` is not the gradient of {of} with respect to `{wrt}`, and no "
    "common mistake explains it.",
    "code.bug.extra_dimension": "`{output}` has shape {got_shape}; `{wrt}` has shape {want_shape}: "
    "drop the extra dimension of size 1 (no keepdims=True, or reshape).",
    "code.bug.transposed": "`{output}` is the transpose of the gradient: it must have the shape "
    "of `{wrt}`. Swap the factors of the matrix product and transpose them (for y = x @ W: "
    "`dW = x.T @ dout`, not `dout.T @ x`).",
    "code.bug.transposed_shape": "`{output}` has shape {got_shape}; `{wrt}` has shape "
    "{want_shape}. `{output}` is the transpose of the gradient: it must have the shape of `{wrt}`. "
    "Swap the factors of the matrix product and transpose them (for y = x @ W: "
    "`dW = x.T @ dout`, not `dout.T @ x`).",
    "code.bug.missing_batch_sum": "`{output}` has one gradient per example, shape {got_shape}; "
    "`{wrt}` is shared by the whole batch, so sum over the batch axis: `.sum(axis=0)` gives "
    "shape {want_shape}.",
    "code.bug.wrong_axis": "`{output}` was summed over axis {axis}; the batch is axis 0: sum "
    "over axis=0 so that `{output}` has the shape of `{wrt}`, {want_shape}.",
    "code.bug.shape": "`{output}` has shape {got_shape}; `{wrt}` has shape {want_shape}: a "
    "gradient has the shape of what it is taken with respect to.",
    "code.bug.missing_mean": "`{output}` is N = {n} times too large: {of} averages over the "
    "batch, so the gradient carries a factor 1/N; divide by N, the batch size.",
    "code.bug.extra_mean": "`{output}` is N = {n} times too small: it is divided by N once too "
    "often (or where {of} does not average over the batch); remove that division.",
    "code.bug.activation_derivative_missing": "`{output}` leaves out the derivative of `{fn}` in "
    "`{define} = {call}`: multiply the gradient flowing back through `{define}` by `{fn}'(u)` at "
    "its input u = `{arg}`, that is `{hint}`.",
    "code.bug.activation_derivative_at_output": "`{output}` takes the derivative of `{fn}` at its "
    "output `{define}` instead of its input `{arg}`: use `{hint}`, not `{fn}'({define})`.",
    "code.bug.upstream_ignored": "`{output}` does not use the upstream gradient `{upstream}`: by "
    "the chain rule, the gradient of {of} is multiplied by `{upstream}`.",
    "code.bug.sign": "`{output}` has the wrong sign: every entry is the negative of the "
    "gradient; check the sign of each term.",
    "code.raised": "Your code raised `{error}`.",
    "code.raised_at": "Your code raised `{error}` (line {line}: `{text}`).",
    "code.syntax": "Your code does not run: `{error}` (line {line}: `{text}`).",
    "code.syntax_nowhere": "Your code does not run: `{error}`.",
    "code.missing_function": "Your code does not define a function named `{function}`.",
    "code.returns_count": "Your function should return {count} values ({names}); it returned "
    "{got}.",
    "code.returns_numbers": "Your function should return `{output}` as an array of numbers "
    "(`{error}`).",
    "code.returns_lost": "Your function's result did not come back whole (too large or of no "
    "valid shape).",
    "code.took_too_long": "Your code took longer than {seconds} s.",
    "code.cpu_time": "Your code used more than {seconds} s of CPU time.",
    "code.printed_too_much": "Your code printed too much (more than {kilobytes} KB).",
    "code.returned_too_much": "Your code returned too much data.",
    "code.out_of_memory": "Your code was stopped (out of memory?).",
    "code.crashed": "Your code crashed (segmentation fault).",
    "code.stopped": "Your code stopped before returning (exit status {status}).",
    "code.ran": "Your code ran on all {total} checks and every output has the right shape. "
    "Submit to have the values checked.",
    "code.wrong_shape": "`{output}` has shape {got_shape}; `{wrt}` has shape {want_shape}.",
    # a code part's bug by name, as analytics groups the answers (code_check.py's diagnoses)
    "code.name.shape": "a gradient of the wrong shape",
    "code.name.transposed": "transposed gradient",
    "code.name.extra_dimension": "an extra dimension of size 1",
    "code.name.missing_batch_sum": "missing sum over the batch",
    "code.name.wrong_axis": "summed over the wrong axis",
    "code.name.missing_mean": "missing 1/N",
    "code.name.extra_mean": "an extra 1/N",
    "code.name.activation_derivative_missing": "the activation's derivative left out",
    "code.name.activation_derivative_at_output": "the activation's derivative taken at its output",
    "code.name.upstream_ignored": "the upstream gradient ignored",
    "code.name.sign": "the sign flipped",
    "code.name.code_error": "an exception, or the wrong return values",
    "code.name.syntax": "code that does not run (a syntax error)",
    "code.name.missing": "the function not defined",
    "code.name.timeout": "took too long",
    "code.name.output": "printed or returned too much",
    "code.name.crash": "crashed or ran out of memory",
    "code.name.unknown": "wrong, and no common mistake explains it",
    # the instructor's own
    "instructor.feedback": "{feedback}",
    # practice: why this exercise comes next (grader/engine/scheduler.py)
    "practice.misconception.chain": "You forgot the inner derivative ({count}× recently): "
    "{remaining} more {skill} exercises.",
    "practice.misconception.product": "You wrote (uv)′ as u′v′ ({count}× recently): "
    "{remaining} more {skill} exercises.",
    "practice.misconception.quotient": "You added the two terms of the quotient rule "
    "({count}× recently): {remaining} more {skill} exercises.",
    "practice.misconception.power": "You slipped on the power rule ({count}× recently): "
    "{remaining} more {skill} exercises.",
    "practice.misconception.sum": "You kept or dropped a term you should not have ({count}× "
    "recently): {remaining} more {skill} exercises.",
    "practice.misconception.partial": "You differentiated with respect to the wrong variable "
    "({count}× recently): {remaining} more {skill} exercises.",
    "practice.misconception.shape": "You transposed a gradient ({count}× recently): "
    "{remaining} more {skill} exercises.",
    "practice.misconception.activation": "You left out the activation's derivative ({count}× "
    "recently): {remaining} more {skill} exercises.",
    "practice.misconception.batch-mean": "You got the 1/N of a batch mean wrong ({count}× "
    "recently): {remaining} more {skill} exercises.",
    "practice.misconception.other": "Your recent answers show a {skill} mistake ({count}×): "
    "{remaining} more {skill} exercises.",
    "practice.reason.prerequisite": "{builds} builds on {skill}, which is not yet familiar: "
    "{skill} first.",
    "practice.reason.new": "Next: {skill}, which you have not practised yet.",
    "practice.reason.chosen": "You chose {skill}.",
    "practice.reason.weakest": "{skill} is your weakest skill here ({level}): keep practising it.",
    "practice.reason.review": "Review: {skill} is {level}, last practised {days} days ago.",
    "practice.reason.keep_up": "Every skill here is proficient: {skill}, practised longest ago.",
}

Catalogue = Mapping[str, str]


@cache
def placeholders(template: str) -> tuple[str, ...]:
    """The argument names a template uses, in order."""
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


# ------------------------------------------------------------------------------ rendering


def render(
    messages: Message | Iterable[Message],
    style: Style = "markdown",
    words: Catalogue = ENGLISH,
    latex_to_mathml: Callable[[str], str] | None = None,
) -> str:
    """Messages as one text: each prefixed with its subject, joined by spaces, the first letter
    capitalised (not an instructor's own text). ``latex_to_mathml`` serves HTML for formulas without a tree (the service
    passes its converter); without it they are shown as their text."""
    items = [messages] if isinstance(messages, Message) else list(messages)
    if len(items) == 1 and not items[0].args and items[0].subject is None and words is ENGLISH:
        return _bare(items[0].code, style)  # "Correct.": the most common message, kept worded
    out = []
    for msg in items:
        template = words[msg.code]
        if style == "html":
            template = escape(template, quote=False)
        text = template.format_map(
            {k: _arg(v, style, latex_to_mathml) for k, v in msg.args.items()}
        )
        if msg.subject is not None:
            subject = escape(msg.subject) if style == "html" else msg.subject
            text = f"{subject}: {text}"
        out.append(text)
    joined = " ".join(out)
    if items and items[0].code == "instructor.feedback" and items[0].subject is None:
        return joined  # an instructor's text is shown as written
    return joined[:1].upper() + joined[1:]


@cache
def _bare(code: str, style: Style) -> str:
    return render([Message(code)], style, words={**ENGLISH})


def _arg(arg: Arg, style: Style, latex_to_mathml: Callable[[str], str] | None) -> str:
    if isinstance(arg, Authored):
        return arg.plain if style == "plain" else arg.markdown
    if isinstance(arg, Words):
        return escape(arg.text) if style == "html" else arg.text
    text = arg.text
    latex = arg.latex if isinstance(arg, Formula | Label) and arg.latex is not None else text
    if style == "plain":
        return text
    if style == "markdown":
        return f"${latex}$"
    if isinstance(arg, Formula) and arg.tree is not None:
        return to_mathml(arg.tree)
    if isinstance(arg, Number):
        return f'<math xmlns="http://www.w3.org/1998/Math/MathML"><mn>{escape(text)}</mn></math>'
    if latex_to_mathml is not None:
        return latex_to_mathml(latex)
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML"><mtext>{escape(text)}</mtext></math>'


# ------------------------------------------------------------------------------ numbers


def point_value(value: float) -> str:
    """A value at a point, short: 12, 0.3333, 1.234e-05."""
    text = format_number(value) if value.is_integer() or abs(value) >= 1e-4 else f"{value:.4g}"
    if not value.is_integer() and len(text) > 10:
        text = f"{value:.6g}"
    return text


def nice_number(x: float) -> str:
    """A factor or offset as a student would write it: 3, -1/2, 2/3, else 4 digits."""
    if not abs(x) < 1e15:  # huge (or not finite): no fraction to find
        return f"{x:.4g}"
    for den in (1, 2, 3, 4, 5, 6, 8, 10):
        num = round(x * den)
        if abs(num / den - x) < 1e-9 * max(1.0, abs(x)):
            return format_number(num / den) if den == 1 or num % den == 0 else f"{num}/{den}"
    return f"{x:.4g}"


_DOLLAR_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)
