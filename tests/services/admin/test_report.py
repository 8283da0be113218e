"""The show report on a fixture show with deliberate holes (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from tests.support.factory import DAY, ShowFixture, walk_into
from veyedesk.model import RawFile
from veyedesk.services.admin.report import show_report
from veyedesk.services.episodes import add_episode


def test_report_finds_orphans_missing_overlaps_gaps_and_counts(
    session: Session, show: ShowFixture
) -> None:
    room_a, room_b = show.rooms
    # A raw file in the evening, when nothing is scheduled.
    session.add(
        RawFile(
            show=show.show,
            location=room_a,
            filename="2026-02-01/20_00_00.dv",
            start=DAY.replace(hour=20),
            duration=600.0,
        )
    )
    session.add(
        RawFile(
            show=show.show,
            location=room_a,
            filename="2026-02-01/21_00_00.dv",
            start=DAY.replace(hour=21),
            probe_error="x: the file is empty (0 bytes)",
        )
    )
    # A talk with no footage at all, and one that overlaps the first talk of room A.
    lonely = add_episode(
        session, show.show, "Late talk", room=room_b, start=DAY.replace(hour=18), duration=1800.0
    )
    clash = add_episode(
        session, show.show, "Clash", room=room_a, start=DAY + timedelta(minutes=20), duration=1200.0
    )
    # Remove the middle raw file of room B's first talk: 20 minutes of it unrecorded.
    first_b = next(e for e in show.episodes if e.location is room_b)
    second_raw = sorted((c for c in first_b.cuts), key=lambda c: c.sequence)[1]
    second_raw.raw_file.trash = True
    walk_into(session, show.episodes[0], "review 1", "ed")
    session.commit()

    report = show_report(session, show.show)
    assert [o["filename"] for o in report.orphans] == ["2026-02-01/20_00_00.dv"]
    assert [t["id"] for t in report.no_raw] == [lonely.id]
    assert [(o["first_id"], o["second_id"]) for o in report.overlaps] == [
        (show.episodes[0].id, clash.id)
    ]
    assert report.overlaps[0]["length"] == "0:10:00"
    gap = next(g for g in report.gaps if g["id"] == first_b.id)
    assert (gap["from"], gap["to"]) == ("09:20:00", "09:30:00")
    assert [u["filename"] for u in report.unreadable] == ["2026-02-01/21_00_00.dv"]
    stats = {(r["day"], r["room"]): r for r in report.stats}
    assert stats[("2026-02-01", "room_a")]["total"] == 4
    assert stats[("2026-02-01", "room_a")]["review 1"] == 1
    assert stats[("2026-02-01", "room_b")]["edit"] == 4
    text = "\n".join(report.lines())
    assert "talks with no raw file: 1" in text and "Late talk" in text
    assert "2026-02-01  room_a  4      3     1" in text
    assert set(report.as_dict()) >= {"orphan_raw_files", "talks_without_raw", "stats"}
