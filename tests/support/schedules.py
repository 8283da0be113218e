"""Sample schedules as conference systems publish them (frab/pretalx XML and JSON, pentabarf).

Written by hand after the published formats, not downloaded: a two-day, three-room
conference in Europe/Berlin (+01:00) with German and English titles, typographic quotes,
`&amp;`, HTML-escaped descriptions, an opted-out talk and a talk after midnight.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from xml.sax.saxutils import escape, quoteattr


@dataclass(frozen=True)
class Talk:
    id: int
    guid: str
    day: int  # 0-based
    room: str
    start: str  # HH:MM wall clock
    duration: str  # HH:MM
    title: str
    persons: tuple[str, ...]
    language: str = "en"
    abstract: str = ""
    description: str = ""
    optout: bool = False
    track: str = "Talks"
    subtitle: str = ""

    def when(self, first_day: datetime) -> datetime:
        h, m = (int(x) for x in self.start.split(":"))
        at = first_day + timedelta(days=self.day, hours=h, minutes=m)
        if h < 6:  # after midnight: still the previous schedule day
            at += timedelta(days=1)
        return at


FIRST_DAY = datetime(2026, 2, 1)
ROOMS = ("Hörsaal 1", "Saal „Ada“", "Workshop-Raum")

TALKS: tuple[Talk, ...] = (
    Talk(
        101,
        "6c2f0a0e-0001-4c1e-9a51-000000000101",
        0,
        "Hörsaal 1",
        "10:00",
        "00:45",
        "Eröffnung & Begrüßung",
        ("Anna Müller",),
        "de",
        "Wir eröffnen die Konferenz.",
    ),
    Talk(
        102,
        "6c2f0a0e-0001-4c1e-9a51-000000000102",
        0,
        "Hörsaal 1",
        "11:00",
        "00:30",
        "„Warum Video?“ – ein Rückblick",
        ("Jörg Schäfer", "Zoë Ødegård"),
        "de",
        "",
        "<p>Ein <b>Rückblick</b> auf 10 Jahre &amp; mehr.</p><p>Zweiter Absatz.</p>",
    ),
    Talk(
        103,
        "6c2f0a0e-0001-4c1e-9a51-000000000103",
        0,
        "Saal „Ada“",
        "11:00",
        "01:00",
        "Rust & Python: “Fearless” FFI",
        ("Grace O'Neil",),
        "en",
        "Bindings without tears.",
        subtitle="A practical guide",
    ),
    Talk(
        104,
        "6c2f0a0e-0001-4c1e-9a51-000000000104",
        0,
        "Workshop-Raum",
        "14:00",
        "02:00",
        "Workshop: DV-Kameras \\ Kabel: 100% analog 🎥",
        ("Li Wei", "Ana Pérez"),
        "de",
        optout=True,
    ),
    Talk(
        201,
        "6c2f0a0e-0001-4c1e-9a51-000000000201",
        1,
        "Hörsaal 1",
        "09:30",
        "00:30",
        "Keynote: ‘The Last Mile’",
        ("Sam Rivera",),
        "en",
        "Shipping the last 10%.",
    ),
    Talk(
        202,
        "6c2f0a0e-0001-4c1e-9a51-000000000202",
        1,
        "Saal „Ada“",
        "10:15",
        "00:25",
        "Lightning Talks <3",
        ("Various",),
        "en",
    ),
    Talk(
        203,
        "6c2f0a0e-0001-4c1e-9a51-000000000203",
        1,
        "Hörsaal 1",
        "00:30",
        "00:30",
        "Nachtschicht: Streams um Mitternacht",
        ("Nachteule",),
        "de",
    ),
)


def _days(talks: tuple[Talk, ...]) -> list[int]:
    return sorted({t.day for t in talks})


def _rooms(talks: tuple[Talk, ...]) -> list[str]:
    return list(dict.fromkeys(t.room for t in talks))


def frab_xml(talks: tuple[Talk, ...] = TALKS, *, offset: str = "+01:00") -> bytes:
    """A frab/pretalx schedule.xml (event <date> with offset, plus <start>)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<schedule>",
        '  <generator name="pretalx" version="2024.1"/>',
        "  <version>1.0 “Ada”</version>",
        "  <conference>",
        "    <acronym>vk26</acronym>",
        "    <title>Videokonferenz 2026 &amp; Friends</title>",
        "    <start>2026-02-01</start><end>2026-02-02</end><days>2</days>",
        "    <timeslot_duration>00:05</timeslot_duration>",
        "    <time_zone_name>Europe/Berlin</time_zone_name>",
        "  </conference>",
    ]
    for day in _days(talks):
        date = FIRST_DAY + timedelta(days=day)
        out.append(
            f'  <day index="{day + 1}" date="{date:%Y-%m-%d}" '
            f'start="{date:%Y-%m-%d}T06:00:00{offset}" '
            f'end="{date + timedelta(days=1):%Y-%m-%d}T05:59:00{offset}">'
        )
        for room in _rooms(talks):
            out.append(f"    <room name={quoteattr(room)}>")
            for t in (t for t in talks if t.day == day and t.room == room):
                at = t.when(FIRST_DAY)
                persons = "".join(
                    f'<person id="{t.id * 10 + i}">{escape(p)}</person>'
                    for i, p in enumerate(t.persons)
                )
                out += [
                    f'      <event guid="{t.guid}" id="{t.id}">',
                    f"        <date>{at:%Y-%m-%dT%H:%M:%S}{offset}</date>",
                    f"        <start>{t.start}</start>",
                    f"        <duration>{t.duration}</duration>",
                    f"        <room>{escape(room)}</room>",
                    f"        <slug>vk26-{t.id}-x</slug>",
                    f"        <url>https://pretalx.example/vk26/talk/{t.id}/</url>",
                    f"        <title>{escape(t.title)}</title>",
                    f"        <subtitle>{escape(t.subtitle)}</subtitle>",
                    f"        <track>{escape(t.track)}</track>",
                    "        <type>Talk</type>",
                    f"        <language>{t.language}</language>",
                    f"        <abstract>{escape(t.abstract)}</abstract>",
                    f"        <description>{escape(t.description)}</description>",
                    "        <recording><license>CC BY 4.0</license>"
                    f"<optout>{'true' if t.optout else 'false'}</optout></recording>",
                    f"        <persons>{persons}</persons>",
                    '        <links><link href="https://example.org/slides.pdf">Slides</link>'
                    "</links>",
                    "        <attachments/>",
                    "      </event>",
                ]
            out.append("    </room>")
        out.append("  </day>")
    out.append("</schedule>")
    return ("\n".join(out) + "\n").encode("utf-8")


