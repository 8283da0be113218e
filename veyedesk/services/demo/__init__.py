"""The demo show: two rooms, a day of generated recordings and a schedule of talks over them.

A new user runs `veyedesk demo` (or `make run` on an empty database) and sees the real
workflow: talks whose recordings span several files with gaps, cuts made by the same
association a scanned show gets, and one room whose speaker is only on the left channel
(fixed with channelcopy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from veyedesk.media.demo_media import render_demo_recording
from veyedesk.media.probe import MediaError, probe, streams_summary
from veyedesk.model import Client, RawFile, Show
from veyedesk.services import catalog
from veyedesk.services.episodes import Selection, add_episode
from veyedesk.services.errors import AlreadyExists, ServiceError
from veyedesk.services.ingest import associate

DEMO_CLIENT = "demo"
DEMO_SHOW = "demo_conf"

# (room slug, room name, test pattern, tone, speaker on the left channel only)
ROOMS = (
    ("demo_main_hall", "Main Hall", "testsrc2", 440, False),
    ("demo_room_2", "Room 2", "smptehdbars", 330, True),
)

TALKS = (
    ('Keynote: "Why we record every talk"', "Ada Lovelace", "ada@example.org"),
    ("Trimming 100 talks in a weekend — a field guide", "Grace Hopper", "grace@example.org"),
    ("Audio: mono, copy left → right, and other fixes", "Alan Turing", "alan@example.org"),
    ("Lightning talks: 5 × 5 minutes", "Many Speakers", ""),
    ("Timecodes, wall clocks & recorder drift", "Edsger Dijkstra", "edsger@example.org"),
    ("Backslashes \\ quotes ' and colons: a titling torture test 🎥", "Barbara Liskov", ""),
    ("Review before you publish", "Margaret Hamilton", "margaret@example.org"),
    ("Closing: thank you, volunteers", "The Organisers", ""),
)

DESCRIPTION = (
    "A **demo** talk on generated recordings.\n\n"
    "- find where it starts and ends in the raw files\n"
    "- fix the title and speakers\n"
    "- choose the audio fix, then save"
)


class DemoFailed(ServiceError):
    """ffmpeg could not make or read a demo recording; the message names the file."""


@dataclass(frozen=True)
class DemoPlan:
    """How much to generate; tests shrink the files to a few seconds."""

    day: date = field(default_factory=date.today)
    first_start: tuple[int, int] = (10, 0)
    files_per_room: int = 3
    file_seconds: float = 90.0
    gap_seconds: float = 20.0
    talks_per_room: int = 4


@dataclass(frozen=True)
class DemoResult:
    show_id: int
    episodes: int
    raw_files: int
    folder: Path


def demo_exists(session: Session) -> int | None:
    """The demo show's id if it exists."""
    return session.scalar(
        select(Show.id)
        .join(Client, Show.client_id == Client.id)
        .where(Client.slug == DEMO_CLIENT, Show.slug == DEMO_SHOW)
    )


def _room_span(plan: DemoPlan) -> float:
    return plan.files_per_room * plan.file_seconds + (plan.files_per_room - 1) * plan.gap_seconds


def create_demo(
    session: Session,
    folder: Path,
    plan: DemoPlan | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Generate the recordings under `folder`, then create the demo client, show, rooms,
    talks, raw files and cuts (services.assoc) in the caller's transaction.

    AlreadyExists when the demo show is there; DemoFailed when ffmpeg cannot make a file.
    """
    try:
        return _create_demo(session, folder, plan or DemoPlan(), progress)
    except MediaError as exc:
        raise DemoFailed(f"{exc}; the demo show was not created") from None


def _create_demo(
    session: Session,
    folder: Path,
    plan: DemoPlan,
    progress: Callable[[str], None] | None,
) -> DemoResult:
    say = progress or (lambda _message: None)
    if demo_exists(session) is not None:
        raise AlreadyExists(
            f"the demo show exists (--client {DEMO_CLIENT} --show {DEMO_SHOW}); open it with "
            "`veyedesk`"
        )
    day_start = datetime.combine(plan.day, datetime.min.time()).replace(
        hour=plan.first_start[0], minute=plan.first_start[1]
    )
    recordings: list[tuple[int, datetime, str, Path]] = []
    total = len(ROOMS) * plan.files_per_room
    for r, (slug, name, pattern, tone, left_only) in enumerate(ROOMS):
        for f in range(plan.files_per_room):
            start = day_start + timedelta(seconds=f * (plan.file_seconds + plan.gap_seconds))
            relative = f"{plan.day:%Y-%m-%d}/{start:%H_%M_%S}.mp4"
            path = folder / "dv" / slug / relative
            say(f"recording {len(recordings) + 1}/{total}: {name} {start:%H:%M:%S}")
            if not path.exists():
                midnight = datetime.combine(plan.day, datetime.min.time())
                render_demo_recording(
                    path,
                    plan.file_seconds,
                    label=name,
                    wall_start=(start - midnight).total_seconds(),
                    pattern=pattern,
                    tone_hz=tone,
                    left_only=left_only,
                )
            recordings.append((r, start, relative, path))

    client = catalog.add_client(session, DEMO_CLIENT, "Demo Organiser")
    show = catalog.add_show(session, client.slug, DEMO_SHOW, "Demo Conference", str(folder))
    rooms = []
    for slug, name, *_rest in ROOMS:
        room = catalog.add_room(session, show, slug, name)
        rooms.append(room)
    rooms[1].channelcopy = "01"  # the recorder there only has the speaker on the left
    raw_by_room: dict[int, list[RawFile]] = {i: [] for i in range(len(ROOMS))}
    for r, start, relative, path in recordings:
        info = probe(path)
        video = info.video
        raw = RawFile(
            show=show,
            location=rooms[r],
            filename=relative,
            filesize=info.size,
            mtime=path.stat().st_mtime,
            start=start,
            duration=info.duration,
            start_source="path",
            fps=video.fps if video else None,
            streams=streams_summary(info),
        )
        session.add(raw)
        raw_by_room[r].append(raw)
    session.flush()

    span = _room_span(plan)
    slot = span / plan.talks_per_room
    episodes = 0
    for r, room in enumerate(rooms):
        for t in range(plan.talks_per_room):
            title, authors, emails = TALKS[(r * plan.talks_per_room + t) % len(TALKS)]
            start = day_start + timedelta(seconds=round(t * slot + slot * 0.06, 1))
            add_episode(
                session,
                show,
                title,
                room=room,
                start=start,
                duration=round(slot * 0.82, 1),
                authors=authors,
                emails=emails,
                description=DESCRIPTION,
                license="CC BY-SA",
                language="en",
                conf_key=f"demo-{r}-{t}",
                conf_url=f"https://example.org/demo/talk/{r * plan.talks_per_room + t + 1}",
                sequence=t + 1,
            )
            episodes += 1
    session.flush()
    # The ingest's association (Veyepar's assocdv), as a real show gets it after a scan.
    associate(session, Selection(client=DEMO_CLIENT, show=DEMO_SHOW))
    say(f"demo show ready: {episodes} talks in {len(rooms)} rooms")
    return DemoResult(show.id, episodes, len(recordings), folder)
