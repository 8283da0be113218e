"""One long talk encoded by many workers: its video chunks, its audio once, and the join.

A talk whose output lasts longer than the `chunk_minutes` setting (`chunk_ranges`) is
not encoded in one pass. Its encode job queues sub-jobs (`jobs.claims.split`): one per
video chunk (`make_chunk`) and one for the audio (`make_audio`, loudness pass included),
which any workers take. Each sub-job's attempt writes its own `.part` (job id and attempt
in the name), published by renaming it to the piece's name in the talk's chunk folder
while its job is held, so a worker dying mid-chunk loses only that chunk's attempt: the
other pieces stay published and are not made again. When every piece is there the
encode job runs once more and `join_chunks` joins them by stream copy into its own
`.part`, verified exactly like a single pass (`execute._verify`), then published as one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from veyedesk.encode import chunks, plan
from veyedesk.encode.run import (
    EncodeFailed,
    EncodeProgress,
    ffmpeg_path,
    fsync_file,
    publish,
    run_ffmpeg,
)
from veyedesk.media.audio_check import AudioMeasure
from veyedesk.media.probe import MediaInfo
from veyedesk.model.paths import safe_component, safe_join
from veyedesk.safe_files import claim_new, fresh_folder
from veyedesk.services.encoding.execute import (
    EncodeOutcome,
    _check_cancel,
    _measure_loudness,
    _slide,
    _verify,
)
from veyedesk.services.encoding.prepare import EncodeRequest, plan_spec

Progress = Callable[[EncodeProgress], None] | None


def chunk_ranges(
    request: EncodeRequest, chunk_minutes: float, count: int = 0
) -> list[tuple[int, int]]:
    """Output frame ranges of the talk's video chunks; [] when it is encoded in one pass.

    `count`: the chunks the talk was already split into (its chunk jobs), which wins over
    this machine's `chunk_minutes`, so workers set differently still make matching pieces.
    """
    spec = plan_spec(request)
    return chunks.split_frames(spec, count or chunks.chunk_count(spec, chunk_minutes))


@dataclass(frozen=True)
class Pieces:
    """Where the published pieces of one chunked encode (job `parent_id`) live."""

    request: EncodeRequest
    parent_id: int

    count: int  # video chunks

    @property
    def key(self) -> str:
        """What the pieces were made from, in short: a piece made before the talk's cuts,
        texts or profile changed (the same job queued again) has another name, never joined.

        File names only, not folders: each machine finds raw files, templates and outputs
        under its own roots, and all of them must agree on the key.
        """
        r = self.request

        def name(path: Path | None) -> str:
            return path.name if path is not None else ""

        plain = dataclasses.replace(
            r,
            cuts=tuple(dataclasses.replace(c, path=Path(c.path.name)) for c in r.cuts),
            output_path=Path(r.output_path.name),
            part_path=Path(),
            title_template=Path(name(r.title_template)),
            credits_template=Path(name(r.credits_template)),
            attempt="",
        )
        text = f"{plain!r} {self.count}"
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def folder(self) -> Path:
        r = self.request
        slug = safe_component(r.slug, "episode slug")
        name = f".{slug}.{r.profile.name}.job{self.parent_id}.chunks"
        return safe_join(r.output_path.parent, name, what="encode chunk folder")

    def video(self, index: int) -> Path:
        return self.folder / f"video{index:04d}.{self.key}.{self.request.profile.ext}"

    @property
    def audio(self) -> Path:
        return self.folder / f"audio.{self.key}.{self.request.profile.ext}"

    def missing(self) -> tuple[list[int], bool]:
        """Video chunk indexes not published yet, and whether the audio is missing."""
        videos = [i for i in range(self.count) if not self.video(i).is_file()]
        return videos, not self.audio.is_file()

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(frozen=True)
class Piece:
    """One sub-job attempt's made (unpublished) file and where publishing puts it."""

    part: Path
    final: Path
    work: Path

    def publish(self) -> None:
        """Rename the made .part to the piece's name (called while its job is held)."""
        try:
            publish(self.part, self.final)
        except OSError as exc:
            raise EncodeFailed(f"publishing {self.final} failed ({exc.strerror or exc})") from None

    def discard(self) -> None:
        self.part.unlink(missing_ok=True)
        shutil.rmtree(self.work, ignore_errors=True)


def _begin(request: EncodeRequest, final: Path) -> Piece:
    """This attempt's own work folder and `.part` beside the piece (leftovers removed)."""
    part = final.with_name(f"{final.name}.{request.attempt}.part")
    piece = Piece(part=part, final=final, work=request.work_dir)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        fresh_folder(piece.work)
        claim_new(part)
    except OSError as exc:
        piece.discard()
        raise EncodeFailed(
            f"cannot create {final.parent} ({exc.strerror}); check the output_root setting "
            "and free space"
        ) from None
    return piece


