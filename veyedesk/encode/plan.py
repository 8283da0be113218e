"""The ffmpeg invocation for one encode, built from plain data with no I/O (tests pin it).

One ffmpeg process makes the whole file: the title image, every applied cut (each opened
with `-ss` before `-i` and `-t`, so a cut hours into a file starts at once) and the credits
image, joined by the `concat` filter, with no intermediate files.

Seek accuracy: an input seek on MPEG-TS (ffmpeg 5.1) can land up to a GOP late, so decoding
would start at the keyframe after the cut's first frame. Each cut (but DV, intra-only and
exactly seekable) is therefore opened `PREROLL` seconds early and the filter graph drops
that preroll exactly (`trim`/`atrim` on the same moment), keeping audio and video in step.

No user text ever appears inside the filter graph: titles are images, metadata goes in as
separate `-metadata key=value` arguments (an argument list, never a shell), and chapter
names (the cuts' comments, `model.chapters`) go in the FFMETADATA file with its special
characters escaped, so quotes, colons, `%`, `=`, `;` or newlines cannot break anything.

Frame exactness: every cut contributes exactly `round(duration * fps)` frames (trimmed by
frame count after the `fps` filter, with one cloned frame of slack when a source is a
rounding error short) and exactly as many audio samples as that many frames last, so the
output lasts precisely `title + sum(cuts) + credits` frames and audio never drifts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from veyedesk.config import EncodeProfile
from veyedesk.errors import UserError
from veyedesk.model import chapters as chapter_rules

# Re-exported: review and verify count a plan's frames the same way.
from veyedesk.model.cuts import (
    CHANNELCOPY_CODES,
    CHANNELCOPY_PAN,
    cut_problem,
    whole_frames as frames,
)
from veyedesk.safe_files import ffmpeg_input

SAMPLE_RATE = 48000
# Short audio fades at every join so a cut never clicks; video is never faded inside the
# talk (the frames the editor chose stay intact), only the title and credits slides.
AUDIO_FADE = 0.03
SLIDE_FADE = 0.5
LOUDNORM_TP = -1.5
LOUDNORM_LRA = 11.0


def poster_time(duration: float) -> float:
    """Where a player opening an encode shows its first visible frame: the title slide
    fades in from black (at most SLIDE_FADE seconds), so its very first frame is black."""
    return max(0.0, min(SLIDE_FADE, duration / 4))


# Seconds each cut's input seek lands before its first frame, dropped again in the graph:
# more than any GOP a recorder writes, so a late-landing seek still lands before the cut.
PREROLL = 5.0
# Intra-only formats: every frame a keyframe, the input seek is exact, so no preroll.
EXACT_SEEK_SUFFIXES = frozenset({".dv"})
# A frame at most this much before the preroll's end still counts as the cut's first: the
# seek point is rounded to microseconds, and no frame rate has frames this close together.
PREROLL_SLACK = 0.001

MUXERS = {"mp4": "mp4", "m4v": "mp4", "mov": "mov", "webm": "webm", "mkv": "matroska"}


class PlanError(UserError, ValueError):
    """The plan cannot be built from these inputs; the message names the cut or field."""


@dataclass(frozen=True)
class CutSource:
    """One applied cut, resolved to a file and probed: what the plan needs to read it."""

    path: Path
    start: float  # seconds from the start of the file
    duration: float  # seconds
    label: str = ""  # how a message names it, e.g. "cut 2 (10_00_00.dv)"
    interlaced: bool = False
    width: int = 0
    height: int = 0
    display_aspect: str | None = None  # "16:9", "4:3"; None = from width/height
    has_audio: bool = True
    comment: str = ""  # the cut's comment: its chapter's title (blank: "Part N")


@dataclass(frozen=True)
class Loudnorm:
    """EBU R128 normalisation: the target, and once measured, the first pass's values."""

    target: float
    measured_i: str | None = None
    measured_tp: str | None = None
    measured_lra: str | None = None
    measured_thresh: str | None = None
    offset: str | None = None

    @property
    def measured(self) -> bool:
        return self.measured_i is not None


