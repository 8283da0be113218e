"""A talk's own title image travels with a venue copy both ways (issue 19 item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.services.venue.support import copy_of, dump, edit, seed_shared, sqlite
from veyedesk.services.venue.syncing import sync


@pytest.fixture
def shared(db_url: str, session: Session) -> tuple[str, Engine, list[str]]:
    fixture = seed_shared(session)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return db_url, engine, [e.uuid for e in fixture.episodes]


def test_a_title_image_chosen_at_the_venue_reaches_the_shared_database(
    shared: tuple[str, Engine, list[str]], tmp_path: Path
) -> None:
    url, engine, talks = shared
    copy_of(url, tmp_path / "v.db")
    local = sqlite(tmp_path / "v.db")
    edit(local, talks[0], title_image="pyconf/titles/opening.svg")
    assert sync(local).conflicts == []
    assert dump(engine)["episode"][talks[0]]["title_image"] == "pyconf/titles/opening.svg"
    local.dispose()
