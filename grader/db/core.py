"""Typed views of SQLAlchemy Core objects the ORM's stubs type loosely: a mapped class's Table
(typed as a FromClause) and the rows an UPDATE or DELETE matched (execute() is typed as a
plain Result, which has no rowcount)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result, Table


def table_of(model: Any) -> Table:
    """The Core table of a mapped class (declarative classes map exactly one Table)."""
    return cast(Table, model.__table__)


def rowcount(result: Result[Any]) -> int:
    """How many rows the UPDATE or DELETE that gave `result` matched."""
    return cast(CursorResult[Any], result).rowcount
