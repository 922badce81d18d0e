"""A Babel extractor for the engine's message catalogue (babel.cfg names it): each code of
``grader.engine.messages.ENGLISH`` becomes a message whose context is the code and whose id
is the English template, placeholders included; a translation places them where its language
puts them."""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any


def engine_messages(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, list[str], list[str]]]:
    """(line, "pgettext", [code, template], comments) for each entry of the ENGLISH dict."""
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        target = getattr(node, "target", None)
        if not (isinstance(node, ast.AnnAssign) and isinstance(target, ast.Name)):
            continue
        if target.id != "ENGLISH" or not isinstance(node.value, ast.Dict):
            continue
        for key, value in zip(node.value.keys, node.value.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(value, ast.Constant | ast.JoinedStr):
                template = ast.literal_eval(value) if isinstance(value, ast.Constant) else None
                if isinstance(template, str) and isinstance(key.value, str):
                    comments = [f"engine message {key.value}: keep each {{placeholder}}"]
                    yield key.lineno, "pgettext", [key.value, template], comments
