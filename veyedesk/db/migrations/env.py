"""Alembic environment: runs online against the engine handed in by veyedesk.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from veyedesk.model import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        raise RuntimeError("run migrations through `veyedesk db upgrade`, not the alembic CLI")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode copies a table and drops the old one; with foreign keys enforced
            # that drop deletes (ON DELETE CASCADE) or unlinks (SET NULL) every row pointing
            # to it. SQLite's own recipe: enforcement off for the change (it cannot be
            # switched inside a transaction), every key checked before the commit.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                context.configure(
                    connection=connection,
                    target_metadata=target_metadata,
                    # SQLite cannot ALTER most things; batch mode copies the table instead.
                    render_as_batch=sqlite,
                    compare_type=True,
                )
                context.run_migrations()
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def _check_foreign_keys(connection: Connection) -> None:
    """Refuse (roll back) a migration that left a row pointing to nothing."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _fk = broken[0]
        raise RuntimeError(
            f"migration left {len(broken)} row(s) pointing to nothing (first: {table} row "
            f"{rowid} -> {parent}); nothing was changed"
        )


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
