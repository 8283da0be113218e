"""Marks import into the database, on SQLite and PostgreSQL: all of a file or nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.model import Mark
from veyedesk.services.errors import InvalidInput
from veyedesk.services.ingest.marks_import import import_marks

CUT_LIST = b"2026-02-01/10_15_30\n2026-02-01/10_59_02\n"


def _marks(session: Session) -> list[tuple[datetime, str]]:
    return [tuple(r) for r in session.execute(select(Mark.click, Mark.source).order_by(Mark.click))]


def test_voctomix_cut_list_log_imports_its_marks_not_zero(
    session: Session, show: ShowFixture
) -> None:
    room = show.rooms[0]
    result = import_marks(session, show.show, room, CUT_LIST, "voctocore.log")
    session.commit()
    assert result.lines() == ["voctocore.log: 2 marks added, 0 already known"]
    assert _marks(session) == [
        (datetime(2026, 2, 1, 10, 15, 30), "voctocore.log"),
        (datetime(2026, 2, 1, 10, 59, 2), "voctocore.log"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (CUT_LIST + b"0001-01-01T00:00:00+14:00\n", r"cuts\.log: line 3: time 0001-01-01"),
        (CUT_LIST + b"cut!\n", r"cuts\.log: line 3: 'cut!' is not a timestamp"),
    ],
    ids=["year_one_plus_14h", "unrecognised_line"],
)
def test_bad_line_in_marks_file_is_a_clear_error_and_writes_nothing(
    session: Session, show: ShowFixture, data: bytes, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        import_marks(session, show.show, show.rooms[0], data, "cuts.log")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Mark)) == 0


def test_control_characters_in_the_marks_source_are_not_stored(
    session: Session, show: ShowFixture
) -> None:
    source = "/media/usb\x1b[2J/clicks\nday 1\x00.txt"
    import_marks(session, show.show, show.rooms[0], b"2026-02-01 10:00:00\n", source)
    long_source = "/" + "d" * 300 + "/clicks.txt"
    import_marks(session, show.show, show.rooms[1], b"2026-02-01 10:00:00\n", long_source)
    session.commit()
    sources = sorted(s for _, s in _marks(session))
    assert sources[0] == "/media/usb [2J/clicks day 1 .txt"
    assert sources[1].startswith("…") and sources[1].endswith("d/clicks.txt")
    assert len(sources[1]) == 200
