"""Re-import planning: compare a schedule with what the database holds, field by field.

Pure: it gets plain snapshots of the existing episodes and returns a plan (added, changed,
vanished, kept-because-edited); the service applies it. A field counts as edited by a
person when it is listed in `Episode.edited_fields`, or when its current value differs
from what the previous import wrote (kept in `conf_meta["imported"]`), which works even
when nothing maintained edited_fields.

A blank schedule value over existing text (an empty CSV cell under a description) is a
*removal*, a kind of change of its own: it is planned but not applied unless chosen
(`removals`: True for all, or the (episode id, field) pairs a person ticked). A blank
cell is more often a column someone forgot to fill than a wish to erase a description.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from veyedesk.ingest.records import EventRecord, Schedule

# Names an editor's edited_fields may use for the same thing as a merge field.
FIELD_ALIASES = {"location": "room", "location_id": "room", "end": "duration"}


def edited_names(edited_fields: Any) -> frozenset[str]:
    """Episode.edited_fields as merge-field names (None or junk -> nothing edited)."""
    if not isinstance(edited_fields, list):
        return frozenset()
    return frozenset(FIELD_ALIASES.get(str(f), str(f)) for f in edited_fields)


def comparable(name: str, value: Any) -> Any:
    """A field value in the JSON-safe form kept in conf_meta["imported"] and compared."""
    if isinstance(value, datetime):
        return value.isoformat(sep="T")
    if name == "duration" and value is not None:
        return round(float(value), 3)
    return value


@dataclass(frozen=True)
class Existing:
    """What the merge needs to know about one episode already in the database."""

    id: int
    conf_key: str
    name: str
    values: dict[str, Any]  # current comparable values of the merge fields
    imported: dict[str, Any]  # comparable values the last import wrote
    edited_fields: frozenset[str] = frozenset()


BLANK = (None, "")
# Which removals to apply: True (all: `--allow-removals`), False, or the chosen ones.
Removals = bool | Collection[tuple[int, str]]


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any

    @property
    def removal(self) -> bool:
        """The schedule is blank where the talk has a value: applying it erases the value."""
        return self.new in BLANK and self.old not in BLANK


@dataclass
class EpisodePlan:
    """What happens to one existing episode."""

    existing: Existing
    record: EventRecord
    changes: list[FieldChange] = field(default_factory=list)
    kept: list[FieldChange] = field(default_factory=list)  # edited here: schedule ignored
    # Removals not chosen: planned, not applied (a chosen one is in `changes`).
    removals: list[FieldChange] = field(default_factory=list)
    imported: dict[str, Any] = field(default_factory=dict)  # new conf_meta["imported"]

    def removal_fields(self) -> tuple[str, ...]:
        """Every field the schedule blanks, chosen or not (the same for a preview and Apply)."""
        return tuple(sorted(c.field for c in self.changes + self.removals if c.removal))


@dataclass
class MergePlan:
    """The diff of a schedule against the database."""

    added: list[EventRecord] = field(default_factory=list)
    updated: list[EpisodePlan] = field(default_factory=list)  # every matched episode
    vanished: list[Existing] = field(default_factory=list)

    @property
    def changed(self) -> list[EpisodePlan]:
        return [p for p in self.updated if p.changes]

    @property
    def kept(self) -> list[EpisodePlan]:
        return [p for p in self.updated if p.kept]

    @property
    def removing(self) -> list[EpisodePlan]:
        """Talks with removals not chosen (they wait for a tick or `--allow-removals`)."""
        return [p for p in self.updated if p.removals]

    @property
    def unchanged(self) -> int:
        return sum(1 for p in self.updated if not p.changes and not p.kept and not p.removals)

    @property
    def is_noop(self) -> bool:
        return not (self.added or self.changed or self.vanished or self.kept or self.removing)

    def lines(self) -> list[str]:
        """The diff as text, one line per added/vanished talk and per changed field."""
        out: list[str] = []
        for rec in self.added:
            when = rec.start.strftime("%Y-%m-%d %H:%M") if rec.start else "no time"
            out.append(f"+ added   {rec.conf_key}: {rec.name!r} ({rec.room}, {when})")
        for plan in self.changed:
            ex = plan.existing
            out.append(f"~ changed {ex.conf_key} (episode {ex.id}): {ex.name!r}")
            out += [
                f"    {c.field}: removed (was {_short(c.old)})"
                if c.removal
                else f"    {c.field}: {' -> '.join(shown_pair(c.old, c.new))}"
                for c in plan.changes
            ]
        for plan in self.kept:
            ex = plan.existing
            out.append(f"= kept    {ex.conf_key} (episode {ex.id}): edited in veyedesk")
            out += [
                f"    {c.field}: keeping {_short(c.old)} (schedule says {_short(c.new)})"
                for c in plan.kept
            ]
        for plan in self.removing:
            ex = plan.existing
            out.append(f"! blank   {ex.conf_key} (episode {ex.id}): {ex.name!r}")
            out += [
                f"    {c.field}: blank in the schedule; keeping {_short(c.old)} "
                "(choose the removal to erase it: --allow-removals)"
                for c in plan.removals
            ]
        for ex in self.vanished:
            out.append(f"- vanished {ex.conf_key} (episode {ex.id}): {ex.name!r} (not deleted)")
        pending = sum(len(p.removals) for p in self.removing)
        # Removals are named only when there are some: the usual summary stays one short line.
        held = f"{pending} removals not applied, " if pending else ""
        summary = (
            f"{len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.kept)} kept because edited, {held}"
            f"{len(self.vanished)} vanished, {self.unchanged} unchanged"
        )
        out.append(summary if not self.is_noop else f"no changes ({summary})")
        return out


def _short(value: Any, limit: int = 70) -> str:
    """A value for the diff: repr, cut in the middle when long (descriptions)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    half = (limit - 5) // 2
    return f"{text[:half]} ... {text[-half:]}"


