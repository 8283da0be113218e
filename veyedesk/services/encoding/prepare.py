"""Encode an episode: prepare (reads the database), execute (no database), record (Log row).

The long encode never holds a database session: the caller opens one for
`prepare_encode`, closes it, runs the encode (minutes to hours, cancellable, with
progress), then opens another for `record_encode`. Everything between is plain data.

A queued encode is one attempt of a job: `EncodeRequest.for_attempt` gives it a `.part`
file and work folder of its own (job id and attempt number in their names), so a worker
that lost its job to another can never write, delete or publish the other's files.
`make_encode` stops before publishing; the worker calls `publish_encode` inside the
transaction that checks it still holds the job and marks it done (see
`veyedesk.jobs.lease`), or `discard_encode` when it does not. `execute_encode` does both
steps at once for callers without a queue.
"""

from __future__ import annotations

import dataclasses
import glob
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from veyedesk.config import ConfigError, EncodeProfile, Settings
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
from veyedesk.media.locator import MediaLocator
from veyedesk.media.probe import MediaError, MediaInfo, probe
from veyedesk.model import Cut, Episode, Log
from veyedesk.model.cuts import CHANNELCOPY_CODES, bounds, cut_problem
from veyedesk.model.kinds import LogKind
from veyedesk.model.paths import safe_component, safe_join
from veyedesk.model.timecode import format_offset
from veyedesk.safe_files import claim_new, fresh_folder, refuse_raw
from veyedesk.services.episodes import applied_cuts, get_episode
from veyedesk.services.errors import InvalidInput
from veyedesk.services.publishing import slides
from veyedesk.services.publishing.slides import IMAGE_SUFFIXES, slide_text

__all__ = [
    "EncodeCancelled",
    "EncodeFailed",
    "EncodeOutcome",
    "EncodeProgress",
    "EncodeRequest",
    "discard_encode",
    "execute_encode",
    "make_encode",
    "plan_commands",
    "prepare_encode",
    "publish_encode",
    "record_encode",
]

# `normalise` words meaning "yes, to the profile's default target".
NORMALISE_ON = {"yes", "y", "on", "true", "default", "ebu", "r128"}
NORMALISE_OFF = {"", "no", "n", "off", "false", "0", "none"}
MEASURE_SHARE = 0.1  # share of the progress bar the loudness measure pass takes


@dataclass(frozen=True)
class EncodeRequest:
    """Everything one encode needs, as plain data (no ORM objects): safe across threads."""

    episode_id: int
    slug: str
    name: str
    profile: EncodeProfile
    cuts: tuple[plan.CutSource, ...]
    output_path: Path
    part_path: Path
    expected_duration: float
    slide: titles.SlideText
    title_template: Path | None  # SVG template or ready image; None = no title slide
    credits_template: Path | None  # SVG template or ready image; None = no credits
    title_seconds: float
    credits_seconds: float
    channelcopy: str = ""
    av_offset_ms: int = 0
    loudness_target: float | None = None
    metadata: tuple[tuple[str, str], ...] = ()
    attempt: str = ""  # `job12-2` for a job's second attempt; names its .part and work folder

    @property
    def work_dir(self) -> Path:
        """Folder next to the .part for the slides and chapter file (removed afterwards)."""
        tag = f".{self.attempt}" if self.attempt else ""
        name = f".{safe_component(self.slug, 'episode slug')}.{self.profile.name}{tag}.work"
        return safe_join(self.output_path.parent, name, what="encode work folder")

    def for_attempt(self, job_id: int, attempt: int) -> EncodeRequest:
        """The same encode as attempt `attempt` of job `job_id`: its own .part and work folder."""
        tag = f"job{job_id}-{attempt}"
        part = safe_join(self.output_path.parent, f"{self.output_path.name}.{tag}.part")
        return dataclasses.replace(self, part_path=part, attempt=tag)

    def other_attempts(self) -> list[Path]:
        """Files and folders other attempts at this output left (killed workers, lost leases)."""
        folder = self.output_path.parent
        if not folder.is_dir():
            return []
        found = [
            *folder.glob(f"{glob.escape(self.output_path.name)}.job*.part"),
            *folder.glob(f".{glob.escape(self.slug)}.{glob.escape(self.profile.name)}.job*.work"),
        ]
        return [p for p in found if p not in (self.part_path, self.work_dir)]

    @property
    def cuts_seconds(self) -> float:
        return sum(plan.frames(c.duration, self.profile.fps) for c in self.cuts) / self.profile.fps


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


