"""encode.plan: the ffmpeg arguments for representative episodes, pinned without running ffmpeg."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from veyedesk.config import DEFAULT_PROFILES
from veyedesk.encode.plan import (
    PREROLL,
    CutSource,
    Loudnorm,
    PlanError,
    PlanSpec,
    chapters,
    encode_args,
    expected_duration,
    ffmetadata,
    fit_box,
    measure_args,
    preroll,
    samples_for_frames,
)

MP4 = DEFAULT_PROFILES["mp4"]
DV = CutSource(
    Path("/raw/room_a/10_00_00.dv"),
    start=3600.0,
    duration=12.0,
    label="cut 1 (10_00_00.dv)",
    interlaced=True,
    width=720,
    height=576,
    display_aspect="16:9",
)
MP4_CUT = CutSource(
    Path("/raw/room_a/-odd:name.mp4"),
    start=0.0,
    duration=2.5,
    label="cut 2",
    width=1280,
    height=720,
    display_aspect="16:9",
)
MEASURED = Loudnorm(-16.0, "-23.10", "-4.20", "6.30", "-33.40", "0.20")


def spec(**changes: object) -> PlanSpec:
    base = PlanSpec(
        cuts=(DV, MP4_CUT),
        profile=MP4,
        output=Path("/out/c/s/mp4/talk.mp4.part"),
        title_image=Path("/work/title.png"),
        credits_image=Path("/work/credits.png"),
        chapters_file=Path("/work/chapters.txt"),
        metadata=(("title", 'A "talk": 100% \\ new\nline 🎉'), ("artist", "Ann, Bob")),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_inputs_seek_before_open_for_every_cut() -> None:
    args = encode_args(spec())
    # title slide, then each cut with -ss and -t before its -i, then credits, then chapters;
    # every input is a local file: protocols restricted, `file:` prefixed.
    only = ["-protocol_whitelist", "file,pipe"]
    assert args[5:17] == [
        "-loop", "1", "-framerate", "25", "-t", "5.04", *only, "-i", "file:/work/title.png",
        "-ss", "3600",
    ]  # fmt: skip
    assert args[17:23] == ["-t", "12.04", *only, "-i", "file:/raw/room_a/10_00_00.dv"]
    assert args[23:31] == [
        "-ss", "0", "-t", "2.52", *only, "-i", "file:/raw/room_a/-odd:name.mp4",
    ]  # fmt: skip
    assert args[31:41] == [
        "-loop", "1", "-framerate", "25", "-t", "4.04", *only, "-i", "file:/work/credits.png",
    ]  # fmt: skip
    assert args[41:47] == ["-f", "ffmetadata", *only, "-i", "file:/work/chapters.txt"]
    assert args[-5:] == ["-progress", "pipe:1", "-f", "mp4", "file:/out/c/s/mp4/talk.mp4.part"]
    # Nothing reaches ffmpeg as a bare path or with another protocol allowed.
    inputs = [i for i, a in enumerate(args) if a == "-i"]
    assert len(inputs) == 5
    assert all(args[i - 2 : i] == only and args[i + 1].startswith("file:") for i in inputs)


def test_filter_graph_pins_video_chain_for_dv_and_progressive() -> None:
    graph = encode_args(spec())[encode_args(spec()).index("-filter_complex") + 1]
    chains = graph.split(";")
    assert chains[1] == (
        "[1:v]setpts=PTS-STARTPTS,bwdif=mode=send_frame:parity=auto:deint=all,"
        "scale=1280:720,setsar=1,format=yuv420p,fps=25,tpad=stop_mode=clone:stop=1,"
        "trim=end_frame=300,setpts=PTS-STARTPTS[v1]"
    )
    assert chains[3].startswith("[2:v]setpts=PTS-STARTPTS,scale=1280:720,setsar=1")
    assert "trim=end_frame=62" in chains[3]  # 2.5 s at 25 fps rounds to 62 frames (2.48 s)
    assert chains[-2] == "[v0][v1][v2][v3]concat=n=4:v=1:a=0[vout]"
    assert chains[-1] == "[atitle][talk][acredits]concat=n=3:v=0:a=1[aout]"


TS_CUT = CutSource(
    Path("/raw/room_b/09_00_00.ts"),
    start=3600.2,
    duration=10.0,
    label="cut 3",
    width=1920,
    height=1080,
    display_aspect="16:9",
)


def test_long_gop_cuts_open_a_preroll_early_and_trim_it_exactly() -> None:
    # MPEG-TS input seeks can land a GOP late: open PREROLL (5 s) early, drop 5 s exactly.
    near_start = dataclasses.replace(TS_CUT, start=1.28, label="cut 4")
    args = encode_args(spec(cuts=(TS_CUT, near_start), title_image=None, credits_image=None))
    only = ["-protocol_whitelist", "file,pipe"]
    assert args[5:13] == [
        "-ss", "3595.2", "-t", "15.04", *only, "-i", "file:/raw/room_b/09_00_00.ts",
    ]  # fmt: skip
    # Within PREROLL of the file's start: open it at 0 and trim up to the cut.
    assert args[13:21] == ["-ss", "0", "-t", "11.32", *only, "-i", "file:/raw/room_b/09_00_00.ts"]
    chains = args[args.index("-filter_complex") + 1].split(";")
    assert chains[0].startswith("[0:v]trim=start=4.999,setpts=PTS-STARTPTS,scale=1280:720,")
    assert chains[1].startswith("[0:a]aresample=48000,atrim=start=5,asetpts=PTS-STARTPTS,aformat=")
    assert chains[2].startswith("[1:v]trim=start=1.279,setpts=PTS-STARTPTS,scale=1280:720,")
    assert chains[3].startswith(
        "[1:a]aresample=48000,atrim=start=1.28,asetpts=PTS-STARTPTS,aformat="
    )
    # The measure pass reads the same audio.
    measure = measure_args(
        spec(cuts=(TS_CUT,), loudnorm=Loudnorm(-16.0), title_image=None, credits_image=None)
    )
    assert measure[4:10] == args[5:11]
    graph = measure[measure.index("-filter_complex") + 1]
    assert graph.startswith("[0:a]aresample=48000,atrim=start=5,asetpts=")


def test_dv_and_cuts_at_zero_need_no_preroll() -> None:
    assert preroll(DV) == 0.0  # intra-only: the input seek is exact
    assert preroll(dataclasses.replace(DV, path=Path("/raw/X.DV"))) == 0.0
    assert preroll(MP4_CUT) == 0.0  # starts at the file's start
    assert preroll(TS_CUT) == PREROLL


def test_four_by_three_dv_is_pillarboxed_with_square_pixels() -> None:
    four_three = dataclasses.replace(DV, display_aspect="4:3")
    graph = encode_args(spec(cuts=(four_three,)))
    text = graph[graph.index("-filter_complex") + 1]
    assert "scale=960:720,pad=1280:720:160:0:black,setsar=1" in text
    assert fit_box(__import__("fractions").Fraction(16, 9), 720, 576) == (720, 404)


@pytest.mark.parametrize(
    ("code", "pan"),
    [
        ("m", "pan=stereo|c0=0.5*c0+0.5*c1|c1=0.5*c0+0.5*c1"),
        ("01", "pan=stereo|c0=c0|c1=c0"),
        ("10", "pan=stereo|c0=c1|c1=c1"),
    ],
)
def test_channelcopy_becomes_pan(code: str, pan: str) -> None:
    args = encode_args(spec(channelcopy=code))
    graph = args[args.index("-filter_complex") + 1]
    assert f"[1:a]aresample=48000,asetpts=PTS-STARTPTS,{pan}," in graph
    assert graph.count("pan=") == 2  # one per cut, none on the silent slides


def test_channelcopy_unchanged_has_no_pan_and_bad_code_is_refused() -> None:
    for code in ("", "00"):
        args = encode_args(spec(channelcopy=code))
        assert "pan=" not in args[args.index("-filter_complex") + 1]
    with pytest.raises(PlanError, match="channelcopy 'xx'"):
        encode_args(spec(channelcopy="xx"))


def test_av_offset_delays_or_advances_audio() -> None:
    later = encode_args(spec(av_offset_ms=120))
    assert "adelay=120:all=1,apad=whole_len=576000" in later[later.index("-filter_complex") + 1]
    earlier = encode_args(spec(av_offset_ms=-80))
    text = earlier[earlier.index("-filter_complex") + 1]
    assert "atrim=start=0.08,asetpts=PTS-STARTPTS,apad=whole_len=576000" in text


def test_audio_lasts_exactly_as_long_as_the_frames() -> None:
    assert samples_for_frames(62, 25.0) == 119040
    assert samples_for_frames(30, 30.0) == 48000
    args = encode_args(spec())
    graph = args[args.index("-filter_complex") + 1]
    assert "apad=whole_len=119040,atrim=end_sample=119040" in graph
    assert expected_duration(spec()) == pytest.approx((125 + 300 + 62 + 100) / 25)


def test_user_text_never_enters_the_filter_graph() -> None:
    args = encode_args(spec())
    graph = args[args.index("-filter_complex") + 1]
    assert "talk" not in graph.replace("[talk]", "")
    assert "-metadata" in args
    assert args[args.index("-metadata") + 1] == 'title=A "talk": 100% \\ new\nline 🎉'
    assert args[args.index("-map_metadata") + 1] == "4"  # the FFMETADATA input
    assert args[args.index("-map_chapters") + 1] == "4"


def test_chapters_at_cut_boundaries_with_the_slides_in_the_first_and_last() -> None:
    assert chapters(spec()) == [(0.0, 17.0, "Part 1"), (17.0, 23.48, "Part 2")]
    text = ffmetadata(spec())
    assert text.startswith(";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=17000\n")
    assert "START=17000\nEND=23480\ntitle=Part 2\n" in text
    bare = spec(title_image=None, credits_image=None)
    assert chapters(bare) == [(0.0, 12.0, "Part 1"), (12.0, 14.48, "Part 2")]


def test_chapter_titles_are_the_cut_comments_escaped_for_ffmetadata() -> None:
    hostile = dataclasses.replace(DV, comment="Intro; a=b #1 \\ end\nsecond line")
    text = ffmetadata(spec(cuts=(hostile, MP4_CUT)))
    assert "title=Intro\\; a\\=b \\#1 \\\\ end\n" in text
    assert "title=Part 2\n" in text
    assert text.count("[CHAPTER]") == 2


def test_loudnorm_measure_pass_reads_only_cut_audio() -> None:
    args = measure_args(spec(loudnorm=Loudnorm(-16.0)))
    assert "file:/work/title.png" not in args
    assert args.count("-ss") == 2
    graph = args[args.index("-filter_complex") + 1]
    assert graph.endswith(
        "[a0][a1]concat=n=2:v=0:a=1,loudnorm=I=-16:TP=-1.5:LRA=11:print_format=json[out]"
    )
    assert args[-3:] == ["-f", "null", "-"]


def test_loudnorm_apply_pass_uses_measured_values_linearly() -> None:
    args = encode_args(spec(loudnorm=MEASURED))
    graph = args[args.index("-filter_complex") + 1]
    assert (
        "[a1][a2]concat=n=2:v=0:a=1,loudnorm=I=-16:TP=-1.5:LRA=11:measured_I=-23.10:"
        "measured_TP=-4.20:measured_LRA=6.30:measured_thresh=-33.40:offset=0.20:linear=true:"
        "print_format=summary,aresample=48000" in graph
    )
    with pytest.raises(PlanError, match="measure pass first"):
        encode_args(spec(loudnorm=Loudnorm(-16.0)))


def test_wide_loudness_range_widens_target_so_linear_mode_holds() -> None:
    wide = dataclasses.replace(MEASURED, measured_lra="17.00")
    graph = encode_args(spec(loudnorm=wide))
    assert "LRA=17.1:measured_I" in graph[graph.index("-filter_complex") + 1]


def test_webm_profile_names_its_muxer_and_codecs() -> None:
    args = encode_args(spec(profile=DEFAULT_PROFILES["webm"], output=Path("/o/t.webm.part")))
    assert args[args.index("-c:v") + 1] == "libvpx-vp9"
    assert args[args.index("-c:a") + 1] == "libopus"
    assert args[-3:] == ["-f", "webm", "file:/o/t.webm.part"]


def test_no_title_no_credits_is_just_the_cuts() -> None:
    args = encode_args(spec(title_image=None, credits_image=None, chapters_file=None))
    graph = args[args.index("-filter_complex") + 1]
    assert graph.split(";")[-2] == "[v0][v1]concat=n=2:v=1:a=0[vout]"
    assert graph.split(";")[-1] == "[talk]concat=n=1:v=0:a=1[aout]"
    assert args[args.index("-map_metadata") + 1] == "-1"


def test_impossible_plans_are_refused_naming_the_cut() -> None:
    with pytest.raises(PlanError, match="no applied cuts"):
        encode_args(spec(cuts=()))
    tiny = dataclasses.replace(MP4_CUT, duration=0.01)
    with pytest.raises(PlanError, match="cut 2: is shorter than one frame"):
        encode_args(spec(cuts=(tiny,)))
    with pytest.raises(PlanError, match="only for normalised"):
        measure_args(spec())