def pentabarf_xml(talks: tuple[Talk, ...] = TALKS) -> bytes:
    """An old pentabarf/FOSDEM-style schedule.xml: day date + HH:MM, no zone at all."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<schedule>",
        "<conference>",
        "<title>Old Conf</title><city>Brussels</city></conference>",
    ]
    for day in _days(talks):
        date = FIRST_DAY + timedelta(days=day)
        out.append(
            f'<day index="{day + 1}" date="{date:%Y-%m-%d}" start="{date:%Y-%m-%d}T06:00:00">'
        )
        for room in _rooms(talks):
            out.append(f"<room name={quoteattr(room)}>")
            for t in (t for t in talks if t.day == day and t.room == room):
                persons = "".join(
                    f'<person id="{i}">{escape(p)}</person>' for i, p in enumerate(t.persons)
                )
                out.append(
                    f'<event id="{t.id}"><start>{t.start}</start><duration>{t.duration}</duration>'
                    f"<room>{escape(room)}</room><title>{escape(t.title)}</title>"
                    f"<abstract>{escape(t.abstract)}</abstract><persons>{persons}</persons></event>"
                )
            out.append("</room>")
        out.append("</day>")
    out.append("</schedule>")
    return "\n".join(out).encode("utf-8")


def pretalx_json(talks: tuple[Talk, ...] = TALKS, *, offset: str = "+01:00") -> bytes:
    """A pretalx/frab schedule.json."""
    days = []
    for day in _days(talks):
        date = FIRST_DAY + timedelta(days=day)
        rooms: dict[str, list[dict[str, object]]] = {}
        for room in _rooms(talks):
            rooms[room] = [
                {
                    "guid": t.guid,
                    "id": t.id,
                    "date": f"{t.when(FIRST_DAY):%Y-%m-%dT%H:%M:%S}{offset}",
                    "start": t.start,
                    "duration": t.duration,
                    "room": room,
                    "slug": f"vk26-{t.id}",
                    "url": f"https://pretalx.example/vk26/talk/{t.id}/",
                    "title": t.title,
                    "subtitle": t.subtitle,
                    "track": t.track,
                    "type": "Talk",
                    "language": t.language,
                    "abstract": t.abstract,
                    "description": t.description,
                    "recording_license": "CC BY 4.0",
                    "do_not_record": t.optout,
                    "persons": [
                        {"code": f"P{t.id}{i}", "public_name": p} for i, p in enumerate(t.persons)
                    ],
                    "links": [],
                    "attachments": [],
                }
                for t in talks
                if t.day == day and t.room == room
            ]
        days.append({"index": day + 1, "date": f"{date:%Y-%m-%d}", "rooms": rooms})
    doc = {
        "schedule": {
            "version": "1.0",
            "base_url": "https://pretalx.example/vk26/schedule/",
            "conference": {
                "acronym": "vk26",
                "title": "Videokonferenz 2026",
                "start": "2026-02-01",
                "end": "2026-02-02",
                "daysCount": 2,
                "timeslot_duration": "00:05",
                "time_zone_name": "Europe/Berlin",
                "days": days,
            },
        }
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def moved(talks: tuple[Talk, ...], talk_id: int, start: str) -> tuple[Talk, ...]:
    """The same talks with one moved to another start time."""
    return tuple(replace(t, start=start) if t.id == talk_id else t for t in talks)


def many_talks(n: int, rooms: int = 8) -> tuple[Talk, ...]:
    """`n` generated talks over several days and rooms (for benchmarks)."""
    room_names = tuple(f"Room {chr(65 + r)}" for r in range(rooms))
    per_day = rooms * 16
    talks = []
    for i in range(n):
        day, slot = divmod(i, per_day)
        room_index, hour = divmod(slot, 16)
        talks.append(
            Talk(
                10000 + i,
                f"00000000-0000-4000-8000-{i:012d}",
                day,
                room_names[room_index],
                f"{7 + hour:02d}:00",
                "00:45",
                f"Talk {i}: “Generated” & more",
                (f"Speaker {i}",),
            )
        )
    return tuple(talks)
