"""The gettext catalogues: messages.pot (extracted), one <locale>/LC_MESSAGES/messages.po per
language (written by translators), and the compiled .mo files `make` builds from them.

``compile_stale`` compiles each catalogue whose .mo is missing or older than its .po (what
`make translations` does with pybabel), for test runs started without make.
"""

from __future__ import annotations

from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent


def compile_stale() -> list[Path]:
    """Compile every .po newer than its .mo (or without one); returns the .mo files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(DIRECTORY.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        with mo.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        written.append(mo)
    return written
