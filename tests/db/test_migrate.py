from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Column, Integer, Table, text

from veyedesk.db import DatabaseError, make_engine, open_database
from veyedesk.db.engine import check_reachable
from veyedesk.db.migrate import (
    check_models_match_migrations,
    current_revision,
    head_revision,
    upgrade,
)
from veyedesk.model import Base


def test_opening_an_empty_sqlite_database_migrates_it(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'new' / 'v.db'}")
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000
        # FULL (2), not NORMAL (1): a save acknowledged to the editor survives a power cut.
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2
    engine.dispose()


@pytest.mark.postgres
def test_a_postgres_database_that_is_behind_is_refused_with_the_fix(pg_empty_url: str) -> None:
    with pytest.raises(DatabaseError, match="db upgrade"):
        open_database(pg_empty_url)
    engine = make_engine(pg_empty_url)
    assert current_revision(engine) is None  # refused means untouched
    upgrade(engine)
    engine.dispose()
    open_database(pg_empty_url).dispose()


def test_a_database_from_a_newer_veyedesk_is_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
    with pytest.raises(DatabaseError, match="newer veyedesk"):
        open_database(db_url)
    with pytest.raises(DatabaseError, match="newer veyedesk"):
        upgrade(engine)
    assert current_revision(engine) == "ffff_from_the_future"
    engine.dispose()


def test_models_match_migrations_on_both_backends(db_url: str) -> None:
    assert check_models_match_migrations(make_engine(db_url)) == []


def test_check_notices_a_model_change_without_a_migration() -> None:
    extra = Table("not_migrated_yet", Base.metadata, Column("id", Integer, primary_key=True))
    try:
        diffs = check_models_match_migrations()
    finally:
        Base.metadata.remove(extra)
    assert any("not_migrated_yet" in str(d) for d in diffs)
    assert check_models_match_migrations() == []


def test_unreachable_postgres_fails_fast_with_the_server_named() -> None:
    engine = make_engine("postgresql+psycopg://u:secret@127.0.0.1:1/veyedesk")
    with pytest.raises(DatabaseError, match=r"cannot reach the database .*127\.0\.0\.1") as info:
        check_reachable(engine)
    assert "secret" not in str(info.value)


def test_a_bad_url_is_named() -> None:
    with pytest.raises(DatabaseError, match="not a database URL"):
        make_engine("not a url")
    with pytest.raises(DatabaseError, match="unsupported database"):
        make_engine("mysql://x@y/z")


def test_the_head_read_without_alembic_is_alembics_head(tmp_path) -> None:
    """db.revision decides "current" without Alembic: it must agree with Alembic."""
    from veyedesk.db import make_engine, revision
    from veyedesk.db.migrate import head_revision, upgrade

    assert revision.shipped_head() == head_revision()
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    assert revision.stored_revision(engine) is None and not revision.is_current(engine)
    upgrade(engine, "0001")
    assert revision.stored_revision(engine) == "0001" and not revision.is_current(engine)
    upgrade(engine)
    assert revision.is_current(engine)
    engine.dispose()


def _insert(conn, table: str, **values) -> None:
    """Insert a row into a table as an older schema has it, filling NOT NULL columns."""
    reflected = sa.Table(table, sa.MetaData(), autoload_with=conn)
    for column in reflected.columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        if column.server_default is None:
            python_type = column.type.python_type
            values[column.name] = {bool: False, int: 0, float: 0.0}.get(python_type, "")
    conn.execute(reflected.insert().values(**values))


def test_rows_made_before_0003_get_distinct_uuids_and_marks_become_cut_marks(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0002")
    with engine.begin() as conn:
        _insert(conn, "client", id=1, name="C", slug="c")
        _insert(conn, "show", id=1, client_id=1, name="S", slug="s")
        _insert(conn, "location", id=1, name="Room", slug="room")
        for n in range(3):
            _insert(conn, "episode", show_id=1, name=f"talk{n}", slug=f"talk{n}")
        _insert(conn, "mark", show_id=1, location_id=1, click=datetime(2026, 1, 1, 10))
    upgrade(engine)
    with engine.connect() as conn:
        uuids = conn.execute(text("SELECT uuid FROM episode")).scalars().all()
        mark = conn.execute(text("SELECT uuid, kind, note FROM mark")).one()
    assert len(set(uuids)) == 3 and all(len(u) == 36 for u in uuids)
    assert mark.kind == "cut" and mark.note == "" and len(mark.uuid) == 36
    engine.dispose()


def test_0014_makes_file_paths_under_the_shared_files_root_relative(tmp_path: Path) -> None:
    """Issue 19 item 9: thumbnails, title images and templates were absolute paths."""
    root = tmp_path / "shared"
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0012", files_root=str(root))
    with engine.begin() as conn:
        _insert(conn, "client", id=1, name="C", slug="c", title_svg=f"{root}/c/title.svg",
                credits="/elsewhere/credits.svg")  # fmt: skip
        _insert(conn, "show", id=1, client_id=1, name="S", slug="s")
        _insert(conn, "episode", id=1, show_id=1, name="t", slug="t",
                thumbnail=f"{root}/thumbnails/c/s/t.png", title_image=f"{root}/c/s/own.png",
                uuid="u1")  # fmt: skip
    upgrade(engine, files_root=str(root))
    with engine.connect() as conn:
        episode = conn.execute(text("SELECT thumbnail, title_image FROM episode")).one()
        client = conn.execute(text("SELECT title_svg, credits FROM client")).one()
    assert tuple(episode) == ("thumbnails/c/s/t.png", "c/s/own.png")
    assert tuple(client) == ("c/title.svg", "/elsewhere/credits.svg")  # outside: left alone
    engine.dispose()
