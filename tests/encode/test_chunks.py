"""encode.chunks on real ffmpeg: a talk encoded as video chunks + audio once, joined by
stream copy, has the single pass's frames and audio, with no seam at the joins."""

from __future__ import annotations

import array
import dataclasses
import itertools
import subprocess
from pathlib import Path

import pytest

from tests.encode.support import SMALL
from tests.support.media import FFMPEG, make_clip
from veyedesk.encode import chunks, plan
from veyedesk.encode.plan import CutSource, PlanSpec, encode_args
from veyedesk.encode.run import run_ffmpeg
from veyedesk.media.probe import probe

pytestmark = pytest.mark.media
FPS = SMALL.fps


@pytest.fixture(scope="module")
def talk(tmp_path_factory: pytest.TempPathFactory) -> PlanSpec:
    folder = tmp_path_factory.mktemp("chunks")
    dv = make_clip(folder / "a.dv", "dv", 5.0)
    slide = folder / "slide.png"
    subprocess.run(
        [FFMPEG, "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x180",
         "-frames:v", "1", str(slide)],
        check=True,
    )  # fmt: skip
    info = probe(dv)

    def cut(start: float, duration: float, comment: str) -> CutSource:
        return CutSource(
            path=dv, start=start, duration=duration, interlaced=info.interlaced,
            width=720, height=576, display_aspect="4:3", comment=comment,
        )  # fmt: skip

    chapters = folder / "chapters.txt"
    spec = PlanSpec(
        cuts=(cut(0.5, 2.0, "first"), cut(1.0, 2.4, "second")),
        profile=SMALL,
        output=folder / "single.mp4",
        title_image=slide,
        title_seconds=1.0,
        credits_image=slide,
        credits_seconds=1.0,
        chapters_file=chapters,
    )
    chapters.write_text(plan.ffmetadata(spec), encoding="utf-8")
    return spec


def run(args: list[str], output: Path) -> None:
    run_ffmpeg(args, duration=7.0, output=output)


def count_frames(path: Path) -> int:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return int(out.strip())


def chapter_times(path: Path) -> list[str]:
    return subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "chapter=start_time,end_time",
         "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip


def samples(path: Path) -> array.array[int]:
    """The whole decoded audio, left channel, 48 kHz signed 16-bit."""
    raw = subprocess.run(
        [FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0",
         "-af", "pan=mono|c0=c0", "-ar", "48000", "-f", "s16le", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return array.array("h", raw)


def chunked(spec: PlanSpec, chunk_minutes: float, folder: Path) -> tuple[Path, int]:
    ranges = chunks.chunk_ranges(spec, chunk_minutes)
    pieces = []
    for i, (first, end) in enumerate(ranges):
        piece = folder / f"video{i}.mp4"
        run(chunks.chunk_args(spec, first, end, piece), piece)
        pieces.append(piece)
    audio = folder / "audio.mp4"
    run(chunks.audio_args(spec, audio), audio)
    listing = folder / "list.txt"
    listing.write_text(chunks.concat_list(pieces), encoding="utf-8")
    joined = dataclasses.replace(spec, output=folder / "joined.mp4")
    run(chunks.join_args(joined, listing, audio), joined.output)
    return joined.output, len(ranges)


# Longer than 44 frames: split into chunks of at most 22, so 8 chunks of 20 frames, and
# joins fall in the title slide, in both cuts and in the credits slide.
CHUNK_MINUTES = 44 / FPS / 60


def test_ranges_cover_the_talk_in_whole_frames(talk: PlanSpec) -> None:
    total = sum(plan.segment_frames(talk))
    ranges = chunks.chunk_ranges(talk, CHUNK_MINUTES)
    assert ranges[0][0] == 0 and ranges[-1][1] == total
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    assert max(end - first for first, end in ranges) <= 22
    assert chunks.chunk_ranges(talk, 0) == []  # off
    assert chunks.chunk_ranges(talk, total / FPS / 60) == []  # not longer than a chunk


def test_chunked_encode_has_the_single_pass_frames_and_seamless_audio(
    talk: PlanSpec, tmp_path: Path
) -> None:
    run(encode_args(talk), talk.output)
    joined, count = chunked(talk, CHUNK_MINUTES, tmp_path)
    assert count == 8
    total = sum(plan.segment_frames(talk))
    assert count_frames(joined) == count_frames(talk.output) == total
    single_info, joined_info = probe(talk.output), probe(joined)
    assert joined_info.duration == pytest.approx(single_info.duration, abs=0.5 / FPS)
    # The chapters stay where the single pass puts them.
    assert chapter_times(joined) == chapter_times(talk.output)
    assert len(chapter_times(joined)) == len(plan.chapters(talk)) == 2

    single, whole = samples(talk.output), samples(joined)
    assert abs(len(single) - len(whole)) <= 1024  # the same audio length (an AAC frame)
    # Around every join: no gap (a run of silence) and no click (a jump between samples
    # larger than the single pass has anywhere), measured on the decoded audio.
    steepest = max(abs(single[i + 1] - single[i]) for i in range(len(single) - 1))
    cut_edges = {sum(plan.segment_frames(talk)[:k]) for k in range(5)}
    for first, _ in chunks.chunk_ranges(talk, CHUNK_MINUTES)[1:]:
        at = round(first / FPS * 48000)
        window = whole[at - 480 : at + 480]
        jumps = max(abs(window[i + 1] - window[i]) for i in range(len(window) - 1))
        assert jumps <= steepest + 2, f"click at the join at frame {first}"
        if all(abs(first - edge) > 3 for edge in cut_edges) and 25 < first < total - 25:
            # Inside a cut the tone never stops: a gap would show as a run of zeros.
            quiet = max_run(window, lambda s: abs(s) < 8)
            assert quiet < 20, f"gap of {quiet} samples at the join at frame {first}"
        # The joined file's audio is the single pass's, sample for sample near the join.
        reference = single[at - 480 : at + 480]
        assert max(abs(a - b) for a, b in zip(window, reference, strict=True)) <= 64


def max_run(values: array.array[int], quiet: object) -> int:
    best = run_ = 0
    for value in values:
        run_ = run_ + 1 if quiet(value) else 0  # type: ignore[operator]
        best = max(best, run_)
    return best