def output_path(
    settings: Settings, client: str, show: str, profile: EncodeProfile, slug: str
) -> Path:
    """`<output root>/<client>/<show>/<profile>/<slug>.<ext>`.

    Raises UnsafePath when a slug (or the profile's name) would lead outside the output
    root: slugs arrive from schedules, change files and venue copies.
    """
    root = Path(settings.output_root).expanduser()
    folder = safe_join(root, client, show, what="client or show slug")
    folder = safe_join(folder, profile.name, what="encode profile name")
    name = f"{safe_component(slug, 'episode slug')}.{safe_component(profile.ext, 'profile ext')}"
    return safe_join(folder, name, what="episode slug")


def loudness_target(episode: Episode, profile: EncodeProfile) -> float | None:
    """The episode's `normalise` as a LUFS target: a number, "yes" (profile default), or off."""
    text = (episode.normalise or "").strip()
    if text.lower() in NORMALISE_OFF:
        return None
    if text.lower() in NORMALISE_ON:
        return profile.loudness_target
    try:
        value = float(text.removesuffix("LUFS").strip())
    except ValueError:
        raise InvalidInput(
            f"episode {episode.id}: normalise {text!r} is not a loudness target; "
            "type a LUFS value such as -16, 'yes' for the profile default, or leave it blank"
        ) from None
    if not -70.0 <= value <= -5.0:
        raise InvalidInput(
            f"episode {episode.id}: normalise {text!r} is out of range; "
            "LUFS targets are negative, between -70 and -5 (speech is usually -16 to -23)"
        )
    return value


def _cut_label(cut: Cut, position: int) -> str:
    return f"cut {cut.id} (#{position}, {cut.raw_file.filename})"


def _cut_source(cut: Cut, position: int, locator: MediaLocator, fps: float) -> plan.CutSource:
    label = _cut_label(cut, position)
    raw = cut.raw_file
    local = locator.locate(raw)
    path = local.path
    if not path.is_file():
        raise InvalidInput(
            f"{label}: the raw file {path} is missing; restore it, re-scan the room, "
            "or un-apply the cut"
        )
    try:
        info: MediaInfo = probe(path)
    except MediaError as exc:
        raise InvalidInput(f"{label}: {exc}") from None
    # Cut offsets are raw-file seconds; a local piece (assets folder) holds only part of
    # the raw file, so the raw file's own length bounds the cut and the piece is read
    # `offset` seconds earlier.
    if local.partial:
        length = raw.duration
    else:
        length = info.duration if info.duration is not None else raw.duration
    problem = cut_problem(cut.start, cut.end, length, fps)
    if problem:
        raise InvalidInput(f"{label}: {problem}")
    start, end = bounds(cut.start, cut.end, length)
    if length is not None:
        end = min(end, length)  # within the one frame of tolerance at the end
    if local.partial:
        if not local.covers(start, end):
            last = local.offset + (local.duration or 0.0)
            held = f"{format_offset(local.offset)}–{format_offset(last)}"
            raise InvalidInput(
                f"{label}: {format_offset(start)}–{format_offset(end)} of {raw.filename} is "
                f"outside this folder's {local.kind} {path.name} (it holds {held}); make the "
                "assets again with a larger --margin, or encode where the raw files are"
            )
        start, end = max(0.0, local.local(start)), min(local.local(end), local.duration or end)
    video = info.video
    if video is None:
        raise InvalidInput(f"{label}: {path} has no video stream")
    return plan.CutSource(
        path=path,
        start=start,
        duration=end - start,
        label=label,
        interlaced=info.interlaced,
        width=video.width or 0,
        height=video.height or 0,
        display_aspect=video.display_aspect if video.display_aspect not in (None, "0:1") else None,
        has_audio=info.audio is not None,
        comment=cut.comment or "",
    )


