"""Run the Alembic migrations in the top-level `migrations/` folder (inside the package once
installed) from code.

Alembic (and the template engine it loads) is imported only when there is something to do:
`upgrade_if_needed` first compares the database's revision with the newest migration file, so
a command on an up-to-date database starts without it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

_PACKAGE = Path(__file__).resolve().parents[1]
# Installed (`pip install .`), the migrations are inside the package; in a source tree, beside it.
MIGRATIONS = next(
    (
        where
        for where in (_PACKAGE / "migrations", _PACKAGE.parent / "migrations")
        if where.is_dir()
    ),
    _PACKAGE.parent / "migrations",
)
NUMBERED = re.compile(r"^(\d{4})_\w+\.py$")  # migrations/versions/NNNN_what.py, one head
REVISION = re.compile(r"""^revision\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def alembic_config(engine: Engine) -> AlembicConfig:
    """An Alembic configuration that runs against `engine`."""
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def upgrade_if_needed(engine: Engine) -> None:
    """Migrate to the newest revision unless the database is already there."""
    if not is_current(engine):
        upgrade(engine)


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def newest_file_revision() -> str | None:
    """The revision of the highest-numbered migration file, or None when that is ambiguous
    (two files with one number: Alembic itself must then decide)."""
    numbered = sorted(
        (match.group(1), path)
        for path in (MIGRATIONS / "versions").glob("*.py")
        if (match := NUMBERED.match(path.name))
    )
    if not numbered or (len(numbered) > 1 and numbered[-1][0] == numbered[-2][0]):
        return None
    found = REVISION.search(numbered[-1][1].read_text(encoding="utf-8"))
    return found.group(1) if found else None


def is_current(engine: Engine) -> bool:
    """Whether the database is at the newest migration, read without loading Alembic."""
    newest = newest_file_revision()
    if newest is None:
        return False
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:  # no alembic_version table yet: an empty database
        return False
    return rows == [newest]
