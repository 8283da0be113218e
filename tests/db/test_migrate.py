from datetime import datetime, timedelta
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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no schema yet, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return str(request.getfixturevalue("pg_empty_url"))


def _rows(conn, sql: str) -> list[tuple]:
    return [tuple(r) for r in conn.execute(text(sql))]


def test_0013_splits_a_room_shared_by_two_shows_losing_nothing(empty_url: str) -> None:
    """Issue 19: CCC's and another client's "Saal 1" were one room; each show gets its own."""
    engine = make_engine(empty_url)
    upgrade(engine, "0012")
    day = datetime(2026, 2, 1, 10)
    with engine.begin() as conn:
        _insert(conn, "client", id=1, name="CCC", slug="ccc")
        _insert(conn, "client", id=2, name="Other", slug="other")
        _insert(conn, "show", id=1, client_id=1, name="39C3", slug="c25")
        _insert(conn, "show", id=2, client_id=2, name="O26", slug="o26")
        _insert(
            conn,
            "location",
            id=1,
            name="Saal 1",
            slug="saal_1",
            hours_offset=2,
            dirname="s1",
            channelcopy="01",
            sequence=3,
            description="upstairs",
        )
        _insert(conn, "location", id=2, name="Nobody's", slug="orphan")
        # Only linked to c25, but o26 has a mark in it: o26 uses it too.
        _insert(conn, "location", id=3, name="Hall", slug="hall")
        # Two rooms of one show named alike (the name is unique in a show now).
        _insert(conn, "location", id=4, name="Main", slug="main_a", sequence=1)
        _insert(conn, "location", id=5, name="Main", slug="main_b", sequence=2)
        for show_id, room_id in ((1, 1), (2, 1), (1, 3), (1, 4), (1, 5)):
            _insert(conn, "show_locations", show_id=show_id, location_id=room_id)
        for n, show_id in ((1, 1), (2, 2)):
            _insert(
                conn,
                "episode",
                id=n,
                show_id=show_id,
                location_id=1,
                name=f"talk{n}",
                slug=f"talk{n}",
                uuid=f"ep-{n}",
            )
            _insert(
                conn,
                "raw_file",
                id=n,
                show_id=show_id,
                location_id=1,
                filename=f"2026-02-0{n}/10_00_00.dv",
                uuid=f"raw-{n}",
                start=day,
            )
            _insert(conn, "cut", id=n, episode_id=n, raw_file_id=n, sequence=1, uuid=f"cut-{n}")
            _insert(
                conn,
                "mark",
                id=n,
                show_id=show_id,
                location_id=1,
                click=day + timedelta(minutes=n),
                uuid=f"mark-{n}",
            )
            _insert(
                conn,
                "image_file",
                id=n,
                show_id=show_id,
                location_id=1,
                filename=f"sheets/{n}.jpg",
                uuid=f"img-{n}",
            )
        _insert(conn, "cut_tombstone", episode_id=2, raw_file_id=2, deleted_at=day)
        _insert(conn, "mark", id=3, show_id=2, location_id=3, click=day, uuid="mark-3")
        if conn.dialect.name == "postgresql":  # ids given by hand: move the sequences on
            for table in ("location", "raw_file", "mark", "episode", "cut", "image_file"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    upgrade(engine)
    with engine.connect() as conn:
        rooms = _rows(
            conn,
            "SELECT show_id, slug, name, hours_offset, dirname, channelcopy, sequence, "
            "description FROM location ORDER BY show_id, slug",
        )
        room_id = {
            (show, slug): rid
            for rid, show, slug in _rows(conn, "SELECT id, show_id, slug FROM location")
        }
        pointing = {
            table: _rows(conn, f"SELECT id, show_id, location_id FROM {table} ORDER BY id")
            for table in ("episode", "raw_file", "mark", "image_file")
        }
        cuts = _rows(conn, "SELECT id, episode_id, raw_file_id FROM cut ORDER BY id")
        tombs = _rows(conn, "SELECT episode_id, raw_file_id FROM cut_tombstone")
        tables = sa.inspect(conn).get_table_names()
    saal = ("Saal 1", 2, "s1", "01", 3, "upstairs")
    assert rooms == [
        (1, "hall", "Hall", 0, "", "", 0, ""),
        (1, "main_a", "Main", 0, "", "", 1, ""),
        (1, "main_b", "Main (main_b)", 0, "", "", 2, ""),
        (1, "saal_1", *saal),
        (2, "hall", "Hall", 0, "", "", 0, ""),
        (2, "saal_1", *saal),
    ]
    assert room_id[(1, "saal_1")] == 1 and room_id[(1, "hall")] == 3  # the first show keeps it
    for table, found in pointing.items():
        expected = [(1, 1, room_id[(1, "saal_1")]), (2, 2, room_id[(2, "saal_1")])]
        if table == "mark":
            expected.append((3, 2, room_id[(2, "hall")]))
        assert found == expected, table
    assert cuts == [(1, 1, 1), (2, 2, 2)] and tombs == [(2, 2)]
    assert "show_locations" not in tables
    engine.dispose()
    # What the application opens is in step with the models and enforces keys again.
    reopened = open_database(empty_url, upgrade_sqlite=False)
    with reopened.connect() as conn:
        if reopened.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        # Now each show may record its own Saal 1 file of the same name.
        conn.execute(
            text(
                "INSERT INTO raw_file (show_id, location_id, filename, uuid, filesize, "
                "start_source, streams, trash, missing, probe_error, ocrtext, comment) "
                "VALUES (2, :room, '2026-02-01/10_00_00.dv', 'raw-3', 0, '', '', false, "
                "false, '', '', '')"
            ),
            {"room": room_id[(2, "saal_1")]},
        )
    assert check_models_match_migrations(reopened) == []
    reopened.dispose()


def test_0013_goes_back_when_no_two_shows_share_a_room_slug(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'back.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        _insert(conn, "client", id=1, name="C", slug="c")
        _insert(conn, "show", id=1, client_id=1, name="S", slug="s")
        _insert(conn, "show", id=2, client_id=1, name="T", slug="t")
        _insert(conn, "location", id=1, show_id=1, name="Saal 1", slug="saal_1")
        _insert(conn, "location", id=2, show_id=2, name="Saal 1", slug="saal_1")
    from alembic import command

    from veyedesk.db.migrate import alembic_config

    # Down to 0013 first: the refusal below is 0013's own. (On SQLite a refusal after
    # other steps of the same downgrade leaves their batch tables behind: pysqlite does
    # not roll DDL back, so one failing step at a time is what this test can pin.)
    command.downgrade(alembic_config(engine), "0013")
    with pytest.raises(RuntimeError, match="saal_1 are in more than one show"):
        command.downgrade(alembic_config(engine), "0012")
    assert current_revision(engine) == "0013"
    with engine.begin() as conn:
        conn.execute(text("UPDATE location SET slug = 'saal_2' WHERE id = 2"))
    command.downgrade(alembic_config(engine), "0012")
    with engine.connect() as conn:
        assert _rows(conn, "SELECT show_id, location_id FROM show_locations ORDER BY 1") == [
            (1, 1),
            (2, 2),
        ]
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def test_0014_unsets_post_public_only_where_it_is_the_old_copied_default(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Issue 19: `pipeline set post command …` copied post's old public flag into the row."""
    url = f"sqlite:///{tmp_path / 'old.db'}" if backend == "sqlite" else None
    engine = make_engine(url or str(request.getfixturevalue("pg_empty_url")))
    upgrade(engine, "0013")
    from sqlalchemy.orm import Session

    from veyedesk.services import catalog

    with Session(engine) as session:  # client and show gain nothing after 0013
        catalog.add_client(session, "c", "C")
        shows = [catalog.add_show(session, "c", slug, slug).id for slug in ("s1", "s2")]
        session.commit()
    with engine.begin() as conn:
        states = dict(conn.execute(text("SELECT slug, id FROM state")).all())
        rows = [
            (shows[0], states["post"], "command", "upload {output}", True),  # copied default
            (shows[1], states["post"], "pass", None, False),  # already not public
            (shows[0], states["make public"], "command", "publish {slug}", True),
        ]
        for show, state, kind, command, public in rows:
            conn.execute(
                text(
                    "INSERT INTO show_state (show_id, state_id, kind, command, public) "
                    "VALUES (:sh, :st, :k, :c, :p)"
                ),
                {"sh": show, "st": state, "k": kind, "c": command, "p": public},
            )
    upgrade(engine)
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT s.slug, ss.show_id, ss.kind, ss.command, ss.public FROM show_state ss "
                "JOIN state s ON s.id = ss.state_id ORDER BY ss.id"
            )
        ).all()
    engine.dispose()
    assert [(*r[:4], bool(r[4])) for r in found] == [
        ("post", shows[0], "command", "upload {output}", False),
        ("post", shows[1], "pass", None, False),
        ("make public", shows[0], "command", "publish {slug}", True),
    ]


def test_0015_makes_file_paths_under_the_shared_files_root_relative(tmp_path: Path) -> None:
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
