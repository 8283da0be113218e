"""What the editor shows around an episode besides its draft: where it is, its Log, file usage."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from veyedesk.model import Cut, Episode, Log
from veyedesk.services.episodes import EpisodeRow, get_episode, release_holds


@dataclass(frozen=True)
class LogLine:
    """One Log row as the Logs tab lists it."""

    state: str
    user: str
    start: datetime | None
    end: datetime | None
    result: str


@dataclass(frozen=True)
class EpisodeContext:
    """Read-only facts about an episode for the form (plain data, safe across threads)."""

    episode_id: int
    show_id: int
    client_slug: str
    show_slug: str
    room_slug: str
    room_name: str
    state: str
    conf_url: str
    slug: str
    logs: list[LogLine] = field(default_factory=list)
    # raw file id -> names of the other talks whose cuts use it
    raw_usage: dict[int, list[str]] = field(default_factory=dict)
    # Written back by state commands (jobs.results): where the upload and the video are;
    # chapter links get `?t=` on host_url.
    host_url: str = ""
    public_url: str = ""
    # Why a release hold keeps the talk before a public state ("" when none).
    hold: str = ""

    def cli_selection(self) -> str:
        """Veyepar's selection flags naming exactly this episode."""
        room = f" --room {self.room_slug}" if self.room_slug else ""
        return f"--client {self.client_slug} --show {self.show_slug}{room} {self.episode_id}"


def episode_context(session: Session, episode_id: int, raw_file_ids: list[int]) -> EpisodeContext:
    """Show/room slugs, state, Log rows and which other talks use the given raw files."""
    episode = session.scalar(
        select(Episode)
        .where(Episode.id == episode_id)
        .options(
            selectinload(Episode.logs).selectinload(Log.state),
            selectinload(Episode.location),
            selectinload(Episode.state),
        )
    ) or get_episode(session, episode_id)
    usage: dict[int, list[str]] = defaultdict(list)
    if raw_file_ids:
        stmt = (
            select(Cut.raw_file_id, Episode.name)
            .join(Episode, Cut.episode_id == Episode.id)
            .where(Cut.raw_file_id.in_(raw_file_ids), Episode.id != episode_id)
            .order_by(Episode.start, Episode.id)
        )
        for raw_id, name in session.execute(stmt):
            if name not in usage[raw_id]:
                usage[raw_id].append(name)
    return EpisodeContext(
        episode_id=episode.id,
        show_id=episode.show_id,
        client_slug=episode.show.client.slug,
        show_slug=episode.show.slug,
        room_slug=episode.location.slug if episode.location else "",
        room_name=episode.location.name if episode.location else "",
        state=episode.state.slug if episode.state else "",
        conf_url=episode.conf_url,
        slug=episode.slug,
        host_url=episode.host_url,
        public_url=episode.public_url,
        hold=release_holds(session, episode.show_id, episode.id).get(episode.id, ""),
        logs=[
            LogLine(
                state=log.state.slug if log.state else "",
                user=log.user,
                start=log.start,
                end=log.end,
                result=log.result,
            )
            for log in episode.logs
        ],
        raw_usage=dict(usage),
    )


def episode_row(session: Session, episode_id: int) -> EpisodeRow:
    """One line of the episode list, fresh (after a save or a lock change)."""
    episode = session.scalar(
        select(Episode)
        .where(Episode.id == episode_id)
        .options(
            selectinload(Episode.location),
            selectinload(Episode.state),
            selectinload(Episode.cuts).selectinload(Cut.raw_file),
        )
        .execution_options(populate_existing=True)
    ) or get_episode(session, episode_id)
    hold = release_holds(session, episode.show_id, episode.id).get(episode.id, "")
    return EpisodeRow.of(episode, hold)
