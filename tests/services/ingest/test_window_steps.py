"""The window's ingest use cases: permission, progress, batches, two machines scanning at once."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from tests.support.schedules import frab_xml
from tests.support.waiting import wait_for
from veyedesk.db import session_factory
from veyedesk.media.probe import MediaInfo
from veyedesk.model import Cut, Episode, RawFile
from veyedesk.services import catalog
from veyedesk.services.episodes import add_episode
from veyedesk.services.errors import InvalidInput, PermissionDenied
from veyedesk.services.identity import Identity
from veyedesk.services.ingest.window_steps import (
    ASSOC_BATCH,
    ImportOutdated,
    ScanRaced,
    associate_show,
    import_schedule_for,
    plan_signature,
    scan_show_for,
)

EDITOR = Identity("ed", "editor")
REVIEWER = Identity("rita", "reviewer")


def _canned(path: Path) -> MediaInfo:
    # The file's name carries its start; a scan needs only a duration from the probe.
    return MediaInfo(path=path, size=1, duration=60.0, format_name="dv", creation_time=None)


def _show_with_files(session: Session, tmp_path: Path, names: list[str]) -> int:
    catalog.add_client(session, "vk")
    show = catalog.add_show(session, "vk", "vk26")
    show.raw_root = str(tmp_path / "raw")
    catalog.add_room(session, show, "room_a")
    day = tmp_path / "raw" / "dv" / "room_a" / "2026-02-01"
    day.mkdir(parents=True)
    for name in names:
        (day / name).write_bytes(b"x" * 10)
    session.commit()
    return show.id


def test_reviewers_may_not_import_scan_or_associate(session: Session, tmp_path: Path) -> None:
    show_id = _show_with_files(session, tmp_path, ["10_00_00.dv"])
    with pytest.raises(PermissionDenied):
        import_schedule_for(session, show_id, frab_xml(), "s.xml", REVIEWER)
    with pytest.raises(PermissionDenied):
        scan_show_for(session, show_id, REVIEWER, "", prober=_canned)
    with pytest.raises(PermissionDenied):
        associate_show(session, show_id, REVIEWER)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(RawFile)) == 0


def test_apply_with_the_previewed_signature_writes_and_a_stale_one_is_refused(
    session: Session, tmp_path: Path
) -> None:
    show_id = _show_with_files(session, tmp_path, [])
    preview = import_schedule_for(session, show_id, frab_xml(), "s.xml", EDITOR, dry_run=True)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Episode)) == 0
    import_schedule_for(
        session,
        show_id,
        frab_xml(),
        "s.xml",
        EDITOR,
        dry_run=False,
        expected=plan_signature(preview),
    )
    session.commit()
    assert session.scalar(select(func.count()).select_from(Episode)) == 7
    with pytest.raises(ImportOutdated) as refused:
        import_schedule_for(
            session,
            show_id,
            frab_xml(),
            "s.xml",
            EDITOR,
            dry_run=False,
            expected=plan_signature(preview),
        )
    session.rollback()
    assert refused.value.result.plan.is_noop  # what it would do now: nothing
    assert session.scalar(select(func.count()).select_from(Episode)) == 7


def test_association_runs_in_batches_and_reports_each(session: Session, tmp_path: Path) -> None:
    show_id = _show_with_files(session, tmp_path, ["10_00_00.dv"])
    scan_show_for(session, show_id, EDITOR, "", prober=_canned)
    show = catalog.get_show(session, "vk", "vk26")
    room = catalog.get_room(session, show, "room_a")
    for n in range(ASSOC_BATCH + 3):
        add_episode(
            session, show, f"Talk {n}", room=room, start=datetime(2026, 2, 1, 10), duration=30.0
        )
    session.commit()
    seen: list[tuple[int, int]] = []
    result = associate_show(session, show_id, EDITOR, progress=lambda d, t: seen.append((d, t)))
    session.commit()
    total = ASSOC_BATCH + 3
    assert seen == [(0, total), (ASSOC_BATCH, total), (total, total)]
    assert result.episodes == total and len(result.added) == total
    assert session.scalar(select(func.count()).select_from(Cut)) == total


@pytest.mark.postgres
def test_two_machines_adding_the_same_new_file_one_is_told_to_scan_again(
    pg_url: str, tmp_path: Path
) -> None:
    from veyedesk.db import make_engine

    engine: Engine = make_engine(pg_url)
    sessions = session_factory(engine)
    with sessions() as session:
        show_id = _show_with_files(session, tmp_path, ["10_00_00.dv"])
    first = sessions()
    first.begin()
    scan_show_for(first, show_id, EDITOR, "", prober=_canned)  # flushed, not committed
    outcome: list[BaseException | str] = []

    def second_machine() -> None:
        try:
            with sessions() as s, s.begin():
                scan_show_for(s, show_id, EDITOR, "", prober=_canned)
            outcome.append("written")
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=second_machine)
    thread.start()
    # Its INSERT must be waiting on the first machine's unique index entry before that
    # commits, or the race this test is about never happens: wait until PostgreSQL says so.
    with engine.connect() as watcher:
        wait_for(
            "the second machine's scan to wait on the first one's row lock",
            lambda: watcher.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ),
        )
    first.commit()
    first.close()
    thread.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], ScanRaced), outcome
    assert "scan again" in str(outcome[0])
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(RawFile)) == 1
        assert scan_show_for(s, show_id, EDITOR, "", prober=_canned).is_noop
    engine.dispose()


def test_a_raw_folder_missing_on_this_machine_is_named(session: Session, tmp_path: Path) -> None:
    show_id = _show_with_files(session, tmp_path, [])
    catalog.get_show(session, "vk", "vk26").raw_root = str(tmp_path / "not_mounted")
    session.commit()
    with pytest.raises(InvalidInput) as refused:
        scan_show_for(session, show_id, EDITOR, "", prober=_canned)
    assert str(refused.value) == (
        f"{tmp_path / 'not_mounted'}: no such folder on this machine; mount the recordings "
        "there or set the raw folder of show 'vk26' in its settings"
    )
