"""Exports: Veyepar's episode JSON (plus our cuts) and m3u playlists of a talk.

The Veyepar JSON uses the fields Veyepar publishes, so other tools keep working, and
imports back with `import-schedule --format veyepar-json` without losing anything: `start`
is the venue wall clock (to the microsecond when it has a fraction); `utc_offset_min`
keeps the instant; subtitle, language, the talk's other columns, `edited_fields` and
`conf_meta` (the schedule's ids and what its last import wrote) are added, so hand edits
stay protected when the conference's schedule is imported again after the move. Cut
offsets are written the way Veyepar stores them, `HH:MM:SS.ss` decimal seconds (never
SMPTE frames), with more digits only when the offset has them (a 29.97 fps frame), and
each cut names its raw file's start, length and frame rate so a show not scanned yet
still gets its cuts.

A raw playlist lists each applied cut's file with `#EXTVLCOPT:start-time/stop-time`, the
per-item options VLC reads, so it plays just the talk. mpv (0.35 here) ignores those
lines and would play the whole files, so `mpv_edl` writes the same cuts as an mpv EDL
(`# mpv EDL v0`), which mpv plays as one seamless timeline.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from veyedesk.config import Settings
from veyedesk.ingest.records import RESTORED_COLUMNS
from veyedesk.ingest.schedule_veyepar import veyepar_state_number
from veyedesk.media.locator import MediaLocator
from veyedesk.model import Cut, Episode
from veyedesk.model.paths import UnsafePath
from veyedesk.model.timecode import format_decimal_exact, format_duration
from veyedesk.services.encoding import output_path
from veyedesk.services.episodes import applied_cuts


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds == int(seconds):
        return format_duration(seconds)  # Veyepar's `H:MM:SS`
    return format_decimal_exact(seconds, min_places=0)  # only veyedesk writes a fraction


def _cut(cut: Cut) -> dict[str, Any]:
    raw = cut.raw_file
    return {
        "raw_file": raw.filename,
        "room": raw.location.folder,
        # Veyepar's Cut_List offsets: `HH:MM:SS.ss` decimal seconds, blank = file bound.
        "start": format_decimal_exact(cut.start),
        "end": format_decimal_exact(cut.end),
        "apply": cut.apply,
        "sequence": cut.sequence,
        "edited": cut.edited,
        "comment": cut.comment,
        "raw_start": raw.start.isoformat() if raw.start else None,
        "raw_duration": raw.duration,
        "raw_fps": raw.fps,
    }


def veyepar_episode(episode: Episode) -> dict[str, Any]:
    """One episode as Veyepar publishes it, plus what a round trip needs, with its `cuts`."""
    doc: dict[str, Any] = {
        "id": episode.id,
        "uuid": episode.uuid,
        "state": veyepar_state_number(episode.state.slug) if episode.state else None,
        "location": episode.location.name if episode.location else None,
        "location_slug": episode.location.slug if episode.location else None,
        "sequence": episode.sequence,
        "name": episode.name,
        "subtitle": episode.subtitle,
        "slug": episode.slug,
        "authors": episode.authors,
        "emails": episode.emails,
        "description": episode.description,
        "language": episode.language,
        # isoformat() keeps a fraction of a second (10:00:18.600000) and omits a zero one.
        "start": episode.start.isoformat() if episode.start else None,
        "utc_offset_min": episode.utc_offset_min,
        "duration": _duration(episode.duration),
        "released": episode.released,
        "license": episode.license,
        "tags": episode.tags,
        "conf_key": episode.conf_key,
        "conf_url": episode.conf_url,
        "host_url": episode.host_url,
        "public_url": episode.public_url,
        "comment": episode.comment,
    }
    doc.update({name: getattr(episode, name) for name in RESTORED_COLUMNS})
    doc["edited_fields"] = list(episode.edited_fields or [])
    doc["conf_meta"] = episode.conf_meta if isinstance(episode.conf_meta, dict) else {}
    doc["cuts"] = [_cut(c) for c in sorted(episode.cuts, key=lambda c: (c.sequence, c.id or 0))]
    return doc


def veyepar_json(episodes: list[Episode]) -> list[dict[str, Any]]:
    """Episodes in Veyepar's JSON shape (a list, like Veyepar's `<show>.json`)."""
    return [veyepar_episode(e) for e in episodes]


def _m3u_text(value: str) -> str:
    # A newline in a title would start a new playlist entry.
    return " ".join(value.split())


def _m3u_path(path: Path, what: str) -> str:
    # A path is one line: a newline in it would add entries (or options) to the playlist.
    # Names from rows are refused before (model.paths); this also covers the roots.
    text = str(path)
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise UnsafePath(
            f"{what} {text!r} holds a control character (a newline…) and cannot go in a "
            "playlist; rename it"
        )
    return text


def raw_entries(episode: Episode, settings: Settings) -> list[str]:
    """The m3u entry lines (no header) of the episode's applied cuts, each with its in/out."""
    cuts = applied_cuts(episode)
    locator = MediaLocator.for_settings(settings)
    lines = []
    for n, cut in enumerate(cuts, 1):
        local = locator.locate(cut.raw_file)
        lines.append(f"#EXTINF:{round(cut.duration())},{_m3u_text(episode.name)} ({n}/{len(cuts)})")
        # A local piece (assets folder) starts `offset` raw seconds in: its bounds move too.
        if cut.start is not None:
            lines.append(f"#EXTVLCOPT:start-time={max(0.0, local.local(cut.start)):.3f}")
        if cut.end is not None:
            lines.append(f"#EXTVLCOPT:stop-time={local.local(cut.end):.3f}")
        lines.append(_m3u_path(local.path, f"raw file of cut {cut.id}"))
    return lines


def raw_playlist(episode: Episode, settings: Settings) -> str:
    """An m3u of the episode's applied cuts, each limited to its in/out offsets."""
    entries = raw_entries(episode, settings)
    return "\n".join(["#EXTM3U", f"#PLAYLIST:{_m3u_text(episode.name)}", *entries]) + "\n"


def mpv_edl(episode: Episode, settings: Settings) -> str:
    """The applied cuts as an mpv EDL file: one `path,start,length` line per cut."""
    cuts = applied_cuts(episode)
    lines = ["# mpv EDL v0"]
    locator = MediaLocator.for_settings(settings)
    for cut in cuts:
        local = locator.locate(cut.raw_file)
        path = _m3u_path(local.path, f"raw file of cut {cut.id}")
        start = max(0.0, local.local(cut.in_offset()))
        # `%N%` prefixes a path by its length, so commas or spaces in it cannot break the line.
        lines.append(f"%{len(path.encode())}%{path},{start:.3f},{cut.duration():.3f}")
    return "\n".join(lines) + "\n"


def encoded_entries(episode: Episode, settings: Settings, profile: str | None = None) -> list[str]:
    """The m3u entry lines (no header) of the episode's encoded file for a profile."""
    prof = settings.profile(profile)
    path = output_path(settings, episode.show.client.slug, episode.show.slug, prof, episode.slug)
    entry = _m3u_path(path, f"episode {episode.id}'s encode")
    return [f"#EXTINF:{round(episode.cuts_time())},{_m3u_text(episode.name)}", entry]


def encoded_playlist(episode: Episode, settings: Settings, profile: str | None = None) -> str:
    """An m3u of the episode's encoded file for a profile (default profile when None)."""
    return "\n".join(["#EXTM3U", *encoded_entries(episode, settings, profile)]) + "\n"
