"""One long talk as pieces: video chunks, the audio once, and the join (pure, like `plan`).

A talk longer than the `chunk_minutes` setting is encoded by several workers at once. The
plan's output timeline (title, cuts, credits; `plan.segment_frames`) is split into chunks
of whole output frames; each chunk is its own video-only ffmpeg encode, so it starts with
a keyframe and its GOPs are closed (x264's and libvpx's default): the chunk boundaries are
the output's keyframes, and the pieces join by stream copy (the concat demuxer) with no
re-encode. A cut crossing a boundary is opened again at its frame on the far side, the
same fast input seek (and preroll) as the single pass, so no chunk decodes what another
one encodes. The audio is never split: one job renders the whole talk's audio exactly
as the single pass does (same filters, loudness pass included), so there is no seam in
it at all, and the join maps it beside the joined video with the chapters.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from pathlib import Path

from veyedesk.encode import plan
from veyedesk.encode.plan import PlanError, PlanSpec


def chunk_count(spec: PlanSpec, chunk_minutes: float) -> int:
    """How many chunks the talk is split into: 0 when it is not split.

    Not split when `chunk_minutes` is 0 (off) or the output is no longer than that; else
    the fewest chunks of at most half `chunk_minutes` each. Half: the audio piece keeps
    one worker busy about as long as a chunk, and pieces of that size let the others
    share the chunks evenly meanwhile (two workers, two chunks and the audio: one worker
    would make the audio and then a whole chunk while the other waits).
    """
    if chunk_minutes <= 0:
        return 0
    total = sum(plan.segment_frames(spec))
    longest = plan.frames(chunk_minutes * 60, spec.profile.fps)
    if longest < 2 or total <= longest:
        return 0
    return math.ceil(total / (longest // 2))


def split_frames(spec: PlanSpec, count: int) -> list[tuple[int, int]]:
    """Output frame ranges [first, end) of `count` chunks of equal length give or take a
    frame ([] for fewer than 2). The count alone decides them, so every worker agrees."""
    total = sum(plan.segment_frames(spec))
    count = min(count, total)
    if count < 2:
        return []
    edges = [round(i * total / count) for i in range(count + 1)]
    return list(itertools.pairwise(edges))


def chunk_ranges(spec: PlanSpec, chunk_minutes: float) -> list[tuple[int, int]]:
    """Output frame ranges of the chunks for `chunk_minutes`, or [] when not split."""
    return split_frames(spec, chunk_count(spec, chunk_minutes))


@dataclasses.dataclass(frozen=True)
class _Piece:
    kind: str  # "title", "cut" or "credits"
    cut: plan.CutSource | None
    skip: int  # frames of the segment before the piece
    count: int  # frames in the piece
    whole: int  # frames in the whole segment


def _pieces(spec: PlanSpec, first: int, end: int) -> list[_Piece]:
    fps = spec.profile.fps
    segments: list[tuple[str, plan.CutSource | None]] = []
    if spec.title_image is not None:
        segments.append(("title", None))
    segments += [("cut", cut) for cut in spec.cuts]
    if spec.credits_image is not None:
        segments.append(("credits", None))
    out, at = [], 0
    for (kind, cut), n in zip(segments, plan.segment_frames(spec), strict=True):
        lo, hi = max(first, at), min(end, at + n)
        if lo < hi:
            part = cut
            if cut is not None and (lo > at or hi < at + n):
                # The frames of the cut on this side of the boundary, as a cut of its own.
                part = dataclasses.replace(
                    cut, start=cut.start + (lo - at) / fps, duration=(hi - lo) / fps
                )
            out.append(_Piece(kind, part, lo - at, hi - lo, n))
        at += n
    return out


def chunk_args(
    spec: PlanSpec, first: int, end: int, output: Path, ffmpeg: str = "ffmpeg"
) -> list[str]:
    """The video of output frames [first, end) as one video-only encode to `output`."""
    if not 0 <= first < end <= sum(plan.segment_frames(spec)):
        raise PlanError(f"chunk {first}-{end} is outside the talk's frames")
    profile, fps = spec.profile, spec.profile.fps
    args = [ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-y"]
    chains, labels = [], []
    for index, piece in enumerate(_pieces(spec, first, end)):
        if piece.cut is not None:
            one = dataclasses.replace(spec, cuts=(piece.cut,))
            args += plan._cut_inputs(one)
            chains.append(plan._cut_video(piece.cut, index, piece.count, profile))
        else:
            image = spec.title_image if piece.kind == "title" else spec.credits_image
            seconds = spec.title_seconds if piece.kind == "title" else spec.credits_seconds
            assert image is not None
            args += plan._slide_input(image, seconds, fps)
            # The whole slide (its fades depend on its length), then this chunk's frames.
            chain = plan._slide_video(index, piece.whole, seconds, profile)
            if piece.count < piece.whole:
                head, _ = chain.rsplit("[", 1)
                chain = (
                    f"{head},trim=start_frame={piece.skip}:end_frame={piece.skip + piece.count},"
                    f"setpts=PTS-STARTPTS[v{index}]"
                )
            chains.append(chain)
        labels.append(f"[v{index}]")
    chains.append(f"{''.join(labels)}concat=n={len(labels)}:v=1:a=0[vout]")
    args += ["-filter_complex", ";".join(chains), "-map", "[vout]", "-an"]
    args += ["-map_metadata", "-1", "-map_chapters", "-1"]
    args += ["-c:v", profile.vcodec, *profile.video_options, "-r", plan._num(fps)]
    if spec.threads:
        args += ["-threads", str(spec.threads)]
    args += ["-progress", "pipe:1", "-f", plan.muxer_for(profile), f"file:{output}"]
    return args


def audio_args(spec: PlanSpec, output: Path, ffmpeg: str = "ffmpeg") -> list[str]:
    """The whole output's audio (silence under the slides, loudness applied) to `output`."""
    plan._check(spec)
    if spec.loudnorm is not None and not spec.loudnorm.measured:
        raise PlanError("run the loudnorm measure pass first and pass its values")
    profile = spec.profile
    chains = [
        plan._cut_audio(cut, i, plan.frames(cut.duration, profile.fps), spec)
        for i, cut in enumerate(spec.cuts)
    ]
    talk, join = plan._talk_audio(spec, range(len(spec.cuts)))
    args = [ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-y", *plan._cut_inputs(spec)]
    args += ["-filter_complex", ";".join([*chains, *talk, join]), "-map", "[aout]", "-vn"]
    args += ["-map_metadata", "-1", "-map_chapters", "-1"]
    args += ["-c:a", profile.acodec, *profile.audio_options, "-ac", "2"]
    args += ["-progress", "pipe:1", "-f", plan.muxer_for(profile), f"file:{output}"]
    return args


def concat_list(chunks: list[Path]) -> str:
    """The concat demuxer's list of the chunk files, in order (quotes escaped)."""
    lines = ["ffconcat version 1.0"]
    for path in chunks:
        quoted = str(path.resolve()).replace("'", "'\\''")
        lines.append(f"file 'file:{quoted}'")
    return "\n".join(lines) + "\n"


def join_args(spec: PlanSpec, chunk_list: Path, audio: Path, ffmpeg: str = "ffmpeg") -> list[str]:
    """Join the chunks' video and the audio by stream copy into `spec.output`, with the
    single pass's metadata and chapters (from `spec.chapters_file`)."""
    profile = spec.profile
    args = [ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-y"]
    # The list names only our own chunk files (`file:` paths, written by `concat_list`).
    args += ["-f", "concat", "-safe", "0", "-protocol_whitelist", "file,pipe"]
    args += ["-i", f"file:{chunk_list}", *plan._input_file(audio)]
    source = "-1"
    if spec.chapters_file is not None:
        args += ["-f", "ffmetadata", *plan._input_file(spec.chapters_file)]
        source = "2"
    args += ["-map", "0:v", "-map", "1:a", "-map_metadata", source, "-map_chapters", source]
    for key, value in spec.metadata:
        if value:
            args += ["-metadata", f"{key}={value}"]
    args += ["-c", "copy", *profile.muxer_options]
    args += ["-progress", "pipe:1", "-f", plan.muxer_for(profile), f"file:{spec.output}"]
    return args
