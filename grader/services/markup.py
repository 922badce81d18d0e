"""Statements to HTML: Markdown with $...$ and $$...$$ math rendered to MathML on the server."""

from __future__ import annotations

import re
from functools import lru_cache

import latex2mathml.converter
import nh3
from markdown_it import MarkdownIt

_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)
_md = MarkdownIt("commonmark", {"html": False})
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


@lru_cache(maxsize=4096)
def latex_to_mathml(latex: str, display: bool = False) -> str:
    """Presentation MathML for `latex`; the escaped source in <code> when it cannot convert."""
    try:
        mathml = latex2mathml.converter.convert(latex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many types on bad input
        escaped = latex.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f"<code>{escaped}</code>"
    return nh3.clean(
        mathml,
        tags=_MATHML_TAGS,
        generic_attribute_prefixes=set(),
        attributes={"*": _MATHML_ATTRS},
        link_rel=None,
    )


def render_markdown(text: str) -> str:
    """HTML for a statement: raw HTML is escaped, math becomes MathML."""
    pieces: list[str] = []

    def stash(match: re.Match[str]) -> str:
        display = match.group(1) is not None
        pieces.append(latex_to_mathml((match.group(1) or match.group(2)).strip(), display))
        return f"MATHSLOT{len(pieces) - 1}X"

    html = _md.render(_MATH.sub(stash, text))
    return re.sub(r"MATHSLOT(\d+)X", lambda m: pieces[int(m.group(1))], html)
