"""Show-wide m3u playlists (Veyepar's encoded-files-playlist and raw-playlist).

One entry block per talk, in the episode list's order, built from `services.export`'s
per-talk playlists so a talk plays the same whether exported alone or with its show.
Talks that cannot be listed (no applied cuts; not encoded yet) are named in `skipped`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from veyedesk.config import ConfigError, Settings
from veyedesk.model import Episode
from veyedesk.services.encoding import output_path
from veyedesk.services.errors import InvalidInput
from veyedesk.services.export import encoded_playlist, raw_playlist

KINDS = ("raw", "encoded")


@dataclass
class Playlist:
    """The m3u text and the talks left out of it, with why."""

    text: str
    entries: int = 0
    skipped: list[str] = field(default_factory=list)


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
            text = encoded_playlist(episode, settings, prof.name)
        else:
            try:
                text = raw_playlist(episode, settings)
            except InvalidInput:
                result.skipped.append(f"{episode.id} {episode.slug}: no applied cuts")
                continue
        # Each talk's own header line is dropped; its #PLAYLIST name would rename the list.
        body = [
            line
            for line in text.splitlines()
            if line and line != "#EXTM3U" and not line.startswith("#PLAYLIST:")
        ]
        lines += body
        result.entries += 1
    result.text = "\n".join(lines) + "\n"
    return result
