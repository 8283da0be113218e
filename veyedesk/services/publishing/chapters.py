"""A talk's chapters as the encode writes them, and as YouTube-style description text."""

from __future__ import annotations

from sqlalchemy.orm import Session

from veyedesk.config import ConfigError, Settings
from veyedesk.model.chapters import Chapter, chapters, youtube_text
from veyedesk.services.episodes import applied_cuts, get_episode
from veyedesk.services.errors import InvalidInput


def episode_chapters(
    session: Session, episode_id: int, settings: Settings, profile: str | None = None
) -> list[Chapter]:
    """The chapters the encode of `episode_id` (for `profile`) has, from its applied cuts.

    Uses the raw files' stored durations for cuts open at the end (the encode probes the
    file; they agree once the file was scanned).
    """
    try:
        prof = settings.profile(profile)
    except ConfigError as exc:
        raise InvalidInput(str(exc)) from None
    episode = get_episode(session, episode_id)
    applied = applied_cuts(episode, ", so no chapters")
    return chapters(
        [c.duration() for c in applied],
        [c.comment or "" for c in applied],
        prof.fps,
        settings.title_seconds,
        settings.credits_seconds,
    )


def chapters_text(
    session: Session, episode_id: int, settings: Settings, profile: str | None = None
) -> str:
    """`0:00 Title` lines for a video description, `?t=` links when `host_url` is set."""
    episode = get_episode(session, episode_id)
    items = episode_chapters(session, episode_id, settings, profile)
    return youtube_text(items, (episode.host_url or "").strip())