def shown_pair(old: Any, new: Any, limit: int = 70, as_text: Any = repr) -> tuple[str, str]:
    """Old and new for a one-line diff, cut around where they first differ.

    Cutting each value on its own (in the middle, or at its end) printed a change made
    past the cut as two identical strings; cutting both at the same place keeps the
    difference in view.
    """
    a, b = as_text(old), as_text(new)
    if len(a) <= limit and len(b) <= limit:
        return a, b
    differ = (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y)
    at = next(differ, min(len(a), len(b)))
    start = max(0, at - limit // 3)

    def cut(text: str) -> str:
        piece = text[start : start + limit]
        return ("…" if start else "") + piece + ("…" if start + limit < len(text) else "")

    return cut(a), cut(b)


def plan_merge(
    schedule: Schedule,
    existing: list[Existing],
    *,
    overwrite_edited: bool = False,
    removals: Removals = False,
) -> MergePlan:
    """Compare `schedule` with `existing` episodes (matched on conf_key).

    A removal not chosen by `removals` waits in `EpisodePlan.removals`, and its field's
    imported value stays the old one, so the next import offers it again.
    """
    by_key = {e.conf_key: e for e in existing if e.conf_key}
    plan = MergePlan()
    seen: set[str] = set()
    for record in schedule.events:
        seen.add(record.conf_key)
        ex = by_key.get(record.conf_key)
        if ex is None:
            plan.added.append(record)
            continue
        ep = EpisodePlan(existing=ex, record=record, imported=dict(ex.imported))
        for name, value in record.values().items():
            new = comparable(name, value)
            current = ex.values.get(name)
            ep.imported[name] = new
            if current == new:
                continue
            hand_edited = name in ex.edited_fields or (
                name in ex.imported and ex.imported[name] != current
            )
            change = FieldChange(name, current, new)
            if hand_edited and not overwrite_edited:
                ep.kept.append(change)
            elif change.removal and not _chosen(removals, ex.id, name):
                ep.removals.append(change)
                if name in ex.imported:
                    ep.imported[name] = ex.imported[name]
                else:
                    del ep.imported[name]
            else:
                ep.changes.append(change)
        plan.updated.append(ep)
    plan.vanished = [e for e in existing if e.conf_key and e.conf_key not in seen]
    return plan


def _chosen(removals: Removals, episode_id: int, name: str) -> bool:
    if isinstance(removals, bool):
        return removals
    return (episode_id, name) in removals
