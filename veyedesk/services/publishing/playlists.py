"""Show-wide m3u playlists (Veyepar's encoded-files-playlist and raw-playlist).

One entry block per talk, in the episode list's order, built from `services.export`'s
per-talk playlists so a talk plays the same whether exported alone or with its show.
Talks that cannot be listed (no applied cuts; not encoded yet) are named in `skipped`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from veyedesk.config import ConfigError, Settings
from veyedesk.media.probe import MediaError, probe
from veyedesk.model import Episode
from veyedesk.services.catalog import get_show_by_id
from veyedesk.services.encoding import output_path
from veyedesk.services.episodes import Selection, get_episode, select_episodes
from veyedesk.services.errors import InvalidInput, NotFound
from veyedesk.services.publishing.export import encoded_entries, raw_entries

KINDS = ("raw", "encoded")


@dataclass
class Playlist:
    """The m3u text and the talks left out of it, with why."""

    text: str
    entries: int = 0
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EncodedFile:
    """One encode of a talk on disk, probed: what a player needs to open it."""

    profile: str
    path: Path
    duration: float
    fps: float
    size: int


def episode_encodes(session: Session, episode_id: int, settings: Settings) -> list[EncodedFile]:
    """Every encode of the talk that exists (any state, any profile), probed.

    Raises NotFound naming the folders looked in when there is none; a file ffprobe
    cannot read is skipped (it is being written, or broken: review would say so).
    """
    episode = get_episode(session, episode_id)
    found = []
    for name, path in encoded_files(episode, settings):
        try:
            info = probe(path)
        except MediaError:
            continue
        video = info.video
        fps = (video.fps if video is not None else None) or settings.profile(name).fps
        found.append(EncodedFile(name, path, info.duration or 0.0, fps, info.size or 0))
    if not found:
        where = ", ".join(
            str(
                output_path(
                    settings, episode.show.client.slug, episode.show.slug, prof, episode.slug
                )
            )
            for prof in (settings.profile(n) for n in settings.profiles)
        )
        raise NotFound(
            f"episode {episode.id} ({episode.slug}) has no encode yet; looked for {where}"
        )
    return found


def encoded_files(episode: Episode, settings: Settings) -> list[tuple[str, Path]]:
    """(profile, path) of every encode of `episode` that exists on disk, profiles in order."""
    found = []
    for name in settings.profiles:
        prof = settings.profile(name)
        path = output_path(
            settings, episode.show.client.slug, episode.show.slug, prof, episode.slug
        )
        if path.is_file():
            found.append((name, path))
    return found


def show_playlist(
    episodes: list[Episode], settings: Settings, kind: str, profile: str | None = None
) -> Playlist:
    """An m3u of every talk's raw cuts (`raw`) or encode for `profile` (`encoded`)."""
    if kind not in KINDS:
        raise InvalidInput(f"playlist kind {kind!r}: choose raw or encoded")
    try:
        prof = settings.profile(profile)
    except ConfigError as exc:
        raise InvalidInput(str(exc)) from None
    lines = ["#EXTM3U"]
    result = Playlist("")
    for episode in episodes:
        if kind == "encoded":
            path = output_path(
                settings, episode.show.client.slug, episode.show.slug, prof, episode.slug
            )
            if not path.is_file():
                result.skipped.append(f"{episode.id} {episode.slug}: not encoded ({prof.name})")
                continue
            lines += encoded_entries(episode, settings, prof.name)
        elif not episode.applied_cuts():
            result.skipped.append(f"{episode.id} {episode.slug}: no applied cuts")
            continue
        else:
            lines += raw_entries(episode, settings)
        result.entries += 1
    result.text = "\n".join(lines) + "\n"
    return result


def show_selection(session: Session, show_id: int) -> Selection:
    """The selection of every episode of the show with this id."""
    show = get_show_by_id(session, show_id)
    return Selection(show.client.slug, show.slug)


def show_playlist_by_id(
    session: Session, show_id: int, settings: Settings, kind: str, profile: str | None = None
) -> Playlist:
    """`show_playlist` of every episode of the show with this id (the editor's File menu)."""
    episodes = select_episodes(session, show_selection(session, show_id))
    return show_playlist(episodes, settings, kind, profile)
