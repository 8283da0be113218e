"""Talks by hand (admins): add one the schedule lacks, duplicate or split, move, delete, set.

Each function takes the acting identity (admins only, checked here for every front end),
works in the caller's transaction and leaves a trace: a Log row on the talk, and an
AuditEntry for what must outlive it (a deletion). Fields set here are marked as edited,
so a schedule re-import keeps them; the talk's `serial` is bumped, so an editor who has
the talk open merges (these fields are not in the editor's form) instead of overwriting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veyedesk.ingest import records
from veyedesk.ingest.records import ScheduleError
from veyedesk.model import AuditEntry, EncodeJob, Episode, Log, Show
from veyedesk.model.kinds import JobKind, LogKind
from veyedesk.model.slug import TakenSlugs
from veyedesk.model.text import plain_text
from veyedesk.model.timecode import TimecodeError, parse_offset
from veyedesk.services.admin.settings import FALSE, TRUE
from veyedesk.services.catalog import check_slug, get_room, get_show_by_id
from veyedesk.services.episodes import add_episode, get_episode
from veyedesk.services.errors import AlreadyExists, InvalidInput
from veyedesk.services.identity import Identity, require_admin
from veyedesk.services.ingest import reassociate, unedited_reason

# What `episode set` and the Admin tab change; the editor's form has the rest.
ADMIN_FIELDS: tuple[str, ...] = (
    "slug",
    "conf_url",
    "sequence",
    "stop",
    "reviewers",
    "host_url",
    "public_url",
    "archive_url",
)
# A time of day alone ("10:45", "9:05:30"): it means that time on a day the caller picks.
_TIME_OF_DAY = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_URLS = ("conf_url", "host_url", "public_url", "archive_url")
MAX_TALK = timedelta(hours=24)


@dataclass(frozen=True)
class AdminInfo:
    """A talk's admin fields, its slot and its show's rooms, as plain data for the Admin tab."""

    episode_id: int
    show_id: int
    room: str
    rooms: list[tuple[str, str]]  # (slug, name) of the show's rooms
    start: datetime | None
    duration: float | None
    end: datetime | None
    values: dict[str, Any]
    encodes: int


def parse_when(text: str, what: str = "start") -> datetime:
    """`YYYY-MM-DD HH:MM[:SS]` (or ISO 8601) as naive venue wall clock, as schedules are read.

    A UTC offset is dropped (the wall clock as written is kept), like the schedule importer.
    """
    try:
        wall, _offset = records.parse_when(text, what)
    except ScheduleError:
        years = f"{records.EARLIEST.year} to {records.LATEST.year - 1}"
        raise InvalidInput(
            f"{what} {text!r} is not a time; give YYYY-MM-DD HH:MM (years {years})"
        ) from None
    return wall


def parse_when_on(text: str, day: date | None, what: str = "start") -> datetime:
    """Like `parse_when`, and `HH:MM[:SS]` alone means that time on `day` (a day of the show).

    The Admin tab's time fields read what is typed with this, so "10:45" is 10:45 on the
    chosen day, not 10:00:45 as a sectioned date-time editor would make of it.
    """
    raw = text.strip()
    alone = _TIME_OF_DAY.fullmatch(raw)
    if alone is None:
        return parse_when(raw, what)
    if day is None:
        raise InvalidInput(f"{what} {raw!r} has no day; give YYYY-MM-DD HH:MM")
    hour, minute, second = (int(part or 0) for part in alone.groups())
    if hour > 23 or minute > 59 or second > 59:
        raise InvalidInput(f"{what} {raw!r} is not a time of day; give HH:MM from 00:00 to 23:59")
    return datetime(day.year, day.month, day.day, hour, minute, second)


def show_days(session: Session, show_id: int) -> list[date]:
    """The days a show has talks on, in order: what a time typed alone may be on."""
    starts = session.scalars(
        select(Episode.start).where(Episode.show_id == show_id, Episode.start.is_not(None))
    )
    return sorted({start.date() for start in starts if start is not None})


def parse_duration(value: Any) -> float:
    """Seconds from a number, `MM:SS`, `HH:MM:SS` or `25m`/`1h`; must be over zero."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value).strip().lower()
        try:
            if text.endswith("m") and text[:-1].replace(".", "", 1).isdigit():
                seconds = float(text[:-1]) * 60
            elif text.endswith("h") and text[:-1].replace(".", "", 1).isdigit():
                seconds = float(text[:-1]) * 3600
            else:
                seconds = parse_offset(text)
        except (TimecodeError, ValueError):
            raise InvalidInput(
                f"duration {value!r} is not a length; give seconds, MM:SS, HH:MM:SS or 5m"
            ) from None
    if not 0 < seconds <= MAX_TALK.total_seconds():
        raise InvalidInput(f"duration {value!r} must be more than 0 and at most 24 hours")
    return seconds


