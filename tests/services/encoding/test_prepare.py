"""services.encoding: prepare from the database, execute without it, record a Log row."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.encode.support import make_talk
from tests.support.media import make_clip
from veyedesk.encode.run import EncodeCancelled
from veyedesk.encode.verify import VerificationFailed
from veyedesk.media.probe import probe
from veyedesk.services.encoding.execute import (
    EncodeProgress,
    discard_encode,
    execute_encode,
    make_encode,
    publish_encode,
    record_encode,
)
from veyedesk.services.encoding.prepare import plan_commands, prepare_encode
from veyedesk.services.errors import InvalidInput

pytestmark = pytest.mark.media


@pytest.fixture(scope="module")
def raw_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("raw")
    return {
        "a": make_clip(folder / "a.dv", "dv", 3.0),
        "b": make_clip(folder / "b.dv", "dv", 3.0),
        "short": make_clip(folder / "short.dv", "dv", 1.0),
    }


def test_prepare_then_execute_then_record(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path]
) -> None:
    episode, settings = make_talk(session, tmp_path, raw_clips, [("a", 1.0, None), ("b", 0.2, 1.0)])
    request = prepare_encode(session, episode.id, settings)
    session.close()  # the encode runs with no session open
    assert request.expected_duration == pytest.approx(1.0 + 2.0 + 0.8 + 1.0)
    assert request.output_path == tmp_path / "out/conf/conf_2026/small" / f"{episode.slug}.mp4"
    assert request.part_path.name == f"{episode.slug}.mp4.part"
    assert [c.interlaced for c in request.cuts] == [True, True]
    reports: list[EncodeProgress] = []
    outcome = execute_encode(request, on_progress=reports.append)
    assert outcome.output_path.is_file()
    assert not request.part_path.exists()
    assert not request.work_dir.exists()
    assert outcome.duration == pytest.approx(4.8, abs=0.04)
    assert outcome.size == outcome.output_path.stat().st_size
    assert reports and reports[-1].fraction == 1.0
    assert all(0.0 <= r.fraction <= 1.0 for r in reports)
    log = record_encode(session, request, outcome, "tester@host")
    session.commit()
    assert log.episode_id == episode.id
    assert "encoded small" in log.result and "MB" in log.result and "realtime" in log.result
    assert log.user == "tester@host"


@pytest.mark.parametrize(
    ("cuts", "message"),
    [
        ([("a", 2.0, 1.0)], r"cut \d+ \(#1, 2026-02-01/10_00_00.dv\): is inverted"),
        ([("a", 1.0, 1.0)], r"cut \d+ \(#1, .*\): is empty"),
        ([("a", 0.0, 9.0)], r"cut \d+ \(#1, .*\): ends past the end of the file"),
        ([("a", 1.0, 2.0), ("b", 5.0, None)], r"cut \d+ \(#2, .*\): starts past the end"),
    ],
)
def test_impossible_cuts_are_refused_naming_the_cut(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path], cuts: list, message: str
) -> None:
    episode, settings = make_talk(session, tmp_path, raw_clips, cuts)
    with pytest.raises(InvalidInput, match=message):
        prepare_encode(session, episode.id, settings)


def test_missing_raw_file_and_no_cuts_are_refused(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path]
) -> None:
    episode, settings = make_talk(session, tmp_path, raw_clips, [("a", 0.0, 1.0)])
    (tmp_path / "raw/conf/conf_2026/dv/room_a/2026-02-01/10_00_00.dv").unlink()
    with pytest.raises(InvalidInput, match=r"#1, .*10_00_00.dv\): the raw file .* is missing"):
        prepare_encode(session, episode.id, settings)
    for cut in episode.cuts:
        cut.apply = False
    session.commit()
    with pytest.raises(InvalidInput, match="has no applied cuts"):
        prepare_encode(session, episode.id, settings)


@pytest.mark.parametrize(
    ("normalise", "target"), [("", None), ("-23", -23.0), ("yes", -16.0), ("-14 LUFS", -14.0)]
)
def test_normalise_field_gives_the_target(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path], normalise: str, target: float
) -> None:
    episode, settings = make_talk(session, tmp_path, raw_clips, [("a", 0.0, 1.0)])
    episode.normalise = normalise
    session.commit()
    assert prepare_encode(session, episode.id, settings).loudness_target == target


def test_bad_normalise_and_unknown_profile_are_refused(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path]
) -> None:
    episode, settings = make_talk(session, tmp_path, raw_clips, [("a", 0.0, 1.0)])
    with pytest.raises(InvalidInput, match="no encode profile 'nope'"):
        prepare_encode(session, episode.id, settings, "nope")
    episode.normalise = "loud"
    session.commit()
    with pytest.raises(InvalidInput, match="normalise 'loud' is not a loudness target"):
        prepare_encode(session, episode.id, settings)


def test_dry_run_commands_show_measure_and_encode(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path]
) -> None:
    episode, settings = make_talk(session, tmp_path, raw_clips, [("a", 0.0, 1.0)])
    episode.normalise = "-16"
    session.commit()
    measure, encode = plan_commands(prepare_encode(session, episode.id, settings))
    assert measure[-3:] == ["-f", "null", "-"]
    graph = encode[encode.index("-filter_complex") + 1]
    assert "measured_I=MEASURED" in graph
    assert encode[-1].endswith(".mp4.part")
    assert not (tmp_path / "out").exists()  # a dry run writes nothing


def test_cancel_stops_ffmpeg_and_leaves_no_part(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path]
) -> None:
    episode, settings = make_talk(
        session, tmp_path, raw_clips, [("a", 0.0, None), ("b", 0.0, None)]
    )
    request = prepare_encode(session, episode.id, settings)
    cancel = threading.Event()

    def on_progress(p: EncodeProgress) -> None:
        cancel.set()  # cancel as soon as ffmpeg reports anything

    with pytest.raises(EncodeCancelled):
        execute_encode(request, on_progress=on_progress, cancel=cancel)
    assert not request.part_path.exists()
    assert not request.output_path.exists()
    assert not request.work_dir.exists()


def test_rejected_output_leaves_the_previous_good_file_untouched(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path]
) -> None:
    episode, settings = make_talk(session, tmp_path, raw_clips, [("a", 0.0, None)])
    request = prepare_encode(session, episode.id, settings)
    good = execute_encode(request).output_path
    before = good.read_bytes()
    # The raw file is cut short after the cuts were checked (a recorder overwrote it, a
    # copy was interrupted): ffmpeg makes a short file, which must not be published.
    raw = tmp_path / "raw/conf/conf_2026/dv/room_a/2026-02-01/10_00_00.dv"
    raw.unlink()
    raw.symlink_to(raw_clips["short"])
    with pytest.raises(
        VerificationFailed, match=r"rejected and not published: the video stream lasts 3.0\d+ s but"
    ):
        execute_encode(request)
    assert good.read_bytes() == before
    assert not request.part_path.exists()
    assert not request.work_dir.exists()


def test_hostile_title_renders_and_lands_in_metadata(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path]
) -> None:
    episode, settings = make_talk(session, tmp_path, raw_clips, [("a", 0.0, 0.5)])
    episode.authors = "O'Brien; \\server\\share: 100%"
    session.commit()
    request = prepare_encode(session, episode.id, settings)
    outcome = execute_encode(request)
    tags = probe(outcome.output_path)
    assert tags.duration == pytest.approx(2.5, abs=0.04)
    import json
    import subprocess

    fmt = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_format", "-show_chapters", "-of", "json",
             str(outcome.output_path)],
            capture_output=True, check=True,
        ).stdout
    )  # fmt: skip
    assert fmt["format"]["tags"]["title"] == 'A "hostile": title \\ with % and\nnewline 🎉'
    assert fmt["format"]["tags"]["artist"] == episode.authors
    assert [c["tags"]["title"] for c in fmt["chapters"]] == ["Part 1"]


def test_the_encode_and_veyedesk_chapters_agree_on_titles_and_times(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path]
) -> None:
    import json
    import subprocess

    from veyedesk.services.publishing.chapters import chapters_text, episode_chapters

    episode, settings = make_talk(
        session, tmp_path, raw_clips, [("a", 0.5, 1.7), ("b", 0.0, 1.0), ("a", 2.0, None)]
    )
    first, second, _third = episode.applied_cuts()
    first.comment = 'Welcome; "a=b" #1 \\ C:\\temp\nnot part of the title'
    second.comment = "Demo 🎉"
    episode.host_url = "https://video.example.org/v/1"
    session.commit()
    expected = episode_chapters(session, episode.id, settings)
    outcome = execute_encode(prepare_encode(session, episode.id, settings))
    fmt = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(outcome.output_path)],
            capture_output=True, check=True,
        ).stdout
    )  # fmt: skip
    got = [
        (float(c["start_time"]), float(c["end_time"]), c["tags"]["title"]) for c in fmt["chapters"]
    ]
    assert [g[2] for g in got] == ['Welcome; "a=b" #1 \\ C:\\temp', "Demo 🎉", "Part 3"]
    assert [g[2] for g in got] == [c.title for c in expected]
    for (start, end, _), chapter in zip(got, expected, strict=True):
        assert start == pytest.approx(chapter.start, abs=0.002)
        assert end == pytest.approx(chapter.end, abs=0.002)
    # title slide (1 s) in the first chapter, credits (1 s) in the last: 1+1.2, 1, 1+1
    assert [c.start for c in expected] == pytest.approx([0.0, 2.2, 3.2])
    assert chapters_text(session, episode.id, settings).splitlines() == [
        '0:00 Welcome; "a=b" #1 \\ C:\\temp https://video.example.org/v/1?t=0',
        "0:02 Demo 🎉 https://video.example.org/v/1?t=2",
        "0:03 Part 3 https://video.example.org/v/1?t=3",
    ]


def test_publishing_flushes_the_file_before_the_rename_and_the_folder_after(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A power cut right after publishing must find the whole new file, or the old one."""
    episode, settings = make_talk(session, tmp_path, raw_clips, [("a", 0.0, 1.0)])
    request = prepare_encode(session, episode.id, settings)
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: os.PathLike[str] | str, dst: os.PathLike[str] | str) -> None:
        events.append(("rename", f"{src} -> {dst}"))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    execute_encode(request)
    rename = ("rename", f"{request.part_path} -> {request.output_path}")
    assert rename in events
    at = events.index(rename)
    assert ("fsync", str(request.part_path)) in events[:at]  # the data, before its new name
    assert ("fsync", str(request.output_path.parent)) in events[at + 1 :]  # the name itself


