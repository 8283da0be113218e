"""encode.verify: what makes an encode fit to publish (pure rules, then real files)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.encode.support import SMALL
from tests.support.media import FFMPEG
from veyedesk.config import DEFAULT_PROFILES
from veyedesk.encode.verify import Expectations, VerificationFailed, check, problems
from veyedesk.media.audio_check import AudioMeasure, measure_audio
from veyedesk.media.probe import MediaInfo, StreamInfo, probe

GOOD_STREAMS = (
    StreamInfo(0, "video", "h264", width=1280, height=720),
    StreamInfo(1, "audio", "aac", channels=2),
)
MP4 = DEFAULT_PROFILES["mp4"]


def info(duration: float | None = 10.0, streams: tuple = GOOD_STREAMS) -> MediaInfo:
    return MediaInfo(Path("x.mp4"), 1, duration, "mp4", None, streams)


def audio(lufs: float | None = -16.2, diff: float | None = -91.0, decoded: float = 10.0):
    return AudioMeasure(lufs, diff, decoded)


def test_a_good_file_passes() -> None:
    expect = Expectations(10.0, MP4, channelcopy="01", loudness_target=-16.0)
    assert problems(info(), audio(), expect) == []
    check("ok.mp4", info(10.04), audio(), expect)  # one frame off is fine


def test_each_broken_promise_is_named() -> None:
    expect = Expectations(10.0, MP4, channelcopy="m", loudness_target=-16.0)
    wrong = (
        StreamInfo(0, "video", "vp9", width=640, height=360),
        StreamInfo(1, "audio", "aac", channels=1),
    )
    found = problems(info(9.9, wrong), audio(-19.5, -20.0, 9.9), expect)
    assert any(
        "the file lasts 9.900 s but title + cuts + credits make 10.000 s" in p for p in found
    )
    assert any("video is vp9, profile mp4 makes h264" in p for p in found)
    assert any("video is 640x360" in p for p in found)
    assert any("audio has 1 channels" in p for p in found)
    assert any("left minus right peaks at -20.0 dB" in p for p in found)
    assert any("loudness is -19.5 LUFS, target -16 LUFS" in p for p in found)
    assert any("only 9.90 s of the audio decodes" in p for p in found)


def test_missing_streams_and_unmeasured_audio() -> None:
    expect = Expectations(10.0, MP4)
    assert problems(info(streams=()), None, expect) == [
        "there is no video stream",
        "there is no audio stream",
    ]
    assert "the audio was not measured" in problems(info(), None, expect)
    assert problems(info(None), audio(), expect)[0].startswith("the file has no duration")


def test_check_raises_with_every_problem() -> None:
    with pytest.raises(
        VerificationFailed, match=r"^t.mp4 was rejected and not published: the file lasts 3.000 s"
    ):
        check("t.mp4", info(3.0), audio(decoded=3.0), Expectations(10.0, MP4))


@pytest.mark.media
def test_a_cut_short_file_is_rejected_though_its_index_says_full_length(tmp_path: Path) -> None:
    good = tmp_path / "good.mp4"
    subprocess.run(
        [FFMPEG, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "4",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-ac", "2", "-movflags", "+faststart", str(good)],
        check=True,
    )  # fmt: skip
    expect = Expectations(4.0, SMALL)
    check("good.mp4", probe(good), measure_audio(good), expect)
    cut_short = tmp_path / "short.mp4"
    shutil.copyfile(good, cut_short)
    with cut_short.open("r+b") as f:
        f.truncate(good.stat().st_size // 2)
    facts = probe(cut_short)
    assert facts.duration == pytest.approx(4.0, abs=0.05)  # the index still claims 4 s
    with pytest.raises(VerificationFailed, match=r"only \d\.\d\d s of the audio decodes"):
        check("short.mp4", facts, measure_audio(cut_short), expect)
