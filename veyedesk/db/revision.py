"""The schema revision, read without importing Alembic (it costs a CLI command ~0.15 s).

Opening a database that is already current (nearly every time) needs only two facts: the
revision it is at (one row in `alembic_version`) and the newest migration this version of
veyedesk ships, read from the migration files' `revision`/`down_revision` lines. Anything
else (an empty, older or newer database) goes through veyedesk.db.migrate and Alembic.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

VERSIONS = Path(__file__).with_name("migrations") / "versions"
_LINE = re.compile(r"^(revision|down_revision)\s*=\s*['\"]?([^'\"\s]*)['\"]?\s*$", re.MULTILINE)


@cache
def shipped_head() -> str | None:
    """The newest migration in the package (None if the files cannot be read this way)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        fields = dict(_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" in fields:
            revisions.add(fields["revision"])
            if fields.get("down_revision") not in (None, "", "None"):
                parents.add(fields["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def stored_revision(engine: Engine) -> str | None:
    """The revision recorded in the database (None when there is no Alembic table yet)."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        return None


def is_current(engine: Engine) -> bool:
    """True when the database is exactly at the shipped head."""
    head = shipped_head()
    return head is not None and stored_revision(engine) == head
