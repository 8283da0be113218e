"""encode.run + encode.plan on real ffmpeg: frame-exact cuts, channelcopy, loudnorm, progress."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest

from tests.encode.support import SMALL, best_match, gray_frames, tone_level
from tests.support.media import FFMPEG, make_clip
from veyedesk.encode.plan import CutSource, Loudnorm, PlanSpec, encode_args, measure_args
from veyedesk.encode.run import (
    EncodeCancelled,
    EncodeFailed,
    EncodeProgress,
    parse_loudnorm,
    parse_speed,
    run_ffmpeg,
)
from veyedesk.media.audio_check import measure_audio
from veyedesk.media.probe import probe

pytestmark = pytest.mark.media
DV_DEINTERLACE = "bwdif=mode=send_frame:parity=auto:deint=all"


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("src")
    return {
        "dv": make_clip(folder / "a.dv", "dv", 4.0),
        "mp4": make_clip(folder / "b.mp4", "mp4", 4.0),  # 10 s GOP: seeks land mid-GOP
        "slide": make_clip(folder / "slide.mp4", "mp4", 0.04, stamp=False),
    }


def cut(path: Path, start: float, duration: float) -> CutSource:
    info = probe(path)
    assert info.video is not None
    return CutSource(
        path=path,
        start=start,
        duration=duration,
        label=path.name,
        interlaced=info.interlaced,
        width=info.video.width or 0,
        height=info.video.height or 0,
        display_aspect=info.video.display_aspect,
    )


def encode(spec: PlanSpec) -> Path:
    run_ffmpeg(encode_args(spec, FFMPEG), duration=10.0, output=spec.output)
    return spec.output


def frame_count(path: Path) -> int:
    import subprocess

    out = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(path), "-map", "0:v", "-f", "framemd5", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sum(1 for line in out.splitlines() if line and not line.startswith("#"))


def test_talk_across_two_files_is_frame_exact(sources: dict[str, Path], tmp_path: Path) -> None:
    # DV frames 25..74 (1.00-3.00 s), then MP4 frames 13..49 (0.52-2.00 s), with a 1 s
    # title before and 1 s credits after: 25 + 50 + 37 + 25 = 137 frames.
    spec = PlanSpec(
        cuts=(cut(sources["dv"], 1.0, 2.0), cut(sources["mp4"], 0.52, 1.48)),
        profile=SMALL,
        output=tmp_path / "talk.mp4",
        title_image=tmp_path / "title.png",
        title_seconds=1.0,
        credits_image=tmp_path / "title.png",
        credits_seconds=1.0,
    )
    import subprocess

    subprocess.run(
        [FFMPEG, "-v", "error", "-f", "lavfi", "-i", "color=c=navy:s=320x180", "-frames:v", "1",
         str(tmp_path / "title.png")],
        check=True,
    )  # fmt: skip
    out = encode(spec)
    assert frame_count(out) == 137
    assert probe(out).duration == pytest.approx(137 / 25, abs=0.02)

    # The DV cut sits pillarboxed (4:3 in 16:9): compare its 240x180 middle.
    dv_out = "crop=240:180:40:0"
    dv_src = f"{DV_DEINTERLACE},scale=240:180"
    got = gray_frames(out, 25, 1, dv_out)[0]
    assert (
        best_match(
            got, dict(zip((24, 25, 26), gray_frames(sources["dv"], 24, 3, dv_src), strict=True))
        )
        == 25
    )
    got = gray_frames(out, 74, 1, dv_out)[0]
    assert (
        best_match(
            got, dict(zip((73, 74, 75), gray_frames(sources["dv"], 73, 3, dv_src), strict=True))
        )
        == 74
    )
    got = gray_frames(out, 75, 1)[0]
    assert (
        best_match(got, dict(zip((12, 13, 14), gray_frames(sources["mp4"], 12, 3), strict=True)))
        == 13
    )
    got = gray_frames(out, 111, 1)[0]
    assert (
        best_match(got, dict(zip((48, 49, 50), gray_frames(sources["mp4"], 48, 3), strict=True)))
        == 49
    )


def _audio_spec(sources: dict[str, Path], tmp_path: Path, **changes: object) -> PlanSpec:
    spec = PlanSpec(
        cuts=(cut(sources["dv"], 0.5, 2.0),), profile=SMALL, output=tmp_path / "audio.mp4"
    )
    return dataclasses.replace(spec, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "left", "right"),
    [
        ("00", {440}, {880}),
        ("01", {440}, {440}),
        ("10", {880}, {880}),
        ("m", {440, 880}, {440, 880}),
    ],
)
def test_channelcopy_puts_the_expected_tone_on_each_channel(
    sources: dict[str, Path], tmp_path: Path, code: str, left: set[int], right: set[int]
) -> None:
    # The source carries 440 Hz on the left and 880 Hz on the right.
    out = encode(_audio_spec(sources, tmp_path, channelcopy=code))
    for channel, wanted in ((0, left), (1, right)):
        for hz in (440, 880):
            level = tone_level(out, channel, hz, 0.2, 1.5)
            if hz in wanted:
                assert level > -35, (code, channel, hz, level)
            else:
                assert level < -50, (code, channel, hz, level)
    diff = measure_audio(out).channel_difference_db
    assert diff is not None
    assert (diff < -50) == (code in ("01", "10", "m"))


def test_two_pass_loudnorm_lands_within_one_lu(sources: dict[str, Path], tmp_path: Path) -> None:
    for target in (-16.0, -23.0):
        spec = _audio_spec(sources, tmp_path, loudnorm=Loudnorm(target))
        measured = run_ffmpeg(measure_args(spec, FFMPEG), duration=2.0)
        values = parse_loudnorm(measured.stderr_tail)
        assert float(values["input_i"]) == pytest.approx(-18.6, abs=1)  # the two sines, as recorded
        spec = dataclasses.replace(
            spec,
            loudnorm=Loudnorm(
                target,
                values["input_i"],
                values["input_tp"],
                values["input_lra"],
                values["input_thresh"],
                values["target_offset"],
            ),
        )
        lufs = measure_audio(encode(spec)).integrated_lufs
        assert lufs is not None and abs(lufs - target) <= 1.0, (target, lufs)


def test_progress_reaches_one_and_speed_is_reported(
    sources: dict[str, Path], tmp_path: Path
) -> None:
    reports: list[EncodeProgress] = []
    spec = _audio_spec(sources, tmp_path)
    run_ffmpeg(encode_args(spec, FFMPEG), duration=2.0, on_progress=reports.append)
    assert reports[-1].fraction == 1.0
    assert [r.fraction for r in reports] == sorted(r.fraction for r in reports)
    assert any(r.speed for r in reports)


def test_failed_run_keeps_stderr_and_removes_the_partial_output(tmp_path: Path) -> None:
    out = tmp_path / "x.mp4.part"
    out.write_bytes(b"old partial")
    args = [FFMPEG, "-nostdin", "-i", str(tmp_path / "missing.dv"), "-progress", "pipe:1",
            "-f", "mp4", str(out)]  # fmt: skip
    with pytest.raises(EncodeFailed, match=r"failed \(exit code 1\)") as info:
        run_ffmpeg(args, duration=1.0, output=out)
    assert "missing.dv" in info.value.stderr_tail
    assert "ffmpeg said" in info.value.report()
    assert not out.exists()


def test_cancel_terminates_ffmpeg_and_removes_the_partial_output(tmp_path: Path) -> None:
    out = tmp_path / "endless.mp4.part"
    args = [FFMPEG, "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25",
            "-c:v", "libx264", "-preset", "ultrafast", "-progress", "pipe:1", "-f", "mp4",
            str(out)]  # fmt: skip
    cancel = threading.Event()

    def on_progress(p: EncodeProgress) -> None:
        if out.exists():
            cancel.set()

    with pytest.raises(EncodeCancelled):
        run_ffmpeg(args, duration=3600.0, on_progress=on_progress, cancel=cancel, output=out)
    assert not out.exists()


def test_speed_and_loudnorm_parsing() -> None:
    assert parse_speed("1.53x") == 1.53
    assert parse_speed("N/A") is None
    with pytest.raises(EncodeFailed, match="printed no result"):
        parse_loudnorm("no json here")
    silent = '{"input_i" : "-inf", "input_tp" : "-inf", "input_lra" : "0.00", '
    silent += '"input_thresh" : "-70.00", "target_offset" : "inf"}'
    with pytest.raises(EncodeFailed, match="the cuts are silent"):
        parse_loudnorm(silent)


def test_webm_profile_makes_vp9_and_opus_that_verify(
    sources: dict[str, Path], tmp_path: Path
) -> None:
    from veyedesk.config import DEFAULT_PROFILES
    from veyedesk.encode.plan import expected_duration
    from veyedesk.encode.verify import Expectations, check
    from veyedesk.media.durations import stream_durations

    webm = dataclasses.replace(
        DEFAULT_PROFILES["webm"], width=320, height=180, video_options=(
            "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-pix_fmt", "yuv420p",
        ),
    )  # fmt: skip
    spec = _audio_spec(
        sources, tmp_path, profile=webm, output=tmp_path / "talk.webm.part", channelcopy="10"
    )
    out = encode(spec)
    facts = probe(out)
    assert facts.format_name.startswith("matroska,webm")
    expect = Expectations(expected_duration(spec), webm, channelcopy="10")
    check(out.name, facts, measure_audio(out), expect, stream_durations(out))


def _beep_clip(path: Path) -> Path:
    """A DV clip whose audio is silent until exactly 1 s, then a 1 kHz beep."""
    import subprocess

    subprocess.run(
        [
            FFMPEG, "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc=size=720x576:rate=25:duration=3",
            "-f", "lavfi", "-i", "aevalsrc='if(gte(t,1),0.8*sin(2*PI*1000*t),0)':s=48000:d=3",
            "-target", "pal-dv", "-ac", "2", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


def _beep_onset(path: Path) -> float:
    """Seconds into `path`'s decoded audio where the beep starts (first loud sample)."""
    import subprocess
    from array import array

    pcm = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(path), "-map", "0:a", "-ac", "1", "-ar", "48000",
         "-f", "s16le", "-"],
        capture_output=True,
        check=True,
    ).stdout  # fmt: skip
    samples = array("h", pcm)
    first = next(i for i, s in enumerate(samples) if abs(s) > 3000)
    return first / 48000


@pytest.mark.parametrize("offset_ms", [120, -80])
def test_av_offset_moves_the_decoded_audio_by_that_much(tmp_path: Path, offset_ms: int) -> None:
    # Measured on the encode's decoded audio against an encode without the offset, so the
    # codec's own delay cancels out: the plan's argument string alone proves nothing.
    source = _beep_clip(tmp_path / "beep.dv")
    base = PlanSpec(cuts=(cut(source, 0.0, 3.0),), profile=SMALL, output=tmp_path / "base.mp4")
    moved = dataclasses.replace(base, output=tmp_path / "moved.mp4", av_offset_ms=offset_ms)
    shift = _beep_onset(encode(moved)) - _beep_onset(encode(base))
    assert shift == pytest.approx(offset_ms / 1000, abs=0.004)
