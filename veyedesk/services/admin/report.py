"""What is missing or odd in a show: orphan raw files, talks without footage, overlapping
talks and raw files, recording gaps during talks, and per-day x room counts by state
(Veyepar's show_stats).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from veyedesk.model import Cut, Episode, RawFile, Show
from veyedesk.model.timecode import format_duration
from veyedesk.services.admin.raw_files_day import show_raw_overlaps

# Recording gaps shorter than this are recorder file switches, not lost footage.
MIN_GAP = 2.0


@dataclass
class ShowReport:
    """Everything `veyedesk report` prints."""

    show: str
    orphans: list[dict[str, Any]] = field(default_factory=list)
    no_raw: list[dict[str, Any]] = field(default_factory=list)
    overlaps: list[dict[str, Any]] = field(default_factory=list)
    raw_overlaps: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(default_factory=list)
    unreadable: list[dict[str, Any]] = field(default_factory=list)
    stats: list[dict[str, Any]] = field(default_factory=list)
    states: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "show": self.show,
            "orphan_raw_files": self.orphans,
            "talks_without_raw": self.no_raw,
            "overlapping_talks": self.overlaps,
            "overlapping_raw_files": self.raw_overlaps,
            "recording_gaps": self.gaps,
            "unreadable_raw_files": self.unreadable,
            "stats": self.stats,
        }

    def lines(self) -> list[str]:
        out = [f"show {self.show}"]

        def section(title: str, rows: list[dict[str, Any]], fmt: str) -> None:
            out.append(f"{title}: {len(rows) or 'none'}")
            out.extend("  " + fmt.format(**row) for row in rows)

        section("raw files covering no talk", self.orphans, "{room}/{filename} ({start}, {length})")
        section("talks with no raw file", self.no_raw, "{id} {room} {start} {name}")
        section(
            "overlapping talks",
            self.overlaps,
            "{room}: {first_id} {first} overlaps {second_id} {second} by {length}",
        )
        section(
            "overlapping raw files (two recorders in one room, or a clock set wrong)",
            self.raw_overlaps,
            "{room}: {first} ({first_start}) overlaps {second} ({second_start}) by {length}",
        )
        section(
            "gaps in recording during talks", self.gaps, "{id} {room} {from}-{to} ({length}) {name}"
        )
        section("unreadable raw files", self.unreadable, "{room}/{filename}: {error}")
        out.append("talks per day and room, by state:")
        header = ["day", "room", "total", *self.states]
        cells = [[str(row.get(h, "") or "") for h in header] for row in self.stats]
        widths = [
            max(len(h), *(len(c[i]) for c in cells)) if cells else len(h)
            for i, h in enumerate(header)
        ]
        out.append(
            "  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()
        )
        for c in cells:
            out.append(
                "  " + "  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip()
            )
        return out


def _overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> bool:
    return a0 < b1 and b0 < a1


def _uncovered(
    start: datetime, end: datetime, spans: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """Parts of [start, end) no span covers (spans sorted by start)."""
    gaps, at = [], start
    for s0, s1 in spans:
        if s1 <= at:
            continue
        if s0 >= end:
            break
        if s0 > at:
            gaps.append((at, s0))
        at = max(at, s1)
        if at >= end:
            break
    if at < end:
        gaps.append((at, end))
    return [(a, b) for a, b in gaps if (b - a).total_seconds() >= MIN_GAP]


def _hm(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def show_report(session: Session, show: Show) -> ShowReport:
    """Build the report of `show`."""
    report = ShowReport(show=f"{show.client.slug}/{show.slug}")
    episodes = list(
        session.scalars(
            select(Episode)
            .where(Episode.show_id == show.id)
            .options(
                selectinload(Episode.location),
                selectinload(Episode.state),
                selectinload(Episode.cuts),
            )
            .order_by(Episode.start, Episode.id)
        )
    )
    raws = list(
        session.scalars(
            select(RawFile)
            .where(RawFile.show_id == show.id, RawFile.trash.is_(False), RawFile.missing.is_(False))
            .options(selectinload(RawFile.location))
            .order_by(RawFile.start)
        )
    )
    used = set(
        session.scalars(
            select(Cut.raw_file_id)
            .join(Episode)
            .where(Episode.show_id == show.id, Cut.apply.is_(True))
        )
    )
    usable: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for raw in raws:
        if raw.probe_error:
            report.unreadable.append(
                {"room": raw.location.slug, "filename": raw.filename, "error": raw.probe_error}
            )
        elif raw.start is not None and raw.end is not None:
            usable[raw.location_id].append((raw.start, raw.end))
    by_room: dict[int | None, list[Episode]] = defaultdict(list)
    for ep in episodes:
        by_room[ep.location_id].append(ep)
    for raw in raws:
        if raw.probe_error or raw.start is None or raw.end is None or raw.id in used:
            continue
        if not any(
            e.start and e.end and _overlap(raw.start, raw.end, e.start, e.end)
            for e in by_room.get(raw.location_id, [])
        ):
            report.orphans.append(
                {
                    "room": raw.location.slug,
                    "filename": raw.filename,
                    "start": _hm(raw.start),
                    "length": format_duration(raw.duration),
                }
            )
    for ep in episodes:
        room = ep.location.slug if ep.location else ""
        base = {"id": ep.id, "room": room, "name": ep.name, "start": _hm(ep.start)}
        if ep.start is None or ep.end is None:
            continue
        spans = usable.get(ep.location_id or -1, [])
        covering = [s for s in spans if _overlap(s[0], s[1], ep.start, ep.end)]
        if not covering and not ep.cuts:
            report.no_raw.append(base)
            continue
        for a, b in _uncovered(ep.start, ep.end, covering):
            report.gaps.append(
                {
                    **base,
                    "from": a.strftime("%H:%M:%S"),
                    "to": b.strftime("%H:%M:%S"),
                    "length": format_duration((b - a).total_seconds()),
                }
            )
    for location_id, eps in by_room.items():
        timed = sorted(
            (e for e in eps if e.start and e.end and location_id),
            key=lambda e: e.start or datetime.min,
        )
        for i, first in enumerate(timed):
            for second in timed[i + 1 :]:
                assert first.end is not None and second.start is not None and second.end is not None
                if second.start >= first.end:
                    break
                report.overlaps.append(
                    {
                        "room": first.location.slug if first.location else "",
                        "first_id": first.id,
                        "first": _hm(first.start),
                        "second_id": second.id,
                        "second": _hm(second.start),
                        "length": format_duration(
                            (min(first.end, second.end) - second.start).total_seconds()
                        ),
                    }
                )
    for room, pair in show_raw_overlaps(session, show.id):
        report.raw_overlaps.append(
            {
                "room": room,
                "first": pair.first.filename,
                "first_start": _hm(pair.first.start),
                "second": pair.second.filename,
                "second_start": _hm(pair.second.start),
                "length": format_duration(pair.seconds),
            }
        )
    counts: dict[tuple[date | None, str], Counter[str]] = defaultdict(Counter)
    states: dict[str, int] = {}
    for ep in episodes:
        state = ep.state.slug if ep.state else "none"
        states[state] = ep.state.sequence if ep.state else 0
        day = ep.start.date() if ep.start else None
        counts[(day, ep.location.slug if ep.location else "")][state] += 1
    report.states = sorted(states, key=lambda s: states[s])
    for (day, room), counter in sorted(
        counts.items(), key=lambda kv: (kv[0][0] or date.min, kv[0][1])
    ):
        report.stats.append(
            {
                "day": day.isoformat() if day else "unscheduled",
                "room": room,
                "total": sum(counter.values()),
                **counter,
            }
        )
    return report
