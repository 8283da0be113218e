"""Fixtures every test reuses: databases (SQLite and a throwaway PostgreSQL), clips, shows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture, make_show
from tests.support.media import make_clip
from tests.support.postgres import PostgresServer, running_postgres
from veyedesk.db import make_engine, session_factory
from veyedesk.db.migrate import upgrade

TEMPLATE_DB = "veyedesk_template"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the developer's real config, data or database."""
    for key in list(os.environ):
        if key.startswith("VEYEDESK_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("VEYEDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VEYEDESK_CONFIG", str(tmp_path / "config.toml"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session, with a migrated template database."""
    with running_postgres() as server:
        server.psql_admin(f"CREATE DATABASE {TEMPLATE_DB}")
        engine = make_engine(server.url(TEMPLATE_DB))
        upgrade(engine)
        engine.dispose()
        yield server


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    """URL of a fresh, migrated PostgreSQL database (cloned from the template)."""
    return pg_server.url(pg_server.new_database(template=TEMPLATE_DB))


@pytest.fixture
def pg_empty_url(pg_server: PostgresServer) -> str:
    """URL of a fresh PostgreSQL database with no schema at all."""
    return pg_server.url(pg_server.new_database())


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a fresh, migrated SQLite database file."""
    url = f"sqlite:///{tmp_path / 'veyedesk.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated database URL; tests using it run once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated database; the test commits what it wants kept."""
    with session_factory(engine)() as s:
        yield s


@pytest.fixture
def show(session: Session) -> ShowFixture:
    """Two rooms with three talks each, raw files and cuts, committed."""
    fixture = make_show(session)
    session.commit()
    return fixture


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Generated 5-second clips: `dv` (PAL DV), `ts` (H.264 MPEG-TS), `mp4` (H.264, 10 s GOP)."""
    folder = tmp_path_factory.mktemp("clips")
    return {kind: make_clip(folder / f"clip.{kind}", kind, 5.0) for kind in ("dv", "ts", "mp4")}
