"""The Qt-free player on real libmpv with no display (vo=null, ao=null)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from veyedesk.player.engine import Player, PlayerError
from veyedesk.player.timeline import Source, Timeline

T0 = datetime(2026, 2, 1, 9, 0, 0)


class Events:
    """Collects the player's events (delivered on mpv's threads) in a queue."""

    def __init__(self) -> None:
        self.queue: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.threads: set[str] = set()

    def __call__(self, name: str, value: Any) -> None:
        self.threads.add(threading.current_thread().name)
        self.queue.put((name, value))

    def wait_for(self, name: str, cond: Any = lambda v: True, timeout: float = 10) -> Any:
        while True:
            got, value = self.queue.get(timeout=timeout)
            if got == name and cond(value):
                return value


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def player(events: Events) -> Iterator[Player]:
    p = Player(events, vo="null", ao="null")
    yield p
    p.close()


def _timeline(parts: list[Path], gap: float = 2.0) -> Timeline:
    return Timeline(
        [
            Source(10 + n, path, T0 + timedelta(seconds=n * (4.0 + gap)), 4.0)
            for n, path in enumerate(parts)
        ]
    )


def test_opens_three_files_as_one_timeline_at_a_position(
    player: Player, events: Events, dv_parts: list[Path]
) -> None:
    player.open(_timeline(dv_parts), 5.0, wait=True)
    assert events.wait_for("duration", lambda v: v) == pytest.approx(12.0)
    loc = player.location()
    assert loc is not None
    assert (loc.raw_file_id, loc.offset) == (11, pytest.approx(1.0))
    assert loc.wall == T0 + timedelta(seconds=6 + 1)
    # Events arrive on mpv's threads, never the caller's: a GUI must queue them.
    assert threading.current_thread().name not in events.threads


def test_exact_seek_across_a_file_boundary_lands_in_the_second_file(
    player: Player, dv_parts: list[Path]
) -> None:
    player.open(_timeline(dv_parts), 0.0, wait=True)
    player.seek_to(11, 0.48, wait=True)
    assert player.mpv.time_pos == pytest.approx(4.48)
    assert player.mpv.chapter == 1
    player.seek(3.96, wait=True)
    loc = player.location()
    assert loc is not None and (loc.raw_file_id, loc.offset) == (10, pytest.approx(3.96))


def test_frame_steps_move_exactly_one_frame_each_way(player: Player, dv_parts: list[Path]) -> None:
    player.open(_timeline(dv_parts), 2.0, wait=True)
    player.step_frames(1, wait=True)
    assert player.mpv.time_pos == pytest.approx(2.04)
    player.step_frames(-1, wait=True)
    player.step_frames(-1, wait=True)
    assert player.mpv.time_pos == pytest.approx(1.96)
    # Across the boundary, frame by frame.
    player.seek(3.96, wait=True)
    player.step_frames(1, wait=True)
    assert player.mpv.time_pos == pytest.approx(4.0)
    assert player.location().raw_file_id == 11  # type: ignore[union-attr]


def test_seconds_step_and_keyframe_seek_on_long_gop_mp4(player: Player, mp4_clip: Path) -> None:
    player.open(Timeline([Source(1, mp4_clip, T0, 6.0)]), 0.0, wait=True)
    player.step_seconds(3.0, wait=True)
    assert player.mpv.time_pos == pytest.approx(3.0)
    # One frame forward decodes the next frame (no exact seek); back is an exact seek.
    player.step_frames(1, wait=True)
    assert player.mpv.time_pos == pytest.approx(3.04)
    player.step_frames(-1, wait=True)
    assert player.mpv.time_pos == pytest.approx(3.0)
    assert not player.timeline.interlaced and player.mpv["vf"] == []
    player.seek(4.2, exact=False, wait=True)
    assert player.mpv.time_pos == pytest.approx(0.0)  # the only keyframe is at 0


def test_shuttle_speeds_double_on_repeat_and_k_stops(
    player: Player, events: Events, dv_parts: list[Path]
) -> None:
    player.open(_timeline(dv_parts), 6.0, wait=True)
    assert [player.shuttle(+1) for _ in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert player.mpv.speed == 8.0 and player.mpv.pause is False
    assert player.shuttle(-1) == -1.0
    assert player.mpv.pause is True and player.mpv.speed == 1.0
    # Reverse shuttle moves backwards by repeated exact seeks.
    events.wait_for("position", lambda v: v < 5.8)
    assert player.shuttle(-1) == -2.0
    assert player.shuttle(0) == 0.0
    assert player.mpv.pause is True
    assert events.wait_for("shuttle", lambda v: v == 0.0) == 0.0


def test_loop_between_in_and_out_goes_back_to_in(
    player: Player, events: Events, dv_parts: list[Path]
) -> None:
    player.open(_timeline(dv_parts), 0.0, wait=True)
    player.loop(1.0, 1.4)
    assert player.looping
    events.wait_for("position", lambda v: v >= 1.3)
    events.wait_for("position", lambda v: v < 1.2)  # wrapped round to the in point
    player.clear_loop()
    assert not player.looping


def test_audio_filters_volume_and_screenshot(
    player: Player, dv_parts: list[Path], tmp_path: Path
) -> None:
    player.open(_timeline(dv_parts), 1.0, wait=True)
    player.set_channelcopy("01")
    assert "pan=stereo|c0=c0|c1=c0" in str(player.mpv["af"])
    player.set_channelcopy("00")
    assert not player.mpv["af"]
    player.set_audio_delay(120)
    assert player.mpv["audio-delay"] == pytest.approx(0.12)
    player.volume = 200
    assert player.volume == 130.0
    shot = player.screenshot(tmp_path / "shots" / "frame.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_file_reports_an_error_event(
    player: Player, events: Events, tmp_path: Path
) -> None:
    player.open(Timeline([Source(1, tmp_path / "gone.dv", T0, 4.0)]))
    message = events.wait_for("error")
    assert "could not play" in message


def test_a_closed_player_refuses_every_use_with_a_player_error(
    events: Events, dv_parts: list[Path]
) -> None:
    # mpv's handle is freed by close(): using it afterwards crashed the process (SIGSEGV).
    closed = Player(events, vo="null", ao="null")
    closed.open(_timeline(dv_parts[:1]), wait=True)
    closed.close()
    closed.close()  # a second close is harmless
    uses: list[Callable[[], object]] = [
        lambda: closed.open(_timeline(dv_parts[:1])),
        lambda: closed.open(Timeline([])),
        closed.play,
        closed.toggle_pause,
        lambda: closed.shuttle(+1),
        lambda: closed.set_channelcopy("m"),
        lambda: closed.volume,
        lambda: closed.mpv,
    ]
    for use in uses:
        with pytest.raises(PlayerError, match="video player was closed"):
            use()
    assert closed.closed


def test_open_shows_the_keyframe_image_first_then_the_exact_frame_on_long_gop(
    player: Player, events: Events, mp4_clip: Path
) -> None:
    player.open(Timeline([Source(1, mp4_clip, T0, 6.0)]), 3.0)
    # The only keyframe is at 0: its picture comes first, then the frame at 3.0 s.
    assert events.wait_for("image") == "keyframe"
    assert events.wait_for("image") == "exact"
    assert player.mpv.time_pos == pytest.approx(3.0)
    assert player.position == pytest.approx(3.0)
    # Later seeks are exact again (the keyframe start was for this open only), mpv's own
    # included (A-B loops): hr-seek is back on.
    assert player.mpv["hr-seek"] in (True, "yes")  # python-mpv reads "yes" as True
    player.seek(4.0, wait=True)
    assert player.mpv.time_pos == pytest.approx(4.0)


def test_open_on_intra_only_dv_shows_the_exact_frame_at_once(
    player: Player, events: Events, dv_parts: list[Path]
) -> None:
    player.open(_timeline(dv_parts), 5.0)
    assert events.wait_for("image") == "exact"
    assert player.mpv.time_pos == pytest.approx(5.0)


def test_a_seek_while_opening_wins_over_the_exact_follow_up(
    player: Player, events: Events, mp4_clip: Path
) -> None:
    player.open(Timeline([Source(1, mp4_clip, T0, 6.0)]), 3.0)
    player.seek(5.0)
    events.wait_for("position", lambda v: v == pytest.approx(5.0))
    assert player.mpv.time_pos == pytest.approx(5.0)


def test_a_talk_switched_while_the_last_one_opens_gets_its_own_keyframe_then_exact(
    player: Player, events: Events, mp4_clip: Path
) -> None:
    import time

    timeline = Timeline([Source(1, mp4_clip, T0, 6.0)])
    player.open(timeline, 2.0)
    events.wait_for("image")  # the first talk's keyframe picture is up, its exact seek on
    player.open(timeline, 3.0)
    # The first open's late restart never counts for the second: the second's own two
    # pictures settle it (before, it stayed waiting for a restart that never came).
    deadline = time.monotonic() + 30  # generous; ends as soon as it settles
    while player._opening is not None or player._open_plan is not None:
        assert time.monotonic() < deadline, f"still waiting for {player._opening}"
        time.sleep(0.01)
    assert player.mpv.time_pos == pytest.approx(3.0)
    assert player.position == pytest.approx(3.0)
