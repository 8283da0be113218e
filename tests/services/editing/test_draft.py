import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.db import session_factory
from veyedesk.model import Cut, Episode
from veyedesk.services.editing.draft import (
    CutDraft,
    EditConflict,
    load_draft,
    resolve_conflict,
    save_draft,
)
from veyedesk.services.errors import InvalidInput


def test_load_gives_fields_cuts_and_the_room_days_files(
    session: Session, show: ShowFixture
) -> None:
    ep = show.episodes[1]
    draft = load_draft(session, ep.id, "/srv/raw")
    assert draft.fields["name"] == ep.name and draft.serial == 0
    assert [c.raw_file_id for c in draft.cuts] == [c.raw_file_id for c in ep.cuts]
    # Room A's day has 3 talks x 2 files; room B's files are not offered.
    assert len(draft.raw_files) == 6
    info = draft.raw_files[ep.cuts[0].raw_file_id]
    assert str(info.path).startswith("/srv/raw/pyconf/pyconf_2026/dv/room_a/2026-02-01/")
    assert draft.cuts_time() == pytest.approx(2400.0)


def test_save_writes_fields_and_cuts_and_bumps_the_serial(
    session: Session, show: ShowFixture
) -> None:
    ep = show.episodes[0]
    base = load_draft(session, ep.id, "")
    draft = base.copy()
    draft.fields["name"] = 'Keynote: "Why?" \\ 100% 🎥'
    draft.fields["channelcopy"] = "01"
    draft.cuts[0].start = 61.24
    draft.cuts[1].end = 300.0
    extra_raw = next(r for r in draft.raw_files if r not in {c.raw_file_id for c in draft.cuts})
    draft.cuts.append(CutDraft(raw_file_id=extra_raw, sequence=3, start=0.0, end=10.0, apply=False))
    saved = save_draft(session, draft, base, "ed@laptop")
    session.commit()
    session.expire_all()
    row = session.get(Episode, ep.id)
    assert row is not None
    assert row.name == 'Keynote: "Why?" \\ 100% 🎥' and row.channelcopy == "01"
    assert row.serial == 1 and saved.serial == 1
    assert set(row.edited_fields or []) == {"name", "channelcopy"}
    cuts = sorted(row.cuts, key=lambda c: c.sequence)
    assert [(c.start, c.end, c.apply, c.edited) for c in cuts] == [
        (61.24, None, True, True),
        (None, 300.0, True, True),
        (0.0, 10.0, False, True),
    ]
    assert all(c.id is not None for c in saved.cuts)

    # Deleting a cut in the draft deletes the row.
    again = saved.copy()
    del again.cuts[2]
    save_draft(session, again, saved, "ed@laptop")
    session.commit()
    assert len(session.scalars(select(Cut).where(Cut.episode_id == ep.id)).all()) == 2


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (100.0, 50.0, r"is inverted \(out before in\)"),
        (-1.0, None, "starts before the file"),
        (0.0, 5000.0, "past the end of the file"),
    ],
)
def test_impossible_cuts_are_refused_and_nothing_is_written(
    session: Session, show: ShowFixture, start: float, end: float | None, message: str
) -> None:
    ep = show.episodes[0]
    base = load_draft(session, ep.id, "")
    draft = base.copy()
    draft.fields["name"] = "changed"
    draft.cuts[0].start, draft.cuts[0].end = start, end
    with pytest.raises(InvalidInput, match=rf"cut 1 \(2026-02-01/09_00_00.dv\): .*{message}"):
        save_draft(session, draft, base, "ed")
    session.rollback()
    assert session.get(Episode, ep.id).name != "changed"  # type: ignore[union-attr]


def test_a_stale_save_touching_the_same_field_is_a_conflict(
    engine: Engine, show: ShowFixture
) -> None:
    sessions = session_factory(engine)
    ep_id = show.episodes[0].id
    with sessions() as s:
        mine_base = load_draft(s, ep_id, "")
    with sessions() as s, s.begin():
        theirs = load_draft(s, ep_id, "")
        theirs_edit = theirs.copy()
        theirs_edit.fields["name"] = "Their title"
        theirs_edit.fields["tags"] = "python"
        save_draft(s, theirs_edit, theirs, "rita@desk")
    mine = mine_base.copy()
    mine.fields["name"] = "My title"
    mine.fields["authors"] = "Me"
    with sessions() as s, s.begin(), pytest.raises(EditConflict) as info:
        save_draft(s, mine, mine_base, "ed@laptop")
    conflict = info.value
    assert conflict.fields == ["name"]
    assert conflict.theirs.fields["name"] == "Their title"
    # The editor keeps their own name; the merged save also keeps the other's tags.
    merged, new_base = resolve_conflict(mine, conflict.theirs, keep_mine={"name", "authors"})
    with sessions() as s, s.begin():
        save_draft(s, merged, new_base, "ed@laptop")
    with sessions() as s:
        row = s.get(Episode, ep_id)
        assert row is not None
        assert (row.name, row.authors, row.tags, row.serial) == ("My title", "Me", "python", 2)


def test_disjoint_concurrent_changes_merge_without_asking(
    engine: Engine, show: ShowFixture
) -> None:
    sessions = session_factory(engine)
    ep_id = show.episodes[0].id
    with sessions() as s:
        base = load_draft(s, ep_id, "")
    with sessions() as s, s.begin():
        other = base.copy()
        other.fields["tags"] = "rust"
        save_draft(s, other, base, "rita")
    mine = base.copy()
    mine.cuts[0].start = 12.0
    with sessions() as s, s.begin():
        save_draft(s, mine, base, "ed")
    with sessions() as s:
        row = s.get(Episode, ep_id)
        assert row is not None and row.tags == "rust" and row.serial == 2
        assert sorted(row.cuts, key=lambda c: c.sequence)[0].start == 12.0


def test_marks_are_added_once_and_listed_for_the_room_day(
    session: Session, show: ShowFixture
) -> None:
    from datetime import datetime

    from veyedesk.services.editing.draft import room_day_marks
    from veyedesk.services.editing.open_save import add_mark
    from veyedesk.services.identity import Identity

    who = Identity("vol", "editor")
    ep = show.episodes[0]
    at = datetime(2026, 2, 1, 9, 1, 2, 345678)
    assert add_mark(session, ep.id, at, who)
    assert not add_mark(session, ep.id, at, who)  # same click twice is one mark
    assert add_mark(session, ep.id, datetime(2026, 2, 1, 8, 59), who)
    session.commit()
    assert room_day_marks(session, ep.id) == [
        datetime(2026, 2, 1, 8, 59),
        datetime(2026, 2, 1, 9, 1, 2, 345000),
    ]
    other_room = show.episodes[-1]
    assert room_day_marks(session, other_room.id) == []