@dataclass(frozen=True)
class PlanSpec:
    """Everything one encode needs, as plain data."""

    cuts: tuple[CutSource, ...]
    profile: EncodeProfile
    output: Path
    title_image: Path | None = None
    title_seconds: float = 5.0
    credits_image: Path | None = None
    credits_seconds: float = 4.0
    channelcopy: str = ""
    av_offset_ms: int = 0
    loudnorm: Loudnorm | None = None
    metadata: tuple[tuple[str, str], ...] = ()
    chapters_file: Path | None = None
    threads: int = 0  # 0 = ffmpeg's choice
    extra_output_args: tuple[str, ...] = field(default_factory=tuple)


def samples_for_frames(n: int, fps: float) -> int:
    """Audio samples that last exactly as long as `n` frames."""
    return round(Fraction(n) / Fraction(fps).limit_denominator(1001) * SAMPLE_RATE)


def segment_frames(spec: PlanSpec) -> list[int]:
    """Frames of each segment in output order: title (if any), each cut, credits (if any)."""
    fps = spec.profile.fps
    out = []
    if spec.title_image is not None:
        out.append(frames(spec.title_seconds, fps))
    out += [frames(c.duration, fps) for c in spec.cuts]
    if spec.credits_image is not None:
        out.append(frames(spec.credits_seconds, fps))
    return out


def expected_duration(spec: PlanSpec) -> float:
    """How long the output lasts, in seconds, on the profile's frame grid."""
    return sum(segment_frames(spec)) / spec.profile.fps


def chapters(spec: PlanSpec) -> list[chapter_rules.Chapter]:
    """(start, end, title) of every chapter: one per cut, title and credits slides included.

    The same rule (`model.chapters.chapters`) gives the editor's Facts tab its list.
    """
    return chapter_rules.chapters(
        [c.duration for c in spec.cuts],
        [c.comment for c in spec.cuts],
        spec.profile.fps,
        spec.title_seconds if spec.title_image is not None else 0.0,
        spec.credits_seconds if spec.credits_image is not None else 0.0,
    )


def _ffmetadata_escape(text: str) -> str:
    # FFMETADATA's special characters; a newline would end the value.
    for char in "\\=;#":
        text = text.replace(char, "\\" + char)
    return " ".join(text.split("\n"))


def ffmetadata(spec: PlanSpec) -> str:
    """The FFMETADATA text holding the chapters, titles escaped."""
    lines = [";FFMETADATA1"]
    for start, end, name in chapters(spec):
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={round(start * 1000)}",
            f"END={round(end * 1000)}",
            f"title={_ffmetadata_escape(name)}",
        ]
    return "\n".join(lines) + "\n"


