"""Encode an episode, step one: prepare (reads the database) the plain-data EncodeRequest.

The next steps, execute (no database) and record (Log row), are `services.encoding.execute`.

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
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from veyedesk.config import ConfigError, EncodeProfile, Settings
from veyedesk.encode import plan, titles
from veyedesk.encode.outputs import output_path as output_path
from veyedesk.media.locator import MediaLocator
from veyedesk.media.probe import MediaError, MediaInfo, probe
from veyedesk.model import Cut, Episode
from veyedesk.model.cuts import CHANNELCOPY_CODES, bounds, cut_problem
from veyedesk.model.paths import safe_component, safe_join
from veyedesk.model.timecode import format_offset
from veyedesk.safe_files import refuse_raw
from veyedesk.services.encoding import slides
from veyedesk.services.encoding.slides import slide_text
from veyedesk.services.episodes import applied_cuts, get_episode
from veyedesk.services.errors import InvalidInput

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
    title_template = slides.title_template(episode, root=settings.files_root)
    credits_template = slides.credits_template(episode, root=settings.files_root)
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
