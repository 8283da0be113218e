"""Alembic driven from code: the migration scripts live in this package, no alembic.ini."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from veyedesk.config import mask_url
from veyedesk.db.engine import DatabaseError, make_engine
from veyedesk.model import Base

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine | None = None, files_root: str | None = None) -> Config:
    """An Alembic Config pointing at our scripts; `engine` is handed to env.py.

    `files_root` is the shared files root data migrations convert paths against (0014);
    None = this machine's settings.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    if files_root is not None:
        cfg.attributes["files_root"] = files_root
    return cfg


def head_revision() -> str:
    """The newest migration this version of veyedesk knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head", files_root: str | None = None) -> None:
    """Apply migrations up to `revision` (`files_root`: see `alembic_config`)."""
    refuse_newer(engine)
    command.upgrade(alembic_config(engine, files_root), revision)


def refuse_newer(engine: Engine) -> None:
    current = current_revision(engine)
    if current is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    try:
        script.get_revision(current)
    except Exception:
        raise DatabaseError(
            f"the database is at schema revision {current}, written by a newer veyedesk; "
            "upgrade veyedesk on this machine (this version knows up to "
            f"{head_revision()}). Nothing was changed."
        ) from None


def ensure_current(engine: Engine, *, upgrade_sqlite: bool = True) -> None:
    """Upgrade an SQLite database in place; refuse a PostgreSQL one that is behind."""
    refuse_newer(engine)
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if engine.dialect.name == "sqlite" and upgrade_sqlite:
        upgrade(engine)
        return
    where = mask_url(engine.url.render_as_string(hide_password=False))  # ?password= too
    raise DatabaseError(
        f"the database {where} is at schema revision {current or 'none (empty)'}, this "
        f"veyedesk needs {head}; run `veyedesk --db URL db upgrade` once (all users of the "
        "shared database must then run this version)"
    )


def differences(engine: Engine) -> list[Any]:
    """What the models have that the migrated database does not (empty = in step)."""
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))


def check_models_match_migrations(engine: Engine | None = None) -> list[Any]:
    """Migrate a scratch database (or `engine`) to head and compare it with the models."""
    if engine is not None:
        upgrade(engine)
        return differences(engine)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = make_engine(f"sqlite:///{tmp}/check.db")
        try:
            upgrade(scratch)
            return differences(scratch)
        finally:
            scratch.dispose()
