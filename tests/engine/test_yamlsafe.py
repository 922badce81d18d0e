"""Safe, bounded YAML loading with line numbers."""

from __future__ import annotations

import pytest

from grader.engine import yamlsafe
from grader.engine.yamlsafe import MAX_BYTES, YamlError, load


def test_plain_mapping_loads_to_python_values():
    assert load("a: 1\nb: [x, 2.5, true, null]\n").data == {"a": 1, "b": ["x", 2.5, True, None]}


def test_line_of_a_nested_value_is_remembered():
    loaded = load("a:\n  b:\n    - 1\n    - 2\n")
    assert loaded.line_of(("a", "b", 1)) == 4


def test_line_of_an_unknown_path_falls_back_to_its_ancestor():
    loaded = load("a:\n  b: 1\n")
    assert loaded.line_of(("a", "b", "missing")) == 2


def test_python_object_tag_is_refused():
    with pytest.raises(YamlError, match="not allowed"):
        load("a: !!python/object/apply:os.system ['echo hi']\n")


def test_custom_tag_is_refused():
    with pytest.raises(YamlError, match="not allowed"):
        load("a: !custom 1\n")


def test_binary_tag_is_refused():
    with pytest.raises(YamlError, match="not allowed"):
        load("a: !!binary aGVsbG8=\n")


def test_set_tag_is_refused():
    with pytest.raises(YamlError, match="not allowed"):
        load("a: !!set {x: null}\n")


def test_merge_key_is_refused():
    with pytest.raises(YamlError, match="plain names"):
        load("base: &b {x: 1}\nother:\n  <<: *b\n")


def test_small_alias_is_expanded():
    assert load("a: &a [1, 2]\nb: *a\n").data == {"a": [1, 2], "b": [1, 2]}


def _bomb(levels: int = 9) -> str:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused():
    with pytest.raises(YamlError, match="alias bomb"):
        load(_bomb())


def test_alias_bomb_is_refused_after_the_value_budget(monkeypatch):
    converted = []
    real = yamlsafe._convert

    def counting(*args):
        converted.append(1)
        return real(*args)

    monkeypatch.setattr(yamlsafe, "_convert", counting)
    with pytest.raises(YamlError):
        load(_bomb())
    assert len(converted) <= yamlsafe.MAX_NODES + 1


def test_oversized_text_is_refused():
    with pytest.raises(YamlError, match="too large"):
        load("a: " + "x" * (MAX_BYTES + 1))


def test_oversized_bytes_are_refused():
    with pytest.raises(YamlError, match="too large"):
        load(b"a: " + b"x" * (MAX_BYTES + 1))


def test_non_utf8_bytes_are_refused():
    with pytest.raises(YamlError, match="UTF-8"):
        load(b"a: \xff\xfe\n")


def test_syntax_error_reports_a_line():
    with pytest.raises(YamlError) as info:
        load("a: 1\nb: [\n")
    assert info.value.line is not None and info.value.message.startswith("not valid YAML")


def test_empty_document_is_refused():
    with pytest.raises(YamlError, match="empty"):
        load("")


def test_duplicate_key_is_recorded_with_its_line():
    loaded = load("a: 1\nb: 2\na: 3\n")
    assert loaded.duplicates == [(("a",), 3)]


def test_duplicate_key_keeps_the_first_value():
    assert load("a: 1\na: 3\n").data == {"a": 1}


def test_non_string_keys_become_strings():
    assert load("1: one\n").data == {"1": "one"}


def test_module_exposes_its_bounds():
    assert yamlsafe.MAX_NODES > 0 and MAX_BYTES > 0


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('id: a\ntitle: "unclosed\nstatement: x\nvariables:\n  x: [0, 1]\n', 2, "quoted"),
        ("id: a\ntitle: 'unclosed\nstatement: x\n", 2, "quoted"),
        ("a: 1\nb: [1, 2\nc: 3\nd: 4\n", 2, "'['"),
        ("a: 1\nb: {x: 1\nc: 3\n", 2, "'{'"),
        ("a: 1\nb\nc: 3\n", 2, "without ':'"),
        ("a: 1\nb: 2\n c: 3\n", 3, "mapping values"),
        ("a:\n  - 1\n - 2\nc: 3\n", 3, "expected <block end>"),
        ("a: 1\nb: *nope\n", 2, "undefined alias"),
    ],
)
def test_syntax_error_is_reported_at_the_line_where_it_starts(text, line, words):
    with pytest.raises(yamlsafe.YamlError) as info:
        yamlsafe.load(text)
    assert info.value.line == line
    assert words in info.value.message


@pytest.mark.parametrize(
    "text",
    [
        "a: &a [*a]",
        "a: &a {b: *a}",
        "&a [*a, *a]",
        "id: x\ntitle: &t [1, [2, *t]]",
        "a: &a\n  b:\n    c: *a\n",
    ],
)
def test_a_recursive_alias_is_refused_with_its_line(text):
    with pytest.raises(YamlError) as info:
        load(text)
    assert "recursive alias" in info.value.message and info.value.line is not None


def test_aliases_cannot_nest_deeper_than_the_text_may():
    chain = "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 200))
    with pytest.raises(YamlError, match="nested too deeply"):
        load(chain)


def test_an_alias_used_twice_side_by_side_is_fine():
    assert load("a: &a [1, 2]\nb: [*a, *a]").data == {"a": [1, 2], "b": [[1, 2], [1, 2]]}