def _made(piece: Piece, run: Callable[[], object]) -> Piece:
    try:
        run()
        fsync_file(piece.part)
    except BaseException:
        piece.part.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(piece.work, ignore_errors=True)
    return piece


def make_chunk(
    request: EncodeRequest,
    parent_id: int,
    index: int,
    ranges: list[tuple[int, int]],
    on_progress: Progress = None,
    cancel: threading.Event | None = None,
) -> Piece:
    """Encode video chunk `index` of the talk to this attempt's .part (not published)."""
    if not 0 <= index < len(ranges):
        raise EncodeFailed(
            f"chunk {index} of episode {request.episode_id} no longer exists (its cuts "
            f"changed: {len(ranges)} chunks now); queue the talk's encode again"
        )
    _check_cancel(cancel)
    piece = _begin(request, Pieces(request, parent_id, len(ranges)).video(index))
    first, end = ranges[index]
    fps = request.profile.fps

    def run() -> None:
        if request.title_template is not None:
            _slide(request.title_template, request.slide, request, "title")
        if request.credits_template is not None:
            _slide(request.credits_template, request.slide, request, "credits")
        spec = plan_spec(request)
        run_ffmpeg(
            chunks.chunk_args(spec, first, end, piece.part, ffmpeg_path()),
            duration=(end - first) / fps,
            on_progress=on_progress,
            cancel=cancel,
            output=piece.part,
            what=f"chunk {index} of episode {request.episode_id}",
        )

    return _made(piece, run)


def make_audio(
    request: EncodeRequest,
    parent_id: int,
    count: int,
    on_progress: Progress = None,
    cancel: threading.Event | None = None,
) -> Piece:
    """The whole talk's audio (loudness measured and applied) to this attempt's .part."""
    _check_cancel(cancel)
    piece = _begin(request, Pieces(request, parent_id, count).audio)
    ffmpeg = ffmpeg_path()

    def run() -> None:
        norm = None
        if request.loudness_target is not None:
            norm = _measure_loudness(request, ffmpeg, on_progress, cancel)
        _check_cancel(cancel)
        run_ffmpeg(
            chunks.audio_args(plan_spec(request, norm), piece.part, ffmpeg),
            duration=request.expected_duration,
            on_progress=on_progress,
            cancel=cancel,
            output=piece.part,
            what=f"the audio of episode {request.episode_id}",
        )

    return _made(piece, run)


def join_chunks(
    request: EncodeRequest,
    parent_id: int,
    count: int,
    cancel: threading.Event | None = None,
) -> EncodeOutcome:
    """Join the published pieces into the request's .part by stream copy, and verify it
    as a single pass is verified. Nothing is published (`publish_encode`, then
    `Pieces.remove`). Raises EncodeFailed."""
    started = time.monotonic()
    pieces = Pieces(request, parent_id, count)
    videos, no_audio = pieces.missing()
    if videos or no_audio:
        raise EncodeFailed(f"episode {request.episode_id}: pieces missing before the join")
    piece = Piece(part=request.part_path, final=request.output_path, work=request.work_dir)
    try:
        request.part_path.parent.mkdir(parents=True, exist_ok=True)
        fresh_folder(piece.work)
        claim_new(piece.part)
    except OSError as exc:
        piece.discard()
        raise EncodeFailed(f"cannot create {piece.work} ({exc.strerror})") from None
    spec = plan_spec(request)
    checked: list[tuple[MediaInfo, AudioMeasure | None]] = []

    def run() -> None:
        assert spec.chapters_file is not None
        spec.chapters_file.write_text(plan.ffmetadata(spec), encoding="utf-8")
        listing = request.work_dir / "chunks.txt"
        listing.write_text(
            chunks.concat_list([pieces.video(i) for i in range(count)]), encoding="utf-8"
        )
        run_ffmpeg(
            chunks.join_args(spec, listing, pieces.audio, ffmpeg_path()),
            duration=request.expected_duration,
            cancel=cancel,
            output=request.part_path,
            what=f"the join of episode {request.episode_id}'s chunks",
        )
        # The same checks as a single pass: frames, duration, audio whole and loud enough.
        checked.append(_verify(request))

    _made(piece, run)
    info, audio = checked[0]
    return EncodeOutcome(
        output_path=request.output_path,
        duration=info.duration or 0.0,
        size=request.part_path.stat().st_size,
        loudness=audio.integrated_lufs if audio is not None else None,
        speed=None,
        wall_seconds=time.monotonic() - started,
    )
