"""Safe, bounded YAML loading that remembers the line of every value.

PyYAML's composer builds a node graph in which an alias is a shared reference, so composing
is linear in the text; we then convert nodes to plain Python ourselves, counting every node
we produce, so an alias bomb ("billion laughs") is refused after ``MAX_NODES`` instead of
being expanded. Only plain scalars, lists and mappings are built (no tags that construct
objects), and duplicate keys are reported instead of silently overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_BYTES = 256 * 1024
MAX_NODES = 20_000
MAX_DEPTH = 32  # nested lists and mappings (an exercise needs about 6)

Path = tuple[str | int, ...]

_ALLOWED_SCALARS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


class YamlError(ValueError):
    """The text is not YAML we accept; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None, path: Path = ()):
        super().__init__(message)
        self.message = message
        self.line = line
        self.path = path


@dataclass
class LoadedYaml:
    data: object
    lines: dict[Path, int] = field(default_factory=dict)
    duplicates: list[tuple[Path, int]] = field(default_factory=list)

    def line_of(self, path: Path) -> int | None:
        """The line of ``path`` or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def load(text: str | bytes) -> LoadedYaml:
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise YamlError(f"the file is too large ({len(text)} bytes; at most {MAX_BYTES})")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise YamlError(f"the file is not UTF-8 text (byte {exc.start})") from None
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise YamlError(f"the file is too large (at most {MAX_BYTES} bytes)")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise YamlError("the file contains a NUL character (\\x00)", line)
    try:
        root = yaml.compose(text, Loader=_BoundedLoader)
    except yaml.MarkedYAMLError as exc:
        raise YamlError(*_where_it_starts(exc)) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML: {exc}") from None
    if root is None:
        raise YamlError("the file is empty", 1)
    out = LoadedYaml(data=None)
    budget = [MAX_NODES]
    out.data = _convert(root, (), out, budget, ())
    return out


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing nesting deeper than ``MAX_DEPTH`` as it scans.

    Checked in the scanner, before any work per level: PyYAML re-examines every open flow
    level at each token (quadratic in the depth), and composes recursively.
    """

    def _too_deep(self) -> YamlError:
        mark = self.get_mark()
        return YamlError(
            f"the document is nested too deeply (more than {MAX_DEPTH} levels)", mark.line + 1
        )

    def fetch_flow_collection_start(self, TokenClass: type) -> None:
        if self.flow_level >= MAX_DEPTH:
            raise self._too_deep()
        super().fetch_flow_collection_start(TokenClass)

    def add_indent(self, column: int) -> bool:
        if len(self.indents) >= MAX_DEPTH:
            raise self._too_deep()
        return super().add_indent(column)


# Errors PyYAML finds only later (at the end of the file, on the next line) but that start where
# its "context" mark is: an unclosed quote or bracket, a key without its ':'.
_STARTS_AT_CONTEXT = {
    "while scanning a quoted scalar": "a quoted text starts here and is never closed",
    "while parsing a flow sequence": "a '[' list starts here and is not closed with ']'",
    "while parsing a flow mapping": "a '{' mapping starts here and is not closed with '}'",
    "while scanning a simple key": "this line has a key without ':' after it",
}


def _where_it_starts(exc: yaml.MarkedYAMLError) -> tuple[str, int | None]:
    """(message, line) reported at the line where the problem starts."""
    problem = exc.problem or str(exc)
    pmark, cmark = exc.problem_mark, exc.context_mark
    plain = _STARTS_AT_CONTEXT.get(exc.context or "")
    if plain and cmark is not None:
        later = f" ({problem} on line {pmark.line + 1})" if pmark is not None else ""
        return f"not valid YAML: {plain}{later}", cmark.line + 1
    mark = pmark or cmark
    return f"not valid YAML: {problem}", (mark.line + 1 if mark else None)


_constructor = yaml.SafeLoader("")


def _convert(
    node: yaml.Node, path: Path, out: LoadedYaml, budget: list[int], above: tuple[int, ...]
) -> Any:
    """Plain Python for `node`; `above` holds the ids of the collections it is inside, so an
    alias to one of them (`a: &a [*a]`, a value that contains itself) is refused instead of
    followed for ever, and aliases cannot nest deeper than the text itself may."""
    budget[0] -= 1
    line = node.start_mark.line + 1
    if budget[0] < 0:
        raise YamlError(
            f"the document expands to more than {MAX_NODES} values (an alias bomb?)", line, path
        )
    if id(node) in above:
        raise YamlError(
            "an alias refers to a value that contains it (a recursive alias); YAML values "
            "here cannot contain themselves",
            line,
            path[:MAX_DEPTH],
        )
    if len(above) > MAX_DEPTH:
        raise YamlError(
            f"the document is nested too deeply (more than {MAX_DEPTH} levels, aliases included)",
            line,
            path[:MAX_DEPTH],
        )
    inside = (*above, id(node))
    out.lines.setdefault(path, line)
    if isinstance(node, yaml.ScalarNode):
        if node.tag not in _ALLOWED_SCALARS:
            raise YamlError(f"YAML tag {node.tag!r} is not allowed here", line, path)
        value = _constructor.construct_object(node, deep=True)
        if isinstance(value, str) and "\x00" in value:  # written "\0" or "\x00" in quotes
            raise YamlError("a NUL character (\\0) is not allowed in text", line, path)
        return value
    if isinstance(node, yaml.SequenceNode):
        if node.tag != "tag:yaml.org,2002:seq":
            raise YamlError(f"YAML tag {node.tag!r} is not allowed here", line, path)
        return [
            _convert(item, (*path, i), out, budget, inside) for i, item in enumerate(node.value)
        ]
    if isinstance(node, yaml.MappingNode):
        if node.tag != "tag:yaml.org,2002:map":
            raise YamlError(f"YAML tag {node.tag!r} is not allowed here", line, path)
        result: dict = {}
        for key_node, value_node in node.value:
            if (
                not isinstance(key_node, yaml.ScalarNode)
                or key_node.tag == "tag:yaml.org,2002:merge"
            ):
                raise YamlError("keys must be plain names", key_node.start_mark.line + 1, path)
            key = _convert(key_node, path, out, budget, inside)
            key = str(key) if not isinstance(key, str) else key
            child = (*path, key)
            if key in result:
                out.duplicates.append((child, key_node.start_mark.line + 1))
                continue
            out.lines[child] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, child, out, budget, inside)
        return result
    raise YamlError("unsupported YAML node", line, path)
