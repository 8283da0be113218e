"""How much an import takes: a column's text length (the model's `String(n)`), a file's size.

PostgreSQL refuses a value longer than its `varchar(n)` (and with it the whole import);
SQLite stores it anyway. Importers check values against these limits first, so both
databases refuse the same file, with the field named, before anything is written.
"""

from __future__ import annotations

from functools import cache
from typing import BinaryIO

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


# A 1,000-talk frab XML is ~3 MB; anything past this is not a schedule (a video picked by
# mistake, a server sending something else) and would only fill memory.
MAX_SCHEDULE_BYTES = 50 * 1024 * 1024


def read_at_most(stream: BinaryIO, limit: int) -> bytes | None:
    """All of `stream` when it holds at most `limit` bytes, else None (reads limit+1 at most)."""
    data = stream.read(limit + 1)
    return None if len(data) > limit else data