def test_each_attempt_of_a_job_has_its_own_part_and_work_folder(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path]
) -> None:
    episode, settings = make_talk(session, tmp_path, raw_clips, [("a", 0.0, 1.0)])
    base = prepare_encode(session, episode.id, settings)
    first, second = base.for_attempt(12, 1), base.for_attempt(12, 2)
    assert first.output_path == second.output_path == base.output_path
    assert first.part_path.name == f"{episode.slug}.mp4.job12-1.part"
    assert len({first.part_path, second.part_path, base.part_path}) == 3
    assert len({first.work_dir, second.work_dir, base.work_dir}) == 3
    # Attempt 1 was cut off mid-encode (its files stay); attempt 2 publishes and clears them.
    first.work_dir.mkdir(parents=True)
    first.part_path.write_bytes(b"half an encode")
    make_encode(second)
    assert first.part_path.exists()  # making never touches another attempt's files
    publish_encode(second)
    assert second.output_path.is_file() and not second.part_path.exists()
    assert not first.part_path.exists() and not first.work_dir.exists()
    assert sorted(p.name for p in base.output_path.parent.iterdir()) == [base.output_path.name]
    # An attempt that may not publish throws away only its own files.
    third = base.for_attempt(12, 3)
    make_encode(third)
    discard_encode(third)
    assert not third.part_path.exists() and second.output_path.is_file()