def prepare_encode(
    session: Session, episode_id: int, settings: Settings, profile: str | None = None
) -> EncodeRequest:
    """Read the episode, its applied cuts and raw files into an EncodeRequest.

    Raises InvalidInput naming the cut for cuts whose file is missing or unreadable, or
    that are empty, inverted or past the end of the file.
    """
    try:
        prof = settings.profile(profile)
    except ConfigError as exc:
        raise InvalidInput(str(exc)) from None
    episode = get_episode(session, episode_id)
    applied = applied_cuts(episode)
    locator = MediaLocator.for_settings(settings)
    cuts = tuple(_cut_source(cut, i, locator, prof.fps) for i, cut in enumerate(applied, start=1))
    show = episode.show
    client = show.client
    room = episode.location
    channelcopy = (episode.channelcopy or (room.channelcopy if room else "") or "").strip()
    if channelcopy not in CHANNELCOPY_CODES:
        raise InvalidInput(
            f"episode {episode.id}: channelcopy {channelcopy!r} is not one of m, 01, 10, 00"
        )
    slide = slide_text(episode)
    start = episode.start
    license_text = slide.license
    metadata = (
        ("title", episode.name),
        ("artist", episode.authors),
        ("album", show.name),
        ("date", f"{start:%Y-%m-%d}" if start else ""),
        ("comment", episode.conf_url),
        ("copyright", license_text),
    )
    # The talk's own title image (custom/titles/<slug>) wins over the client's template.
    title_template = slides.title_template(episode, raw_root=settings.raw_root)
    credits_template = slides.credits_template(episode)
    final = output_path(settings, client.slug, show.slug, prof, episode.slug)
    # An output root set inside the recordings must not let an encode replace one.
    raw_dirs = (
        [show.raw_dir(settings.raw_root) / "dv"] if settings.raw_root or show.raw_root else []
    )
    refuse_raw(final, raw_dirs, [c.path for c in cuts], what=f"episode {episode.id}'s encode")
    request = EncodeRequest(
        episode_id=episode.id,
        slug=episode.slug,
        name=episode.name,
        profile=prof,
        cuts=cuts,
        output_path=final,
        part_path=final.with_name(final.name + ".part"),
        expected_duration=0.0,
        slide=slide,
        title_template=title_template if settings.title_seconds > 0 else None,
        credits_template=credits_template if settings.credits_seconds > 0 else None,
        title_seconds=settings.title_seconds,
        credits_seconds=settings.credits_seconds,
        channelcopy=channelcopy,
        av_offset_ms=episode.av_offset_ms or 0,
        loudness_target=loudness_target(episode, prof),
        metadata=metadata,
    )
    try:
        duration = plan.expected_duration(plan_spec(request))
    except plan.PlanError as exc:
        raise InvalidInput(f"episode {episode.id}: {exc}") from None
    return dataclasses.replace(request, expected_duration=duration)


def plan_spec(request: EncodeRequest, loudnorm: plan.Loudnorm | None = None) -> plan.PlanSpec:
    """The pure plan for a request; slides and chapters live in the request's work folder."""
    work = request.work_dir
    norm = loudnorm
    if norm is None and request.loudness_target is not None:
        norm = plan.Loudnorm(target=request.loudness_target)
    return plan.PlanSpec(
        cuts=request.cuts,
        profile=request.profile,
        output=request.part_path,
        title_image=work / "title.png" if request.title_template else None,
        title_seconds=request.title_seconds,
        credits_image=work / "credits.png" if request.credits_template else None,
        credits_seconds=request.credits_seconds,
        channelcopy=request.channelcopy,
        av_offset_ms=request.av_offset_ms,
        loudnorm=norm,
        metadata=request.metadata,
        chapters_file=work / "chapters.txt",
    )


def plan_commands(request: EncodeRequest, ffmpeg: str = "ffmpeg") -> list[list[str]]:
    """The ffmpeg commands an encode runs (for --dry-run): measure pass, then the encode.

    Loudnorm's measured values are only known after the measure pass; they show as
    `MEASURED`.
    """
    commands = []
    spec = plan_spec(request)
    if spec.loudnorm is not None:
        commands.append(plan.measure_args(spec, ffmpeg))
        placeholder = plan.Loudnorm(spec.loudnorm.target, *(["MEASURED"] * 5))
        spec = dataclasses.replace(spec, loudnorm=placeholder)
    commands.append(plan.encode_args(spec, ffmpeg))
    return commands


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