def _log(episode: Episode, who: Identity, result: str) -> None:
    now = datetime.now()
    episode.logs.append(
        Log(
            state=episode.state, user=who.name, result=result, kind=LogKind.NOTE, start=now, end=now
        )
    )


def _touch(episode: Episode, names: list[str]) -> None:
    episode.serial += 1
    episode.edited_fields = sorted(set(episode.edited_fields or []) | set(names))


def _refresh_cuts(session: Session, episode: Episode) -> int:
    """Make an unedited talk's cuts again from its room's raw files; the number of cuts."""
    if unedited_reason(episode, set()):
        return len(episode.cuts)
    return reassociate(session, episode.show, [episode]).get(episode.id, 0)


def add_talk(
    session: Session,
    who: Identity,
    show: Show,
    name: str,
    room: str,
    start: datetime,
    duration: float,
    **fields: Any,
) -> Episode:
    """A talk the schedule lacks (a lightning talk), in state edit, with its cuts made."""
    require_admin(session, who)
    name = plain_text(name).strip()
    if not name:
        raise InvalidInput("a talk needs a name")
    location = get_room(session, show, room)
    duration = parse_duration(duration)
    episode = add_episode(
        session,
        show,
        name,
        room=location,
        start=start,
        duration=duration,
        channelcopy=location.channelcopy,
        **fields,
    )
    session.flush()
    _log(episode, who, "added by hand")
    _refresh_cuts(session, episode)
    session.flush()
    return episode


def duplicate_talk(
    session: Session,
    who: Identity,
    episode_id: int,
    *,
    split_at: datetime | None = None,
    name: str | None = None,
) -> Episode:
    """A copy of the talk; with `split_at`, the copy takes the part from that time on.

    One recording holding two talks: the original keeps [start, split_at) and the copy
    gets [split_at, end). Unedited talks get their cuts made again for their new slots.
    """
    require_admin(session, who)
    original = get_episode(session, episode_id)
    if original.location is None:
        raise InvalidInput(f"episode {episode_id} has no room; set its room before duplicating")
    start, duration = original.start, original.duration
    if split_at is not None:
        if start is None or duration is None:
            raise InvalidInput(f"episode {episode_id} has no start or duration to split")
        end = start + timedelta(seconds=duration)
        if not start < split_at < end:
            raise InvalidInput(
                f"split time {split_at:%H:%M:%S} is not inside episode {episode_id} "
                f"({start:%H:%M:%S}–{end:%H:%M:%S})"
            )
        original.duration = (split_at - start).total_seconds()
        _touch(original, ["duration"])
        _log(original, who, f"split at {split_at:%H:%M:%S}")
        start, duration = split_at, (end - split_at).total_seconds()
    copied = {
        f: getattr(original, f)
        for f in (
            "subtitle",
            "authors",
            "emails",
            "description",
            "language",
            "license",
            "tags",
            "channelcopy",
            "normalise",
            "reviewers",
            "utc_offset_min",
        )
    }
    copy = add_episode(
        session,
        original.show,
        plain_text(name or original.name).strip() or original.name,
        room=original.location,
        start=start,
        duration=duration,
        sequence=original.sequence,
        **copied,
    )
    session.flush()
    _log(copy, who, f"{'split' if split_at else 'duplicated'} from episode {original.id}")
    if split_at is not None:
        _refresh_cuts(session, original)
    _refresh_cuts(session, copy)
    session.flush()
    return copy


def move_talk(session: Session, who: Identity, episode_id: int, room: str) -> Episode:
    """Move the talk to another room of its show; an unedited talk's cuts follow it."""
    require_admin(session, who)
    episode = get_episode(session, episode_id)
    target = get_room(session, episode.show, room)
    before = episode.location.slug if episode.location else "none"
    if episode.location_id == target.id:
        return episode
    episode.location = target
    _touch(episode, ["location"])
    _log(episode, who, f"moved from room {before} to {target.slug}")
    session.flush()
    _refresh_cuts(session, episode)
    session.flush()
    return episode


def encode_count(session: Session, episode_id: int) -> int:
    """How many encode jobs (any status) the talk has had."""
    stmt = (
        select(func.count())
        .select_from(EncodeJob)
        .where(EncodeJob.episode_id == episode_id, EncodeJob.kind == JobKind.ENCODE)
    )
    return int(session.scalar(stmt) or 0)


