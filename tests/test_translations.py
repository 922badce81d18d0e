"""The catalogues (#29): every marked string and every engine message code has a zh-CN
translation that keeps its arguments, and the compiled catalogues are what `make` builds."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.support import Translations

from grader import languages
from grader.engine.messages import ENGLISH, Authored, Formula, Label, Message, Number, render
from grader.services import translation
from grader.translations import DIRECTORY
from tests.helpers import ROOT

PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def extracted() -> dict[tuple[str | None, str], str]:
    """What `make translations-extract` collects from the source today: (context, id) -> file."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
    keywords["_l"] = keywords["N_"] = None
    for name, _, message, _, context in extract_from_dir(
        str(ROOT / "grader"), method_map, options_map, keywords=keywords
    ):
        ident = message if isinstance(message, str) else message[0]
        found[(context, ident)] = name
    return found


def catalogue(tag: str):
    path = DIRECTORY / languages.catalogue_name(tag) / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        return read_po(source)


def test_every_marked_string_has_a_chinese_translation_keeping_its_arguments():
    zh = catalogue("zh-CN")
    missing, broken = [], []
    for (context, ident), where in extracted().items():
        found = zh.get(ident, context=context)
        if found is None or not found.string or found.fuzzy:
            missing.append(f"{where}: {context or ''} {ident!r}")
            continue
        text = found.string if isinstance(found.string, str) else found.string[0]
        if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(ident)):
            broken.append(f"{where}: {ident!r} -> {text!r}")
    assert not missing, "not translated (make translations-update, then translate):\n" + "\n".join(
        missing[:40]
    )
    assert not broken, "a translation lost or added an argument:\n" + "\n".join(broken)


def test_every_engine_message_code_is_in_the_catalogue():
    codes = {context for context, _ in extracted() if context}
    assert codes == set(ENGLISH)


SAMPLE = {
    "Formula": Formula(r"2 x \cos(x^{2})", "2x cos(x^2)"),
    "Number": Number(0.5, fraction=True),
    "Label": Label("x"),
    "Authored": Authored("Think of $u$."),
}


@pytest.mark.parametrize("code", sorted(ENGLISH))
def test_each_message_code_renders_with_its_arguments_in_both_languages(code):
    from grader.engine.messages import placeholders

    args = {name: SAMPLE["Formula"] for name in placeholders(ENGLISH[code])}
    said = Message(code, args)
    english = render([said], "plain")
    chinese = render([said], "plain", translation.engine_words("zh-CN"))
    assert chinese != english or code == "instructor.feedback"
    assert re.search(r"[\u4e00-\u9fff]", chinese) or code == "instructor.feedback"
    zh = translation.engine_words("zh-CN")[code]
    assert set(placeholders(zh)) == set(args)  # every argument placed, none lost
    assert english.count("2x cos(x^2)") == len(placeholders(ENGLISH[code]))
    assert chinese.count("2x cos(x^2)") == len(placeholders(zh))
    markdown = render([said], "markdown", translation.engine_words("zh-CN"))
    assert markdown.count(r"$2 x \cos(x^{2})$") == len(placeholders(zh))


def test_a_translation_that_drops_an_argument_falls_back_to_english(monkeypatch):
    class Slipped:
        def pgettext(self, context, message):
            return "你忘了链式法则。" if context == "chain.missing_inner" else message

    translation.engine_words.cache_clear()
    monkeypatch.setattr(translation, "catalogue", lambda tag: Slipped())
    try:
        words = translation.engine_words("zh-CN")
        assert words["chain.missing_inner"] == ENGLISH["chain.missing_inner"]
    finally:
        translation.engine_words.cache_clear()


def test_make_compiles_the_catalogues():
    if shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "pybabel").exists():
        pytest.skip("no make or no .venv here")
    mo = Path(DIRECTORY / "zh_Hans_CN" / "LC_MESSAGES" / "messages.mo")
    os.utime(mo.with_suffix(".po"))  # newer than its .mo: make compiles it again
    done = subprocess.run(
        ["make", str(mo.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "pybabel compile" in done.stdout
    assert mo.exists() and translation.gettext("Sign out", "zh-CN") == "退出登录"


def test_the_documented_translation_commands_run_as_written(tmp_path):
    """docs/translating.md's `make translations-update` then `make translations`, in a copy
    of the tree: every message stays translated, and the compiled catalogue speaks Chinese."""
    if shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "pybabel").exists():
        pytest.skip("no make or no .venv here")
    stamp = ROOT / ".venv" / ".installed"
    needs = [ROOT / "requirements.txt", ROOT / "requirements-dev.txt"]
    if not stamp.exists() or stamp.stat().st_mtime < max(p.stat().st_mtime for p in needs):
        pytest.skip("the .venv is older than the requirements (make would install first)")
    doc = (ROOT / "docs" / "translating.md").read_text(encoding="utf-8")
    assert "\nmake translations-update\n" in doc and "`make translations`" in doc
    for name in ("Makefile", "babel.cfg", "requirements.txt", "requirements-dev.txt"):
        shutil.copy2(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "grader", tmp_path / "grader", ignore=shutil.ignore_patterns("*.mo"))
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    for command in (["make", "translations-update"], ["make", "translations"]):
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    po = tmp_path / "grader/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
    with po.open("rb") as source:
        updated = read_po(source)
    untranslated = [m.id for m in updated if m.id and not m.string]
    assert not untranslated
    mo = po.with_suffix(".mo")
    with mo.open("rb") as compiled:
        assert Translations(compiled).gettext("Sign out") == "退出登录"