def _num(value: float) -> str:
    """A number as ffmpeg reads it, without float noise (`12.04`, not `12.040000000001`)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _aspect(cut: CutSource) -> Fraction:
    if cut.display_aspect and ":" in cut.display_aspect:
        num, den = cut.display_aspect.split(":", 1)
        try:
            value = Fraction(int(num), int(den))
            if value > 0:
                return value
        except (ValueError, ZeroDivisionError):
            pass
    if cut.width and cut.height:
        return Fraction(cut.width, cut.height)
    return Fraction(16, 9)


def fit_box(aspect: Fraction, width: int, height: int) -> tuple[int, int]:
    """Largest even-sized picture of `aspect` inside width x height (letter/pillarbox)."""
    if aspect >= Fraction(width, height):
        w, h = width, round(width / aspect)
    else:
        w, h = round(height * aspect), height
    return w - w % 2, h - h % 2


def _fit_video(profile: EncodeProfile, w: int, h: int) -> str:
    W, H = profile.width, profile.height
    parts = [f"scale={w}:{h}"]
    if (w, h) != (W, H):
        parts.append(f"pad={W}:{H}:{(W - w) // 2}:{(H - h) // 2}:black")
    parts += ["setsar=1", "format=yuv420p"]
    return ",".join(parts)


def preroll(cut: CutSource) -> float:
    """Seconds before `cut.start` its input is opened at (0 for DV and at the file's start)."""
    if cut.path.suffix.lower() in EXACT_SEEK_SUFFIXES:
        return 0.0
    return min(PREROLL, cut.start)


def _cut_video(cut: CutSource, index: int, n: int, profile: EncodeProfile) -> str:
    chain = []
    back = preroll(cut)
    if back:
        chain.append(f"trim=start={_num(max(0.0, back - PREROLL_SLACK))}")
    chain.append("setpts=PTS-STARTPTS")
    if cut.interlaced:
        # One frame per frame (send_frame): the frame count, and so cut points, stay exact.
        chain.append("bwdif=mode=send_frame:parity=auto:deint=all")
    w, h = fit_box(_aspect(cut), profile.width, profile.height)
    chain.append(_fit_video(profile, w, h))
    chain += [
        f"fps={_num(profile.fps)}",
        "tpad=stop_mode=clone:stop=1",
        f"trim=end_frame={n}",
        "setpts=PTS-STARTPTS",
    ]
    return f"[{index}:v]{','.join(chain)}[v{index}]"


def _cut_audio(cut: CutSource, index: int, n: int, spec: PlanSpec) -> str:
    fps = spec.profile.fps
    total = samples_for_frames(n, fps)
    seconds = total / SAMPLE_RATE
    if not cut.has_audio:
        source = f"anullsrc=r={SAMPLE_RATE}:cl=stereo"
    else:
        source = f"[{index}:a]aresample={SAMPLE_RATE}"
        back = preroll(cut)
        if back:
            # By timestamp, like the video's trim, so both drop the same stretch even when a
            # seek lands late or the audio starts after the video; atrim cuts sample-exact.
            source += f",atrim=start={_num(back)}"
        source += ",asetpts=PTS-STARTPTS"
    chain = [source]
    pan = CHANNELCOPY_PAN.get(spec.channelcopy)
    if pan and cut.has_audio:
        chain.append(pan)
    chain.append(f"aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo")
    offset = spec.av_offset_ms
    if offset > 0 and cut.has_audio:
        chain.append(f"adelay={offset}:all=1")
    elif offset < 0 and cut.has_audio:
        chain += [f"atrim=start={_num(-offset / 1000)}", "asetpts=PTS-STARTPTS"]
    chain += [
        f"apad=whole_len={total}",
        f"atrim=end_sample={total}",
        f"afade=t=in:d={_num(AUDIO_FADE)}",
        f"afade=t=out:st={_num(max(0.0, seconds - AUDIO_FADE))}:d={_num(AUDIO_FADE)}",
    ]
    return f"{chain[0]},{','.join(chain[1:])}[a{index}]"


def _slide_video(index: int, n: int, seconds: float, profile: EncodeProfile) -> str:
    fade = min(SLIDE_FADE, seconds / 4)
    chain = [
        f"scale={profile.width}:{profile.height}:force_original_aspect_ratio=decrease",
        f"pad={profile.width}:{profile.height}:(ow-iw)/2:(oh-ih)/2:black",
        "setsar=1",
        "format=yuv420p",
        f"fps={_num(profile.fps)}",
        "tpad=stop_mode=clone:stop=1",
        f"trim=end_frame={n}",
        "setpts=PTS-STARTPTS",
        f"fade=t=in:st=0:d={_num(fade)}",
        f"fade=t=out:st={_num(n / profile.fps - fade)}:d={_num(fade)}",
    ]
    return f"[{index}:v]{','.join(chain)}[v{index}]"


def _silence(label: str, n: int, fps: float) -> str:
    total = samples_for_frames(n, fps)
    return (
        f"anullsrc=r={SAMPLE_RATE}:cl=stereo,atrim=end_sample={total},"
        f"aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo[{label}]"
    )


def _loudnorm_filter(norm: Loudnorm) -> str:
    parts = [f"I={_num(norm.target)}", f"TP={_num(LOUDNORM_TP)}"]
    if not norm.measured:
        parts += [f"LRA={_num(LOUDNORM_LRA)}", "print_format=json"]
        return "loudnorm=" + ":".join(parts)
    # Linear mode keeps the talk's dynamics (one gain for the whole file); ffmpeg only
    # allows it when the target range covers the measured one, so widen the target range.
    try:
        lra = min(50.0, max(LOUDNORM_LRA, float(norm.measured_lra or 0) + 0.1))
    except ValueError:
        lra = LOUDNORM_LRA
    parts += [
        f"LRA={_num(lra)}",
        f"measured_I={norm.measured_i}",
        f"measured_TP={norm.measured_tp}",
        f"measured_LRA={norm.measured_lra}",
        f"measured_thresh={norm.measured_thresh}",
        f"offset={norm.offset}",
        "linear=true",
        "print_format=summary",
    ]
    return "loudnorm=" + ":".join(parts)


def _input_file(path: Path) -> list[str]:
    # Local files only (protocols restricted), and `file:` keeps names that start with '-'
    # or contain ':' literal.
    return ffmpeg_input(path)


def _output_file(path: Path) -> str:
    return "file:" + str(path)


def _cut_inputs(spec: PlanSpec) -> list[str]:
    args: list[str] = []
    for cut in spec.cuts:
        n = frames(cut.duration, spec.profile.fps)
        # One frame of slack past the cut lets the trim count frames rather than trust
        # the demuxer's idea of duration; the trim filters take exactly `n`.
        read = n / spec.profile.fps + 1 / spec.profile.fps
        back = preroll(cut)
        seek, read = cut.start - back, read + back
        args += ["-ss", _num(seek), "-t", _num(read), *_input_file(cut.path)]
    return args


def _check(spec: PlanSpec) -> None:
    if not spec.cuts:
        raise PlanError("no applied cuts: mark at least one cut before encoding")
    for cut in spec.cuts:
        name = cut.label or str(cut.path)
        problem = cut_problem(cut.start, cut.start + cut.duration, None, spec.profile.fps)
        if problem:
            raise PlanError(f"{name}: {problem}")
    if spec.channelcopy not in CHANNELCOPY_CODES:
        raise PlanError(f"channelcopy {spec.channelcopy!r} is not one of m, 01, 10, 00 (or blank)")


def measure_args(spec: PlanSpec, ffmpeg: str = "ffmpeg") -> list[str]:
    """The loudnorm measure pass: reads only the cut ranges' audio, writes nothing."""
    _check(spec)
    if spec.loudnorm is None:
        raise PlanError("no loudness target: the measure pass is only for normalised encodes")
    graph = []
    labels = []
    for i, cut in enumerate(spec.cuts):
        n = frames(cut.duration, spec.profile.fps)
        graph.append(_cut_audio(cut, i, n, spec))
        labels.append(f"[a{i}]")
    measure = Loudnorm(target=spec.loudnorm.target)
    graph.append(
        f"{''.join(labels)}concat=n={len(labels)}:v=0:a=1,{_loudnorm_filter(measure)}[out]"
    )
    return [
        ffmpeg,
        "-nostdin",
        "-hide_banner",
        "-nostats",
        *_cut_inputs(spec),
        "-filter_complex",
        ";".join(graph),
        "-map",
        "[out]",
        "-progress",
        "pipe:1",
        "-f",
        "null",
        "-",
    ]


def encode_args(spec: PlanSpec, ffmpeg: str = "ffmpeg") -> list[str]:
    """The whole encode as one ffmpeg argument list (title -> cuts -> credits)."""
    _check(spec)
    if spec.loudnorm is not None and not spec.loudnorm.measured:
        raise PlanError("run the loudnorm measure pass first and pass its values")
    profile, fps = spec.profile, spec.profile.fps
    args = [ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-y"]
    video: list[str] = []  # filter chains
    segments: list[str] = []  # concat labels in output order
    index = 0
    title_label = credits_label = None
    if spec.title_image is not None:
        args += _slide_input(spec.title_image, spec.title_seconds, fps)
        n = frames(spec.title_seconds, fps)
        video.append(_slide_video(index, n, spec.title_seconds, profile))
        title_label = (f"[v{index}]", n)
        index += 1
    cut_first = index
    args += _cut_inputs(spec)
    for cut in spec.cuts:
        n = frames(cut.duration, fps)
        video.append(_cut_video(cut, index, n, profile))
        video.append(_cut_audio(cut, index, n, spec))
        index += 1
    if spec.credits_image is not None:
        args += _slide_input(spec.credits_image, spec.credits_seconds, fps)
        n = frames(spec.credits_seconds, fps)
        video.append(_slide_video(index, n, spec.credits_seconds, profile))
        credits_label = (f"[v{index}]", n)
        index += 1
    metadata_index = None
    if spec.chapters_file is not None:
        args += ["-f", "ffmetadata", *_input_file(spec.chapters_file)]
        metadata_index = index

    cut_range = range(cut_first, cut_first + len(spec.cuts))
    audio_chains, audio_join = _talk_audio(spec, cut_range)
    video += audio_chains
    if title_label is not None:
        segments.append(title_label[0])
    segments += [f"[v{i}]" for i in cut_range]
    if credits_label is not None:
        segments.append(credits_label[0])
    video.append(f"{''.join(segments)}concat=n={len(segments)}:v=1:a=0[vout]")
    video.append(audio_join)

    args += ["-filter_complex", ";".join(video), "-map", "[vout]", "-map", "[aout]"]
    # Metadata and chapters come only from the FFMETADATA input (or nowhere): the raw
    # files' own tags (recorder names, creation times) are not the published file's.
    source = "-1" if metadata_index is None else str(metadata_index)
    args += ["-map_metadata", source, "-map_chapters", source]
    for key, value in spec.metadata:
        if value:
            args += ["-metadata", f"{key}={value}"]
    args += ["-c:v", profile.vcodec, *profile.video_options, "-r", _num(fps)]
    if spec.threads:
        args += ["-threads", str(spec.threads)]
    args += ["-c:a", profile.acodec, *profile.audio_options, "-ac", "2"]
    args += [*profile.muxer_options, *spec.extra_output_args]
    args += ["-progress", "pipe:1", "-f", muxer_for(profile), _output_file(spec.output)]
    return args


def _talk_audio(spec: PlanSpec, cut_range: range) -> tuple[list[str], str]:
    """The audio of the whole output, from the cuts' `[a<i>]` chains to `[aout]`.

    The talk's audio is joined and normalised as one (one loudness gain for the talk), then
    silence as long as the title and credits slides goes either side. Returns the chains
    and, apart, the final join (the encode lists it after the video's).
    """
    fps = spec.profile.fps
    talk = "".join(f"[a{i}]" for i in cut_range)
    talk_chain = f"{talk}concat=n={len(cut_range)}:v=0:a=1"
    if spec.loudnorm is not None:
        # loudnorm works at 192 kHz internally; bring it back to the profile's rate.
        talk_chain += f",{_loudnorm_filter(spec.loudnorm)},aresample={SAMPLE_RATE}"
        talk_chain += ",aformat=sample_fmts=fltp:channel_layouts=stereo"
    chains = [f"{talk_chain}[talk]"]
    segments = []
    if spec.title_image is not None:
        chains.append(_silence("atitle", frames(spec.title_seconds, fps), fps))
        segments.append("[atitle]")
    segments.append("[talk]")
    if spec.credits_image is not None:
        chains.append(_silence("acredits", frames(spec.credits_seconds, fps), fps))
        segments.append("[acredits]")
    return chains, f"{''.join(segments)}concat=n={len(segments)}:v=0:a=1[aout]"


def _slide_input(image: Path, seconds: float, fps: float) -> list[str]:
    # A looped still at the output rate; the chain's trim takes the exact frame count.
    read = frames(seconds, fps) / fps + 1 / fps
    return ["-loop", "1", "-framerate", _num(fps), "-t", _num(read), *_input_file(image)]


def muxer_for(profile: EncodeProfile) -> str:
    """ffmpeg's muxer name for a profile (the output is a `.part` file, so name it)."""
    return MUXERS.get(profile.ext.lower(), profile.ext.lower())
