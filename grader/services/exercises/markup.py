"""Statements and feedback to HTML: Markdown with $...$ and $$...$$ math as MathML, sanitised."""

from __future__ import annotations

import html
import re
import secrets
import threading
from functools import lru_cache

import latex2mathml.converter
import nh3
from markdown_it import MarkdownIt

_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)
# A MarkdownIt object keeps parser state while it renders: two request threads sharing one
# failed with "none of the block rules matched" (an exam's first minute). One per thread.
_local = threading.local()


def _markdown() -> MarkdownIt:
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = MarkdownIt("commonmark", {"html": False})
    return md


_MATHML_TAGS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup",
    "mfrac", "msqrt", "mroot", "mstyle", "mtable", "mtr", "mtd", "mover", "munder",
    "munderover", "mpadded", "mphantom", "menclose", "semantics", "annotation",
}  # fmt: skip
_MATHML_ATTRS = {
    "xmlns", "display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace",
    "width", "height", "depth", "columnalign", "rowspacing", "columnspacing", "linethickness",
    "accent", "accentunder", "movablelimits", "notation", "encoding", "minsize", "maxsize",
    "form", "largeop", "symmetric", "displaystyle", "scriptlevel",
}  # fmt: skip
# what commonmark renders
_HTML_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "hr", "br",
}  # fmt: skip
_HTML_ATTRS = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


@lru_cache(maxsize=4096)
def latex_to_mathml(latex: str, display: bool = False) -> str:
    """Presentation MathML for `latex`; the escaped source in <code> when it cannot convert."""
    try:
        mathml = latex2mathml.converter.convert(latex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many types on bad input
        return f"<code>{html.escape(latex, quote=True)}</code>"
    return nh3.clean(
        mathml,
        tags=_MATHML_TAGS,
        generic_attribute_prefixes=set(),
        attributes={"*": _MATHML_ATTRS},
        link_rel=None,
    )


MAX_FEEDBACK_CHARS = 4000  # longer feedback is cut (an instructor's text; bounds the work)


@lru_cache(maxsize=8192)
def render_feedback(text: str) -> str:
    """HTML for a feedback text (a diagnosis or an instructor's `mistakes` feedback).

    The same Markdown and math as statements, sanitised the same way; a single paragraph
    comes back without its <p>, so it can stand in a sentence. Cached: a history page shows
    the same few texts many times.
    """
    if not text:
        return ""
    rendered = render_markdown(_literal_products(text[:MAX_FEEDBACK_CHARS])).strip()
    inner = rendered.removeprefix("<p>").removesuffix("</p>")
    if rendered.startswith("<p>") and "<p>" not in inner and "</p>" not in inner:
        return inner
    return rendered


# math and code spans are left as they are; elsewhere a `*` between two operands is a product
_KEPT = re.compile(r"(\$\$.+?\$\$|\$[^$\n]+?\$|`[^`\n]*`)", re.S)
_PRODUCT = re.compile(r"(?<=[\w)\]])\*+(?=[\w(\[])")


def _literal_products(text: str) -> str:
    """Escape the stars of `2*x*y` or `x**2` (an expression quoted in feedback), so Markdown
    does not read them as emphasis; `*this*` (star beside a space) still emphasises."""
    pieces = _KEPT.split(text)
    for i in range(0, len(pieces), 2):
        pieces[i] = _PRODUCT.sub(lambda m: "\\*" * len(m.group(0)), pieces[i])
    return "".join(pieces)


@lru_cache(maxsize=2048)
def render_markdown(text: str) -> str:
    """HTML for a statement: raw HTML is escaped, math becomes MathML (kept for the texts seen
    last: a class reads a handful of statements, each with a few parameter values).

    Math is swapped for placeholders (with a random part, so the text cannot name one) while
    Markdown renders, then put back; the result is sanitised once more as a whole, because a
    placeholder can land inside an attribute (a link's URL or title) where MathML is no value.
    """
    nonce = secrets.token_hex(8)
    pieces: list[str] = []

    def stash(match: re.Match[str]) -> str:
        display = match.group(1) is not None
        pieces.append(latex_to_mathml((match.group(1) or match.group(2)).strip(), display))
        return f"MATH{nonce}S{len(pieces) - 1}X"

    rendered = _markdown().render(_MATH.sub(stash, text))
    rendered = re.sub(rf"MATH{nonce}S(\d+)X", lambda m: pieces[int(m.group(1))], rendered)
    return nh3.clean(
        rendered,
        tags=_HTML_TAGS | _MATHML_TAGS,
        generic_attribute_prefixes=set(),
        attributes={**_HTML_ATTRS, "*": _MATHML_ATTRS},
    )
