"""Encode an episode, steps two and three: execute the prepared request (no database), record it.

`make_encode` runs the loudness measure pass when normalising, encodes to the attempt's `.part`
and verifies it; `publish_encode` renames it into place inside the worker's finishing
transaction, `discard_encode` throws it away, `execute_encode` does both for callers without a
queue; `record_encode` writes the Log row. Step one is `services.encoding.prepare`.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from veyedesk.encode import plan, titles, verify
from veyedesk.encode.run import (
    EncodeCancelled,
    EncodeFailed,
    EncodeProgress,
    ffmpeg_path,
    fsync_file,
    parse_loudnorm,
    publish,
    render_image,
    run_ffmpeg,
)
from veyedesk.media.audio_check import AudioMeasure, measure_audio
from veyedesk.media.durations import stream_durations
from veyedesk.media.probe import MediaError, MediaInfo, probe
from veyedesk.model import Log
from veyedesk.model.kinds import LogKind
from veyedesk.model.timecode import format_offset
from veyedesk.safe_files import claim_new, fresh_folder
from veyedesk.services.encoding.prepare import MEASURE_SHARE, EncodeRequest, plan_spec
from veyedesk.services.encoding.slides import IMAGE_SUFFIXES
from veyedesk.services.episodes import get_episode


@dataclass(frozen=True)
class EncodeOutcome:
    """What a finished, verified, published encode is."""

    output_path: Path
    duration: float
    size: int
    loudness: float | None
    speed: float | None  # x realtime of the encode pass
    wall_seconds: float
    measure_seconds: float = 0.0  # the loudness measure pass, included in wall_seconds


def _slide(template: Path, text: titles.SlideText, request: EncodeRequest, name: str) -> Path:
    prof = request.profile
    png = request.work_dir / f"{name}.png"
    if template.suffix.lower() in IMAGE_SUFFIXES:
        shutil.copyfile(template, png)  # a ready image: the plan scales and pads it
        return png
    svg = request.work_dir / f"{name}.svg"
    try:
        titles.write_slide(template, text, prof.width, prof.height, svg)
    except titles.TemplateError as exc:
        raise EncodeFailed(str(exc)) from None
    return render_image(svg, png, prof.width, prof.height)


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise EncodeCancelled("encode cancelled; no partial file was kept")


def _measure_loudness(
    request: EncodeRequest,
    ffmpeg: str,
    on_progress: Callable[[EncodeProgress], None] | None,
    cancel: threading.Event | None,
) -> plan.Loudnorm:
    assert request.loudness_target is not None
    args = plan.measure_args(plan_spec(request), ffmpeg)
    result = run_ffmpeg(
        args,
        duration=request.cuts_seconds,
        on_progress=on_progress,
        cancel=cancel,
        progress_scale=(0.0, MEASURE_SHARE),
        what="the loudness measure pass",
    )
    values = parse_loudnorm(result.stderr_tail)
    return plan.Loudnorm(
        target=request.loudness_target,
        measured_i=values["input_i"],
        measured_tp=values["input_tp"],
        measured_lra=values["input_lra"],
        measured_thresh=values["input_thresh"],
        offset=values["target_offset"],
    )


def _verify(request: EncodeRequest) -> tuple[MediaInfo, AudioMeasure | None]:
    part = request.part_path
    expect = verify.Expectations(
        duration=request.expected_duration,
        profile=request.profile,
        channelcopy=request.channelcopy,
        loudness_target=request.loudness_target,
    )
    name = f"the encode of episode {request.episode_id} ({part.name})"
    try:
        info = probe(part)
        streams = stream_durations(part)
        audio = None
        if info.audio is not None:
            # Always decode the audio once: it proves the file is whole (an intact index
            # over a cut-short file still probes as full length) and gives its loudness.
            audio = measure_audio(part, difference=(info.audio.channels or 0) >= 2)
    except MediaError as exc:
        raise verify.VerificationFailed(f"{name} was rejected and not published: {exc}") from None
    verify.check(name, info, audio, expect, streams)
    return info, audio


def make_encode(
    request: EncodeRequest,
    on_progress: Callable[[EncodeProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> EncodeOutcome:
    """Make and verify the file at `request.part_path`, flushed to disk; publish nothing.

    Runs the loudnorm measure pass when normalising, encodes to the .part and verifies it.
    On success the .part is whole and on disk (fsynced) and the work folder is gone; the
    caller then publishes it (`publish_encode`) or throws it away (`discard_encode`).
    Raises EncodeFailed (message + ffmpeg's stderr tail; verification failures too) or
    EncodeCancelled (ffmpeg stopped); either way no .part and no work folder are left.
    """
    started = time.monotonic()
    ffmpeg = ffmpeg_path()
    _check_cancel(cancel)
    work = request.work_dir
    try:
        work.parent.mkdir(parents=True, exist_ok=True)
        # Our own new folder and .part: a leftover is removed, a planted symlink never
        # followed, so the slides and the encode land only where the request says.
        fresh_folder(work)
        claim_new(request.part_path)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise EncodeFailed(
            f"cannot create the output folder {work.parent} ({exc.strerror}); check the "
            "output_root setting and free space"
        ) from None
    measure_seconds = 0.0
    try:
        if request.title_template is not None:
            _slide(request.title_template, request.slide, request, "title")
        if request.credits_template is not None:
            _slide(request.credits_template, request.slide, request, "credits")
        norm = None
        if request.loudness_target is not None:
            measure_started = time.monotonic()
            norm = _measure_loudness(request, ffmpeg, on_progress, cancel)
            measure_seconds = time.monotonic() - measure_started
        _check_cancel(cancel)
        spec = plan_spec(request, norm)
        assert spec.chapters_file is not None
        spec.chapters_file.write_text(plan.ffmetadata(spec), encoding="utf-8")
        low = MEASURE_SHARE if norm is not None else 0.0
        result = run_ffmpeg(
            plan.encode_args(spec, ffmpeg),
            duration=request.expected_duration,
            on_progress=on_progress,
            cancel=cancel,
            output=request.part_path,
            progress_scale=(low, 1.0),
            what=f"the encode of episode {request.episode_id}",
        )
        try:
            info, audio = _verify(request)
        except EncodeFailed:
            request.part_path.unlink(missing_ok=True)
            raise
        # Flushed here, outside any database transaction: publishing then only renames.
        fsync_file(request.part_path)
        size = request.part_path.stat().st_size
    except OSError as exc:
        request.part_path.unlink(missing_ok=True)
        raise EncodeFailed(f"writing {request.part_path} failed ({exc.strerror or exc})") from None
    except BaseException:
        request.part_path.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return EncodeOutcome(
        output_path=request.output_path,
        duration=info.duration or 0.0,
        size=size,
        loudness=audio.integrated_lufs if audio is not None else None,
        speed=request.expected_duration / result.wall_seconds if result.wall_seconds else None,
        wall_seconds=time.monotonic() - started,
        measure_seconds=measure_seconds,
    )


def publish_encode(request: EncodeRequest) -> None:
    """Rename the made .part over the final name (durably); clear other attempts' leftovers.

    A queued encode calls this only while its job's row is locked and its lease checked,
    so the attempts whose files are removed can no longer publish. Raises EncodeFailed.
    """
    try:
        publish(request.part_path, request.output_path)
    except OSError as exc:
        raise EncodeFailed(
            f"publishing {request.output_path} failed ({exc.strerror or exc})"
        ) from None
    for leftover in request.other_attempts():
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def discard_encode(request: EncodeRequest) -> None:
    """Throw away this attempt's unpublished .part and work folder (never the final file)."""
    request.part_path.unlink(missing_ok=True)
    shutil.rmtree(request.work_dir, ignore_errors=True)


def execute_encode(
    request: EncodeRequest,
    on_progress: Callable[[EncodeProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> EncodeOutcome:
    """Make, verify and publish the file at once (no queue, no database).

    Raises EncodeFailed (leaving the previous good file untouched and no .part) or
    EncodeCancelled (ffmpeg stopped, no .part left).
    """
    outcome = make_encode(request, on_progress, cancel)
    try:
        publish_encode(request)
    except EncodeFailed:
        discard_encode(request)
        raise
    return outcome


def describe_outcome(request: EncodeRequest, outcome: EncodeOutcome) -> str:
    """One line for the Log and the CLI: where, how long, how big, how loud, how fast."""
    parts = [
        f"{format_offset(outcome.duration, request.profile.fps)}",
        f"{outcome.size / 1e6:.1f} MB",
    ]
    if outcome.loudness is not None:
        parts.append(f"{outcome.loudness:.1f} LUFS")
    if outcome.speed is not None:
        parts.append(f"{outcome.speed:.2f}x realtime")
    parts.append(f"{outcome.wall_seconds:.0f} s")
    return f"encoded {request.profile.name}: {outcome.output_path} ({', '.join(parts)})"


def record_encode(
    session: Session, request: EncodeRequest, outcome: EncodeOutcome, user: str
) -> Log:
    """A Log row (kind ENCODED) for the published encode: duration, size, loudness, speed."""
    episode = get_episode(session, request.episode_id)
    end = datetime.now()
    log = Log(
        episode=episode,
        state=episode.state,
        ready=end,
        start=end - timedelta(seconds=outcome.wall_seconds),
        end=end,
        user=user,
        result=describe_outcome(request, outcome),
        kind=LogKind.ENCODED,
    )
    session.add(log)
    session.flush()
    return log
