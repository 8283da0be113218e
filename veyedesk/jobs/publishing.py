"""Publish jobs: a publish state's action (upload, make public, announce, remove) on targets.

A publish job, like a command job, is only a request: when it runs, the worker checks the
talk is still in the job's state and its `released` still allows it (jobs.commands'
check_still_due), and an upload of a talk whose speaker said No sends nothing. Shared by
workers (`run_publish_job`) and the foreground `veyedesk publish run` (services), so the
rule lives once.

What it writes to `publication` it writes as it goes, each in its own short transaction
fenced on the job (`fence`): the remote id as soon as the platform names it (so it is
stored before the state moves, and a re-run finds it), the resumable `UploadState` and
the bytes sent, so a worker that dies mid-upload is continued by the next one.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from veyedesk.config import Settings
from veyedesk.jobs.commands import check_still_due, talk_encode_and_profile
from veyedesk.jobs.handler import JobCancelled, JobContext, JobResult, PermanentJobError
from veyedesk.jobs.pipeline import ShowPipeline
from veyedesk.jobs.queue import enqueue, job_state_slug
from veyedesk.jobs.state_moves import log_step
from veyedesk.media.poster import Cancelled, choose_poster
from veyedesk.media.probe import probe
from veyedesk.model import EncodeJob, Episode, Publication, PublishTarget, State
from veyedesk.model.kinds import JobKind, JobStatus, LogKind
from veyedesk.model.pipeline import DEPUBLISH_PROFILE, PublishAction, release_hold
from veyedesk.model.publishing import PublicationStatus
from veyedesk.publish.base import (
    VIDEO_KINDS,
    Announcer,
    Metadata,
    NeedsLogin,
    Privacy,
    Publisher,
    PublishError,
    Retryable,
    TargetConfig,
    TargetKind,
    UploadState,
    publisher_for,
)
from veyedesk.publish.metadata import announcement, compose_for, own_thumbnail
from veyedesk.publish.secrets import machine_secrets

# (bytes sent, bytes in all, bytes per second) from the uploading thread.
PublishProgress = Callable[[int, int, float | None], None]
# Runs a write in a transaction only while the job is still held (None: no job to hold).
Fence = Callable[[Callable[[Session], None]], None]
SAVE_EVERY = 2.0  # seconds between saves of an upload's progress and state


@dataclass(frozen=True)
class Outcome:
    """What one target did: its name, a line for the Log."""

    target: str
    what: str


def metadata_for(
    episode: Episode, config: TargetConfig, settings: Settings, profile: str | None
) -> Metadata:
    """What `config`'s platform is told about the talk: publish.metadata composes it (the
    one place titles, descriptions, chapters and tags are made); a target may carry its own
    `title_template`. The talk's own thumbnail when it has one; else the upload chooses a
    frame of the encode (see `_with_poster`)."""
    return compose_for(
        episode,
        config.kind,
        settings,
        profile=profile,
        template=config.options.get("title_template", "").strip() or None,
        thumbnail=own_thumbnail(episode, settings.files_root)
        if config.kind in VIDEO_KINDS
        else None,
    )


def state_of(upload: str) -> UploadState:
    try:
        data = json.loads(upload) if upload else {}
    except ValueError:
        data = {}
    fields = {f.name for f in dataclasses.fields(UploadState)}
    return UploadState(**{k: v for k, v in data.items() if k in fields})


def _targets(session: Session, show_id: int, names: Sequence[str]) -> list[PublishTarget]:
    rows = list(
        session.scalars(
            select(PublishTarget).where(PublishTarget.show_id == show_id).order_by(PublishTarget.id)
        )
    )
    if names:
        missing = [n for n in names if n not in {r.name for r in rows}]
        if missing:
            raise PermanentJobError(
                f"the show has no publish target {', '.join(missing)}; "
                "`veyedesk publish target list` shows its targets"
            )
        return [r for r in rows if r.name in names]
    return rows


def _for_action(action: PublishAction, rows: list[PublishTarget]) -> list[PublishTarget]:
    video = [r for r in rows if TargetKind(r.kind) in VIDEO_KINDS]
    return video if action != PublishAction.ANNOUNCE else [r for r in rows if r not in video]


def _save(fence: Fence, episode_id: int, target_id: int, **values: object) -> None:
    def write(session: Session) -> None:
        row = session.scalar(
            select(Publication).where(
                Publication.episode_id == episode_id, Publication.target_id == target_id
            )
        )
        if row is None:
            row = Publication(
                episode_id=episode_id,
                target_id=target_id,
                status=PublicationStatus.UPLOADING,
                privacy="",
                remote_id="",
                host_url="",
                public_url="",
                upload_state="",
                bytes=0,
                error="",
            )
            session.add(row)
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = datetime.now()

    fence(write)


@dataclass
class Plan:
    """What a publish step will do, read in one session before any network call."""

    episode_id: int
    action: PublishAction
    metas: dict[int, Metadata]  # by target id: each platform's own title and text limits
    encode: str
    refused: str  # why nothing may be uploaded ("" when it may)
    targets: list[tuple[int, TargetConfig, Publication | None]]
    room: str = ""  # for an announcement's {room}
    facts: dict[str, object] = dataclasses.field(default_factory=dict)  # encode's size, length
    skip: tuple[float, float] = (0.0, 0.0)  # title and credits seconds: no poster from them


def plan(
    session: Session,
    episode: Episode,
    action: PublishAction,
    names: Sequence[str],
    settings: Settings,
) -> Plan:
    rows = _for_action(action, _targets(session, episode.show_id, names))
    pubs = {
        p.target_id: p
        for p in session.scalars(select(Publication).where(Publication.episode_id == episode.id))
    }
    refused = ""
    if episode.released is False:
        refused = "speaker refused release"
    elif action != PublishAction.UPLOAD:
        hold = release_hold(
            episode.released, ShowPipeline.load(session, episode.show_id).rules.unknown_publishes
        )
        refused = hold.describe() if hold is not None else ""
    encode, profile = talk_encode_and_profile(session, episode, settings)
    # Announcements point at the first public video's URL when the talk has none of its own.
    watch = next(
        (p.public_url for p in pubs.values() if p.public_url and p.privacy == Privacy.PUBLIC),
        "",
    )
    targets = [
        (r.id, TargetConfig(r.name, TargetKind(r.kind), r.option_map()), pubs.get(r.id))
        for r in rows
    ]
    metas = {}
    for target_id, config, _pub in targets:
        meta = metadata_for(episode, config, settings, profile)
        if not meta.public_url and watch:
            meta = dataclasses.replace(meta, public_url=watch)
        metas[target_id] = meta
    return Plan(
        episode.id,
        action,
        metas,
        encode if action == PublishAction.UPLOAD else "",
        refused,
        targets,
        room=episode.location.name if episode.location is not None else "",
        skip=(settings.title_seconds, settings.credits_seconds),
    )


def carry_out(
    step: Plan,
    fence: Fence,
    *,
    progress: PublishProgress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[Outcome]:
    """Do `step` on each of its targets; writes each Publication through `fence` as it goes."""
    if step.refused and step.action != PublishAction.REMOVE:
        return [Outcome("", f"nothing published: {step.refused}")]
    secrets = machine_secrets()
    done: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="veyedesk-publish-") as scratch:
        if step.action == PublishAction.UPLOAD and step.encode:
            _with_encode_facts(step, Path(scratch), cancelled)
        for target_id, config, pub in step.targets:
            if cancelled():
                raise JobCancelled(f"publishing to {config.name} stopped")
            try:
                made = publisher_for(config, secrets)
                try:
                    done.append(
                        _one(step, target_id, config, pub, made, fence, progress, cancelled)
                    )
                finally:
                    close = getattr(made, "close", None)  # HTTP clients hold connections
                    if callable(close):
                        close()
            except PublishError as exc:
                _save(
                    fence,
                    step.episode_id,
                    target_id,
                    status=PublicationStatus.FAILED,
                    error=str(exc),
                )
                raise
    return done


def _with_encode_facts(step: Plan, scratch: Path, cancelled: Callable[[], bool]) -> None:
    """Facts of the encode the platforms need: a poster frame for video targets when the
    talk has no thumbnail of its own (the sharpest non-black frame outside the title and
    credits), and its size and length (media.ccc.de registers them with the recording)."""
    video = [
        t
        for t in step.targets
        if t[1].kind in VIDEO_KINDS
        # A re-run sends nothing to a target that has the video: nothing to measure for it.
        and not (t[2] is not None and t[2].status == PublicationStatus.UPLOADED and t[2].remote_id)
    ]
    if not video:
        return
    encode = Path(step.encode)
    if any(step.metas[t[0]].thumbnail is None for t in video):
        try:
            poster = choose_poster(
                encode, scratch, skip_start=step.skip[0], skip_end=step.skip[1], cancelled=cancelled
            )
        except Cancelled:
            raise JobCancelled("choosing the poster frame stopped") from None
        if poster is not None:
            for target_id, _config, _pub in video:
                if step.metas[target_id].thumbnail is None:
                    step.metas[target_id] = dataclasses.replace(
                        step.metas[target_id], thumbnail=poster.path
                    )
    info = probe(encode)
    picture = info.video
    step.facts = {
        "width": picture.width if picture is not None else None,
        "height": picture.height if picture is not None else None,
        "duration": info.duration,
    }


def _one(
    step: Plan,
    target_id: int,
    config: TargetConfig,
    pub: Publication | None,
    made: Publisher | Announcer,
    fence: Fence,
    progress: PublishProgress | None,
    cancelled: Callable[[], bool],
) -> Outcome:
    name, episode_id, meta = config.name, step.episode_id, step.metas[target_id]
    if step.action == PublishAction.ANNOUNCE:
        if pub is not None and pub.status == PublicationStatus.ANNOUNCED:
            return Outcome(name, f"{name}: announced before, not again")
        if not meta.public_url:
            raise PermanentJobError(
                f"{name}: the talk has no public URL yet; make it public before announcing"
            )
        # The show's words for it: the target's `template` ({title} {speakers} {show} {room}
        # {date} {url} {conf_url} {tags}), publish.metadata's default when it has none.
        text = announcement(
            meta, config.options.get("template", "").strip() or None, room=step.room
        )
        remote = cast(Announcer, made).announce(meta, text)
        _save(
            fence,
            episode_id,
            target_id,
            status=PublicationStatus.ANNOUNCED,
            remote_id=remote.remote_id,
            host_url=remote.host_url,
            error="",
        )
        return Outcome(name, f"{name}: announced")
    publisher = cast(Publisher, made)
    remote_id = pub.remote_id if pub is not None else ""
    if step.action == PublishAction.REMOVE:
        if remote_id:
            publisher.remove(remote_id)
        _save(
            fence,
            episode_id,
            target_id,
            status=PublicationStatus.REMOVED,
            privacy=Privacy.PRIVATE,
            public_url="",
            error="",
        )
        return Outcome(name, f"{name}: removed {remote_id or '(nothing there)'}")
    if step.action == PublishAction.PUBLIC:
        if not remote_id:
            found = publisher.find(meta)
            if found is None:
                raise PermanentJobError(f"{name}: nothing uploaded to make public; post it first")
            remote_id = found.remote_id
        remote = publisher.set_privacy(remote_id, Privacy.PUBLIC)
        _save(
            fence,
            episode_id,
            target_id,
            status=PublicationStatus.UPLOADED,
            privacy=Privacy.PUBLIC,
            remote_id=remote_id,
            host_url=remote.host_url,
            public_url=remote.public_url,
            error="",
        )
        return Outcome(name, f"{name}: public at {remote.public_url or remote_id}")
    # UPLOAD (unlisted)
    if pub is not None and pub.status == PublicationStatus.UPLOADED and remote_id:
        return Outcome(name, f"{name}: uploaded before as {remote_id}, nothing sent")
    found = publisher.find(meta)
    if found is not None:
        _save(
            fence,
            episode_id,
            target_id,
            status=PublicationStatus.UPLOADED,
            privacy=found.privacy or Privacy.UNLISTED,
            remote_id=found.remote_id,
            host_url=found.host_url,
            public_url=found.public_url,
            bytes=found.size or 0,
            error="",
        )
        return Outcome(name, f"{name}: found {found.remote_id} from before, nothing sent")
    if not step.encode:
        raise PermanentJobError(
            f"episode {episode_id} has no published encode under this worker's output_root; "
            "encode it first (on a machine sharing that folder)"
        )
    state = state_of(pub.upload_state if pub is not None else "")
    state.extra.update({k: v for k, v in step.facts.items() if v is not None})
    saved = [0.0, time.monotonic()]

    def report(sent: int, total: int) -> None:
        if cancelled():
            raise JobCancelled(f"upload to {name} stopped")
        now = time.monotonic()
        speed = sent / max(now - saved[1], 1e-6)
        if progress is not None:
            progress(sent, total, speed)
        if now - saved[0] >= SAVE_EVERY:
            saved[0] = now
            _save(
                fence,
                episode_id,
                target_id,
                bytes=sent,
                upload_state=json.dumps(dataclasses.asdict(state)),
                remote_id=state.remote_id,
            )

    _save(fence, episode_id, target_id, status=PublicationStatus.UPLOADING, error="")
    remote = publisher.upload(Path(step.encode), meta, Privacy.UNLISTED, state, report)
    _save(
        fence,
        episode_id,
        target_id,
        status=PublicationStatus.UPLOADED,
        privacy=remote.privacy or Privacy.UNLISTED,
        remote_id=remote.remote_id,
        host_url=remote.host_url,
        public_url=remote.public_url,
        bytes=remote.size or 0,
        upload_state=json.dumps(dataclasses.asdict(state)),
        error="",
    )
    return Outcome(name, f"{name}: uploaded unlisted as {remote.remote_id}")


def store_urls(session: Session, episode_id: int) -> None:
    """The talk's host and public URL from its first public video target (for the form)."""
    episode = session.get(Episode, episode_id)
    if episode is None:
        return
    for pub in session.scalars(
        select(Publication).where(Publication.episode_id == episode_id).order_by(Publication.id)
    ):
        if (
            pub.privacy == Privacy.PUBLIC
            and pub.public_url
            and TargetKind(pub.target.kind) in VIDEO_KINDS
        ):
            episode.public_url = pub.public_url
            episode.host_url = pub.host_url or episode.host_url
            return