def delete_talk(session: Session, who: Identity, episode_id: int, *, force: bool = False) -> str:
    """Delete the talk, its cuts, jobs and Log; refused when it was encoded unless `force`.

    The deletion is recorded as an AuditEntry (the talk's own Log goes with it). Returns
    the slug of the deleted talk.
    """
    require_admin(session, who)
    episode = get_episode(session, episode_id)
    encodes = encode_count(session, episode_id)
    if encodes and not force:
        raise InvalidInput(
            f"episode {episode_id} ({episode.slug}) has {encodes} encode(s); deleting it "
            "loses them from the queue: add --force (or tick Force) to delete it anyway"
        )
    # Someone else's open editor would lose the talk under their hands; one's own is closed
    # by the window before it deletes.
    if episode.locked_by and episode.locked_by != who.name and not force:
        raise InvalidInput(
            f"episode {episode_id} is open in {episode.locked_by}'s editor; close it there "
            "first, or add --force"
        )
    for job in session.scalars(select(EncodeJob).where(EncodeJob.episode_id == episode_id)):
        session.delete(job)
    session.add(
        AuditEntry(
            show_id=episode.show_id,
            user=who.name,
            action="episode delete",
            target=f"{episode.id} {episode.slug}",
            detail=f"{episode.name!r}; {len(episode.cuts)} cut(s), {encodes} encode(s)"
            + ("; forced" if force else ""),
        )
    )
    slug = episode.slug
    session.delete(episode)
    session.flush()
    return slug


def _parse_admin(session: Session, episode: Episode, name: str, value: Any) -> Any:
    key = name.strip().replace("-", "_")
    if key not in ADMIN_FIELDS:
        raise InvalidInput(
            f"an episode has no admin setting {name!r}; use: {', '.join(ADMIN_FIELDS)}"
        )
    where = f"episode {episode.id} {key}"
    if key == "sequence":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"{where} {value!r} is not a whole number") from None
    if key == "stop":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE or text in FALSE:
            return text in TRUE
        raise InvalidInput(f"{where} {value!r} is not yes or no")
    text = plain_text("" if value is None else str(value)).strip()
    if key == "slug":
        check_slug(text, "episode")
        others = session.scalars(
            select(Episode.slug).where(Episode.show_id == episode.show_id, Episode.id != episode.id)
        )
        # Output files are named after slugs: `Intro` and `intro` would be one file on a
        # case-insensitive disk, each encode overwriting the other's.
        if text in TakenSlugs(others):
            raise AlreadyExists(
                f"{where} {text!r} is taken in this show (slugs may not differ only in case: "
                "they name the output files); choose another"
            )
    elif key in _URLS and text and not text.startswith(("http://", "https://")):
        raise InvalidInput(f"{where} {text!r} is not an http(s) URL; give https://… or blank")
    return text


def set_talk(
    session: Session, who: Identity, episode_id: int, values: Mapping[str, Any]
) -> list[tuple[str, Any, Any]]:
    """Change the talk's admin fields; every value is checked before any is written."""
    require_admin(session, who)
    episode = get_episode(session, episode_id)
    parsed = {
        n.strip().replace("-", "_"): _parse_admin(session, episode, n, v) for n, v in values.items()
    }
    changes = [(n, getattr(episode, n), v) for n, v in parsed.items() if getattr(episode, n) != v]
    if not changes:
        return []
    for name, _old, new in changes:
        setattr(episode, name, new)
    _touch(episode, [n for n, _, _ in changes])
    _log(episode, who, "set " + "; ".join(f"{n} {o!r} -> {v!r}" for n, o, v in changes))
    session.flush()
    return changes


def admin_info(session: Session, episode_id: int) -> AdminInfo:
    """The Admin tab's data for a talk."""
    episode = get_episode(session, episode_id)
    return AdminInfo(
        episode.id,
        episode.show_id,
        episode.location.slug if episode.location else "",
        [(r.slug, r.name) for r in episode.show.locations],
        episode.start,
        episode.duration,
        episode.end,
        {n: getattr(episode, n) for n in ADMIN_FIELDS},
        encode_count(session, episode_id),
    )


def show_rooms(session: Session, show_id: int) -> list[tuple[str, str]]:
    """(slug, name) of a show's rooms: where the Admin tab may add a talk with none open."""
    show = get_show_by_id(session, show_id)
    return [(r.slug, r.name) for r in show.locations]


def add_talk_to(
    session: Session,
    who: Identity,
    show_id: int,
    name: str,
    room: str,
    start: datetime,
    duration: Any,
) -> int:
    """`add_talk` by show id (the window's way); the new talk's id."""
    show = get_show_by_id(session, show_id)
    return add_talk(session, who, show, name, room, start, duration).id
