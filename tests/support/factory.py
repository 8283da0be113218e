"""Build a show with rooms, episodes, raw files and cuts in one call, for any test."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from veyedesk.model import Client, Cut, Episode, Location, Log, RawFile, Show
from veyedesk.services import catalog
from veyedesk.services.episodes import add_episode

DAY = datetime(2026, 2, 1, 9, 0, 0)


@dataclass
class ShowFixture:
    client: Client
    show: Show
    rooms: list[Location]
    episodes: list[Episode] = field(default_factory=list)
    raw_files: list[RawFile] = field(default_factory=list)


def make_show(
    session: Session,
    *,
    client: str = "pyconf",
    show: str = "pyconf_2026",
    rooms: int = 2,
    talks_per_room: int = 3,
    talk_minutes: int = 30,
    gap_minutes: int = 15,
    raw_minutes: int = 20,
    with_cuts: bool = True,
    utc_offset_min: int | None = 60,
) -> ShowFixture:
    """A client/show with `rooms` rooms, talks back to back, raw files covering each talk.

    Each talk gets raw files of `raw_minutes` covering its slot and one Cut per file.
    """
    c = catalog.add_client(session, client, client.title())
    s = catalog.add_show(session, client, show, show.replace("_", " ").title())
    fixture = ShowFixture(client=c, show=s, rooms=[])
    for r in range(rooms):
        room = catalog.add_room(
            session, s, f"room_{chr(ord('a') + r)}", f"Room {chr(ord('A') + r)}"
        )
        fixture.rooms.append(room)
        at = DAY
        for t in range(talks_per_room):
            ep = add_episode(
                session,
                s,
                f"Talk {t + 1} in {room.name}: “quotes” & <tags>",
                room=room,
                start=at,
                duration=talk_minutes * 60.0,
                authors=f"Speaker {r}{t}",
                emails=f"speaker{r}{t}@example.org",
                conf_key=f"{r}-{t}",
                utc_offset_min=utc_offset_min,
                sequence=t + 1,
            )
            fixture.episodes.append(ep)
            raw_at, seq = at, 1
            while raw_at < at + timedelta(minutes=talk_minutes):
                raw = RawFile(
                    show=s,
                    location=room,
                    filename=f"{raw_at:%Y-%m-%d}/{raw_at:%H_%M_%S}.dv",
                    start=raw_at,
                    duration=raw_minutes * 60.0,
                    filesize=1,
                    start_source="path",
                    fps=25.0,
                )
                session.add(raw)
                fixture.raw_files.append(raw)
                if with_cuts:
                    ep.cuts.append(Cut(raw_file=raw, sequence=seq))
                seq += 1
                raw_at += timedelta(minutes=raw_minutes)
            at += timedelta(minutes=talk_minutes + gap_minutes)
    session.flush()
    return fixture


def set_state(session: Session, episode: Episode, slug: str, user: str = "tester") -> Log:
    """Put a talk in a state for a test's set-up: logged like a move, nothing queued.

    Real state changes go through services.editing.change_state, which also queues work.
    """
    from veyedesk.jobs.state_moves import move as _move
    from veyedesk.services.episodes import get_state

    _move(session, episode, get_state(session, slug), user, "")
    session.flush()
    return episode.logs[-1]


# The state each review state is reached from on a talk's road (pass states in between).
_ROAD_INTO = {"review 1": "push to queue", "review 2": "email"}


def walk_into(session: Session, episode: Episode, slug: str, user: str = "tester") -> Log:
    """Bring a talk into *review 1* or *review 2* the way the pipeline does; the arrival's Log.

    For tests whose talks have no media to encode (`tests/support/encoded.py` encodes for
    real): the talk enters the state before (*push to queue*, *email*) through
    `jobs.state_moves.enter_state`, which walks pass states and applies release gating,
    so a rule that stalls a talk on the way fails the test instead of being skipped like
    `set_state` skips it. Review tests use this or the encoded helpers, never `set_state`.
    """
    from sqlalchemy import select

    from veyedesk.jobs.state_moves import enter_state
    from veyedesk.model.kinds import LogKind
    from veyedesk.services.episodes import get_state

    enter_state(session, episode, get_state(session, _ROAD_INTO[slug]), user, "mp4")
    session.flush()
    reached = episode.state.slug if episode.state else "none"
    assert reached == slug, f"the talk stopped in {reached!r} on its way to {slug!r}"
    arrival = session.scalars(
        select(Log)
        .where(Log.episode_id == episode.id, Log.kind == LogKind.STATE)
        .order_by(Log.id.desc())
        .limit(1)
    ).one()
    return arrival