def queue_depublish(session: Session, episode: Episode) -> EncodeJob | None:
    """Queue taking the talk down everywhere it was published (released went to No)."""
    held = session.scalar(
        select(Publication.id)
        .where(
            Publication.episode_id == episode.id,
            Publication.remote_id != "",
            Publication.status != PublicationStatus.REMOVED,
        )
        .limit(1)
    )
    if held is None:
        return None
    return enqueue(session, episode, DEPUBLISH_PROFILE, kind=JobKind.PUBLISH, priority=10)


def job_fence(sessions: sessionmaker[Session], job_id: int, worker_id: str) -> Fence:
    """A Fence writing only while `worker_id` still runs the job (else JobCancelled)."""

    def fence(write: Callable[[Session], None]) -> None:
        with sessions() as session, session.begin():
            held = session.scalar(
                select(EncodeJob.id)
                .where(
                    EncodeJob.id == job_id,
                    EncodeJob.worker_id == worker_id,
                    EncodeJob.status == JobStatus.RUNNING,
                )
                .with_for_update()
            )
            if held is None:
                raise JobCancelled(f"job {job_id} is not this worker's any more")
            write(session)

    return fence


def run_publish_job(ctx: JobContext) -> JobResult:
    """Handler for "publish" jobs: the state's action on its targets, or a depublish."""
    slug = job_state_slug(ctx.job)
    with ctx.sessions() as session:
        episode = session.get(Episode, ctx.job.episode_id)
        if episode is None:
            raise PermanentJobError(f"episode {ctx.job.episode_id} is gone")
        if slug == DEPUBLISH_PROFILE:
            if episode.released is not False:
                return JobResult(summary="not taken down: released is not No any more")
            step = plan(session, episode, PublishAction.REMOVE, (), ctx.settings)
            step.targets = [t for t in step.targets if TargetKind(t[1].kind) in VIDEO_KINDS]
        else:
            state = session.scalar(select(State).where(State.slug == slug))
            if state is None:
                raise PermanentJobError(f"state {slug!r} is gone")
            pipeline = ShowPipeline.load(session, episode.show_id)
            check_still_due(pipeline, episode, state)
            stage = pipeline.stage(state)
            if stage.action is None:
                raise PermanentJobError(
                    f"state {slug!r} does not publish any more (show {episode.show.slug!r})"
                )
            step = plan(session, episode, stage.action, stage.targets, ctx.settings)

    def progress(sent: int, total: int, speed: float | None) -> None:
        left = (total - sent) / speed if speed else None
        ctx.report(sent / total if total else 1.0, speed, left)

    removed_urls = {p.public_url for _, _, p in step.targets if p is not None and p.public_url}
    fence = job_fence(ctx.sessions, ctx.job.id, ctx.job.worker_id)
    try:
        done = carry_out(step, fence, progress=progress, cancelled=ctx.cancel.is_set)
    except Retryable:
        raise
    except NeedsLogin as exc:
        # Read in the queue panel on another machine, "this machine" must be named.
        host = socket.gethostname()
        raise PermanentJobError(
            f"{exc} (the worker {ctx.job.worker_id} runs on {host}: log in there, then retry)"
        ) from None
    except PublishError as exc:
        raise PermanentJobError(str(exc)) from None
    episode_id, user = ctx.job.episode_id, ctx.user
    summary = "; ".join(o.what for o in done) or "no targets"

    def record(session: Session) -> None:
        store_urls(session, episode_id)
        if slug == DEPUBLISH_PROFILE:
            episode = session.get(Episode, episode_id)
            if episode is not None:
                if episode.public_url and episode.public_url in removed_urls:
                    episode.public_url = ""  # the form must not link a file taken down
                log_step(
                    session,
                    episode,
                    episode.state,
                    user,
                    f"depublished: {summary}",
                    kind=LogKind.RELEASE,
                )

    return JobResult(summary=summary, record=record)
