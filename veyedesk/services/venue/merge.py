"""The three-way merge of one row, field by field: base, mine (the venue copy), theirs (shared).

Pure: values in, values out. A field only one side changed takes that side's value; the
same change on both sides is no conflict; different changes to the same field are a
`FieldConflict` that a choice (`mine`/`theirs`) resolves, or that stays pending: then each
side keeps its own value and the base keeps the old one, so the next merge finds the same
conflict again and nothing is overwritten without a choice. A row deleted on one side and
changed on the other is a conflict on the pseudo-field `deleted`. Fields measured from
the media (`rows.MEDIA_FIELDS`: a raw file's streams, duration, size, fps) are never a
conflict: they are recomputed by a scan, so when both sides changed one, the shared
side's value is kept ("theirs") and nobody is asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from veyedesk.services.venue.rows import (
    EPISODE,
    IMAGE,
    LOG,
    MEDIA_FIELDS,
    RAW_FILE,
    ROOM,
    Data,
    fields_of,
)

# The row-level pseudo-field for "deleted on one side, changed on the other".
DELETED = "deleted"
# A base value no real value equals: a row both sides created with different values.
UNSET: dict[str, bool] = {"__unset__": True}

MINE, THEIRS = "mine", "theirs"
# Fields holding a set (sorted list): links added on either side are kept, a link removed
# on one side (and kept as it was on the other) goes; never a conflict.
SET_FIELDS = frozenset({(IMAGE, "episodes")})
BLANK = (None, "")
# Fields the shared side decides alone: who a log row is by. A change file's new log rows
# are put down to the copy's user on its machine (`incoming.attribute_logs`); the copy
# takes that on its next sync instead of a conflict nobody could sensibly choose.
SHARED_WINS = frozenset({(LOG, "user")})


@dataclass(frozen=True)
class FieldConflict:
    """Both sides changed one field of one row since the base."""

    kind: str
    key: str
    field: str
    base: Any
    mine: Any
    theirs: Any
    label: str = ""

    @property
    def qualified(self) -> str:
        """`kind.field`, the name `--prefer` accepts beside the bare field name."""
        return f"{self.kind}.{self.field}"

    def describe(self) -> str:
        def show(value: Any) -> str:
            if value is None:
                return "(blank)"
            if value == UNSET:
                return "(new)"
            text = str(value)
            return text if len(text) <= 60 else text[:57] + "…"

        what = self.label or f"{self.kind} {self.key}"
        if self.field == DELETED:
            mine = "deleted" if self.mine is None else "changed"
            theirs = "deleted" if self.theirs is None else "changed"
            return f"{what}: {mine} here, {theirs} on the shared database"
        return (
            f"{what}: {self.field}: was {show(self.base)}, here {show(self.mine)}, "
            f"shared {show(self.theirs)}"
        )


Chooser = Callable[[FieldConflict], str | None]


@dataclass
class RowMerge:
    """What each side should hold after the merge, and the new base (None = no row)."""

    mine: Data | None
    theirs: Data | None
    base: Data | None
    conflicts: list[FieldConflict] = field(default_factory=list)  # still pending
    resolved: list[tuple[FieldConflict, str]] = field(default_factory=list)


def merge_row(
    kind: str,
    key: str,
    base: Data | None,
    mine: Data | None,
    theirs: Data | None,
    choose: Chooser,
    label: str = "",
) -> RowMerge:
    """Merge one row; see the module docstring for the rules."""
    if mine is None and theirs is None:
        return RowMerge(None, None, None)
    if base is None:
        if mine is None:
            return RowMerge(theirs, theirs, theirs)
        if theirs is None:
            return RowMerge(mine, mine, mine)
        return _fields(kind, key, {}, mine, theirs, choose, label, new_on_both=True)
    if mine is None or theirs is None:
        if kind in (RAW_FILE, ROOM):
            # A raw file is a file on a disk: a row missing on one side is not a deletion
            # to copy (a laptop holds only its rooms' files); leave both sides alone. Nor
            # is a room deleted by a sync: raw files on either side may still need it.
            return RowMerge(mine, theirs, base)
        present = mine if mine is not None else theirs
        if present == base:
            return RowMerge(None, None, None)  # deleted on one side, untouched on the other
        conflict = FieldConflict(kind, key, DELETED, None, mine, theirs, label)
        choice = choose(conflict)
        if choice is None:
            return RowMerge(mine, theirs, base, [conflict])
        winner = mine if choice == MINE else theirs
        return RowMerge(winner, winner, winner, resolved=[(conflict, choice)])
    return _fields(kind, key, base, mine, theirs, choose, label)


def _fields(
    kind: str,
    key: str,
    base: Data,
    mine: Data,
    theirs: Data,
    choose: Chooser,
    label: str,
    *,
    new_on_both: bool = False,
) -> RowMerge:
    to_mine, to_theirs, new_base = dict(mine), dict(theirs), dict(base)
    out = RowMerge(to_mine, to_theirs, new_base)
    for name in fields_of(kind):
        b = base.get(name, UNSET)
        m, t = mine.get(name), theirs.get(name)
        value: Any
        if (kind, name) in SET_FIELDS:
            value = merge_set(None if b == UNSET else b, m, t)
        elif (kind, name) in SHARED_WINS:
            value = t
        elif m == t:
            value = m
        # The same row made on both sides (a raw file both scans found): a blank value is
        # what one side did not fill in, not a change to choose against. A talk both hold
        # with no common base (a change file applied twice) keeps the slug the shared side
        # gave it when it took the row in: the next free one (slugs name output files).
        elif new_on_both and (m in BLANK or (kind, name) == (EPISODE, "slug")):
            value = t
        elif new_on_both and t in BLANK:
            value = m
        elif m == b:
            value = t
        elif t == b:
            value = m
        elif (kind, name) in MEDIA_FIELDS:
            value = t  # both measured anew: see MEDIA_FIELDS
        else:
            conflict = FieldConflict(kind, key, name, None if b == UNSET else b, m, t, label)
            choice = choose(conflict)
            if choice is None:
                out.conflicts.append(conflict)
                new_base[name] = b  # keep the old base: the conflict stays until chosen
                continue
            out.resolved.append((conflict, choice))
            value = m if choice == MINE else t
        to_mine[name] = to_theirs[name] = new_base[name] = value
    return out


def merge_set(base: Any, mine: Any, theirs: Any) -> list[Any]:
    """Three-way merge of a set: what both kept, plus what either side added."""
    b, m, t = set(base or ()), set(mine or ()), set(theirs or ())
    return sorted((b & m & t) | (m - b) | (t - b))


def chooser(
    prefer: str | None = None,
    prefer_fields: tuple[str, ...] = (),
    resolutions: dict[tuple[str, str, str], str] | None = None,
) -> Chooser:
    """Choices from per-conflict `resolutions` (the dialog), then `--prefer SIDE [FIELD…]`."""
    if prefer not in (None, MINE, THEIRS):
        from veyedesk.services.venue.errors import VenueError

        raise VenueError(f"prefer {prefer!r}: use mine or theirs")
    chosen = dict(resolutions or {})

    def choose(conflict: FieldConflict) -> str | None:
        picked = chosen.get((conflict.kind, conflict.key, conflict.field))
        if picked is not None:
            return picked
        if prefer is not None and (
            not prefer_fields
            or conflict.field in prefer_fields
            or conflict.qualified in prefer_fields
        ):
            return prefer
        return None

    return choose
