from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veyedesk.config import data_dir
from veyedesk.media.demo_media import demo_recording_args
from veyedesk.media.probe import probe, streams_summary
from veyedesk.model import Cut, Episode, Location, RawFile
from veyedesk.services.demo import DemoPlan, create_demo, demo_exists
from veyedesk.services.editing.draft import load_draft
from veyedesk.services.errors import AlreadyExists

SMALL = DemoPlan(day=date(2026, 3, 14), file_seconds=4.0, gap_seconds=1.0)


def test_creates_two_rooms_eight_talks_and_real_recordings_with_a_gap(session: Session) -> None:
    folder = data_dir() / "demo"
    messages: list[str] = []
    result = create_demo(session, folder, SMALL, progress=messages.append)
    session.commit()
    assert (result.episodes, result.raw_files) == (8, 6)
    assert demo_exists(session) == result.show_id
    assert messages[0].startswith("recording 1/6") and "ready" in messages[-1]
    raws = list(session.scalars(select(RawFile).order_by(RawFile.location_id, RawFile.start)))
    assert [r.filename for r in raws[:3]] == [
        "2026-03-14/10_00_00.mp4",
        "2026-03-14/10_00_05.mp4",
        "2026-03-14/10_00_10.mp4",
    ]
    for raw in raws:
        path = raw.path("")
        assert path.is_file() and str(path).startswith(str(folder))
        assert raw.duration == pytest.approx(4.0, abs=0.1) and raw.fps == 25.0
        # One spelling of a probe's streams, whoever wrote the row (issue 19 item 3).
        assert raw.streams == streams_summary(probe(path))
    # Files of a room leave a gap, as a recorder restarted between talks.
    assert (raws[1].start - raws[0].start).total_seconds() == 5.0
    room2 = session.scalar(select(Location).where(Location.slug == "demo_room_2"))
    assert room2 is not None and room2.channelcopy == "01"
    # Every talk has applied cuts; the one over the first gap spans two files. Files near
    # the slot get a whole-file cut that is not applied (Veyepar's association).
    counts = dict(
        session.execute(
            select(Cut.episode_id, func.count()).where(Cut.apply.is_(True)).group_by(Cut.episode_id)
        ).all()
    )
    assert len(counts) == 8 and max(counts.values()) == 2
    spanning = next(e for e, n in counts.items() if n == 2)
    draft = load_draft(session, spanning, "")
    first, second = [c for c in draft.cuts if c.apply]
    assert first.start is not None and first.end is None  # from inside the file to its end
    assert second.start is None and second.end is not None
    assert draft.cuts_time() == pytest.approx(2.9 - 1.0, abs=0.05)
    names = list(session.scalars(select(Episode.name)))
    assert any("\\" in n and "🎥" in n for n in names)


def test_a_second_run_refuses_and_changes_nothing(session: Session) -> None:
    create_demo(session, data_dir() / "demo", SMALL)
    session.commit()
    with pytest.raises(AlreadyExists, match="demo show exists"):
        create_demo(session, data_dir() / "demo", SMALL)
    assert session.scalar(select(func.count()).select_from(Episode)) == 8


def test_recording_args_escape_the_label_and_silence_the_right_channel(tmp_path: Path) -> None:
    args = demo_recording_args(
        tmp_path / "x.mp4", 2.0, label="Room: 100%", wall_start=36000.0, left_only=True
    )
    graph = args[args.index("-vf") + 1]
    assert "Room\\: 100\\%" in graph and "%{pts\\:hms\\:36000.000}" in graph
    audio = next(a for a in args if a.startswith("aevalsrc="))
    assert "|0:" in audio
    assert args[-1] == f"file:{tmp_path / 'x.mp4'}"


def test_the_burnt_in_demo_file_is_playable_with_both_channels(tmp_path: Path) -> None:
    from veyedesk.media.demo_media import render_demo_recording

    path = render_demo_recording(tmp_path / "a b.mp4", 1.0, label="A", wall_start=0.0)
    info = probe(path)
    assert info.video is not None and info.audio is not None and info.audio.channels == 2
    assert info.duration == pytest.approx(1.0, abs=0.1)
    assert not list(tmp_path.glob("*.part.mp4"))


def test_ffmpeg_failing_is_a_clear_error_and_creates_nothing(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from veyedesk.services.demo import DemoFailed

    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(DemoFailed, match=r"ffmpeg is not installed.*not created"):
        create_demo(session, data_dir() / "demo", SMALL)
    assert demo_exists(session) is None
