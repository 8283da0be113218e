"""How long a text value a column holds, read from the model's `String(n)` (the one rule).

PostgreSQL refuses a value longer than its `varchar(n)` (and with it the whole import);
SQLite stores it anyway. Importers check values against these limits first, so both
databases refuse the same file, with the field named, before anything is written.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import String

from veyedesk.model.base import Base


@cache
def column_limits(model: type[Base]) -> dict[str, int]:
    """`{column: max characters}` for every `String(n)` column of a model (Text has none)."""
    return {
        column.key: column.type.length
        for column in model.__table__.columns
        if isinstance(column.type, String) and column.type.length
    }


def too_long(model: type[Base], column: str, value: object) -> int | None:
    """The column's limit when `value` is a text longer than it, else None."""
    limit = column_limits(model).get(column)
    if limit is not None and isinstance(value, str) and len(value) > limit:
        return limit
    return None
