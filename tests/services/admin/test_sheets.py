from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from tests.support.stills import fake_tesseract, make_sheet
from veyedesk.media.ocr import OCR_OFF_MESSAGE, find_ocr
from veyedesk.model import ImageFile
from veyedesk.model.recording import SheetOcr
from veyedesk.services.admin.sheets import (
    episode_sheets,
    import_for_episode,
    import_sheets,
    link_sheet,
    ocr_lines,
    ocr_targets,
    read_sheets,
    sheet_text_by_episode,
    store_ocr,
    unlink_sheet,
)
from veyedesk.services.errors import InvalidInput, NotFound, PermissionDenied
from veyedesk.services.identity import Identity

DAY = date(2026, 2, 1)
EDITOR = Identity("ed@laptop", "editor")


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ImageFile)) or 0


def test_import_copies_under_the_show_and_links_talks_by_time(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    room = show.rooms[0]  # talks 09:00-09:30, 09:45-10:15, 10:30-11:00
    files = [
        make_sheet(tmp_path / "in" / "IMG_20260201_095012.jpg"),  # during talk 2 (name)
        make_sheet(tmp_path / "in" / "scan1.jpg", taken=datetime(2026, 2, 1, 9, 35)),  # EXIF
        make_sheet(tmp_path / "in" / "lunch_13_00_00.png"),  # far from every talk
        make_sheet(tmp_path / "in" / "scan2.png"),  # no time at all
    ]
    result = import_sheets(session, EDITOR, show.show, room, DAY, files, str(tmp_path / "raw"))
    session.commit()
    assert len(result.added) == 4 and not result.duplicates
    by_name = {s.original_name: s for s in result.added}
    talk1, talk2 = show.episodes[0], show.episodes[1]
    assert by_name["IMG_20260201_095012.jpg"].episodes == ((talk2.id, talk2.name),)
    # 09:35 is between talk 1 (ended 09:30) and talk 2 (09:45): the nearer one.
    assert by_name["scan1.jpg"].episodes == ((talk1.id, talk1.name),)
    assert by_name["scan1.jpg"].taken_source == "exif"
    assert by_name["lunch_13_00_00.png"].episodes == ()
    assert by_name["scan2.png"].episodes == () and by_name["scan2.png"].taken is None
    # Copied under the show's folder, per room and day; the originals are untouched.
    stored = by_name["scan1.jpg"]
    assert stored.filename == "sheets/room_a/2026-02-01/scan1.jpg"
    assert stored.path == tmp_path / "raw" / "pyconf" / "pyconf_2026" / stored.filename
    assert stored.path.read_bytes() == files[1].read_bytes() and files[1].exists()
    if find_ocr() is None:  # this machine: no tesseract
        assert (stored.ocr, result.ocr_note) == (SheetOcr.OFF, OCR_OFF_MESSAGE)
    else:
        assert (stored.ocr, result.ocr_note) == (SheetOcr.PENDING, "")
    lines = "\n".join(result.lines())
    assert "not linked to a talk (link it by hand)" in lines and "no time found" in lines


def test_same_photo_twice_is_stored_once_and_same_names_do_not_clash(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    raw = str(tmp_path / "raw")
    room = show.rooms[0]
    first = make_sheet(tmp_path / "a" / "sheet.jpg", text="one")
    other = make_sheet(tmp_path / "b" / "sheet.jpg", text="two")  # same name, other photo
    import_sheets(session, EDITOR, show.show, room, DAY, [first], raw)
    again = import_sheets(session, EDITOR, show.show, room, DAY, [first, other], raw)
    session.commit()
    assert [name for name, _ in again.duplicates] == ["sheet.jpg"]
    assert [s.filename for s in again.added] == ["sheets/room_a/2026-02-01/sheet-2.jpg"]
    assert _count(session) == 2


def test_bad_files_refuse_the_whole_import_and_write_nothing(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    good = make_sheet(tmp_path / "good.jpg")
    fake = tmp_path / "fake.jpg"
    fake.write_text("hello")
    for files, message in [
        ([good, fake], r"fake\.jpg: not an image"),
        ([good, tmp_path / "missing.png"], r"missing\.png: no such file"),
        ([tmp_path / "notes.txt"], r"notes\.txt: not an image file name"),
        ([], "no files given"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            import_sheets(session, EDITOR, show.show, show.rooms[0], DAY, files, str(raw))
    session.rollback()
    assert _count(session) == 0 and not raw.exists()
    with pytest.raises(InvalidInput, match="has no raw folder"):
        import_sheets(session, EDITOR, show.show, show.rooms[0], DAY, [good], "")
    with pytest.raises(PermissionDenied):
        import_sheets(
            session, Identity("rev", "reviewer"), show.show, show.rooms[0], DAY, [good], str(raw)
        )


def test_link_and_unlink_by_hand_and_the_episode_sees_its_sheets(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    raw = str(tmp_path / "raw")
    talk1, talk2, talk3 = show.episodes[:3]
    (sheet,) = import_sheets(
        session, EDITOR, show.show, show.rooms[0], DAY, [make_sheet(tmp_path / "s.png")], raw
    ).added
    assert sheet.episodes == ()
    linked = link_sheet(session, EDITOR, sheet.id, talk3.id, raw)
    assert linked.episodes == ((talk3.id, talk3.name),)
    session.commit()
    assert [s.id for s in episode_sheets(session, talk3.id, raw)] == [sheet.id]
    # The other talks of the room-day offer it (after their own), to link by hand.
    assert [s.id for s in episode_sheets(session, talk1.id, raw)] == [sheet.id]
    other_room_talk = next(e for e in show.episodes if e.location_id == show.rooms[1].id)
    assert episode_sheets(session, other_room_talk.id, raw) == []
    assert unlink_sheet(session, EDITOR, sheet.id, talk3.id, raw).episodes == ()
    with pytest.raises(InvalidInput, match="not linked to episode"):
        unlink_sheet(session, EDITOR, sheet.id, talk2.id, raw)
    with pytest.raises(NotFound, match="no sheet 999"):
        link_sheet(session, EDITOR, 999, talk2.id, raw)
    with pytest.raises(NotFound, match="episode 12345"):
        link_sheet(session, EDITOR, sheet.id, 12345, raw)


def test_ocr_text_is_stored_and_found_per_episode(
    session: Session, show: ShowFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = str(tmp_path / "raw")
    files = [make_sheet(tmp_path / "09_50_00.png")]
    import_sheets(session, EDITOR, show.show, show.rooms[0], DAY, files, raw)
    session.commit()
    # Without tesseract (this machine has none; PATH emptied to be sure): OCR is off, once.
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    targets = ocr_targets(session, raw, show=show.show)
    outcomes = read_sheets(targets, find_ocr())
    assert ocr_lines(outcomes) == [OCR_OFF_MESSAGE]
    store_ocr(session, EDITOR, outcomes)
    session.commit()
    assert session.scalars(select(ImageFile.ocr)).all() == [SheetOcr.OFF]
    # With a (fake) tesseract on PATH: the text is stored, control characters removed.
    program = fake_tesseract(tmp_path / "bin", monkeypatch, text="Room A\x07\nGremlins talk")
    targets = ocr_targets(session, raw, show=show.show)
    assert len(targets) == 1  # "off" sheets are read once OCR is there
    outcomes = read_sheets(targets, find_ocr())
    assert find_ocr() == str(program)
    store_ocr(session, EDITOR, outcomes)
    session.commit()
    talk2 = show.episodes[1]
    assert sheet_text_by_episode(session, show.show.id) == {talk2.id: "Room A\nGremlins talk"}
    assert ocr_targets(session, raw, show=show.show) == []  # done: not read again unless asked
    assert len(ocr_targets(session, raw, show=show.show, redo=True)) == 1


def test_import_for_an_open_talk_uses_its_room_day_and_refuses_one_without(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    raw = str(tmp_path / "raw")
    talk = show.episodes[4]  # Room B, 09:45
    (sheet,) = import_for_episode(
        session, EDITOR, talk.id, [make_sheet(tmp_path / "lunch_13_00_00.png")], raw
    ).added
    assert (sheet.room, sheet.day) == ("room_b", DAY)
    assert sheet.episodes == ((talk.id, talk.name),)  # far from its slot, linked all the same
    talk.start = None
    session.flush()
    with pytest.raises(InvalidInput, match="has no room or start time"):
        import_for_episode(session, EDITOR, talk.id, [make_sheet(tmp_path / "b.png")], raw)
    with pytest.raises(NotFound, match="no episode 999"):
        import_for_episode(session, EDITOR, 999, [make_sheet(tmp_path / "c.png")], raw)


def test_only_editors_store_ocr_text(session: Session, show: ShowFixture) -> None:
    # The sheets view hides its OCR button from reviewers; the service refuses them too.
    with pytest.raises(PermissionDenied, match="rev"):
        store_ocr(session, Identity("rev", "reviewer"), [])
