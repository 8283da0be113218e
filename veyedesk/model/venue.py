"""Venue bookkeeping: where a venue copy came from, the base of every row it took, conflicts.

A venue copy is an ordinary veyedesk SQLite database plus these tables. `VenueOrigin`
(one row) says which shared database and which part of a show it was checked out from;
`VenueBase` keeps, per synced row, the values both sides last agreed on (the base of the
three-way merge); `VenueConflict` lists fields both sides changed that nobody has chosen
for yet; `VenueSyncRun` is a sync's plan, written before the shared database is touched, so
a sync killed half-way is finished exactly by the next one. `VenueSyncReceipt` is the one
table the shared database uses: a sync run (or an applied change file) left its id there in
the same transaction as its changes, which is how a rerun knows the shared side is done.
`VenueCheckout`, also on the shared database, is what a checkout took: a change file
(which anyone can write by hand) may change only the rows of the checkout it names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from veyedesk.model.base import Base


class VenueOrigin(Base):
    """The one row of a venue copy: its shared database, scope, and who checked it out."""

    __tablename__ = "venue_origin"

    id: Mapped[int] = mapped_column(primary_key=True)
    copy_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    # The shared database's URL as given at checkout (`venue sync --from` may override it).
    source_url: Mapped[str] = mapped_column(Text)
    client: Mapped[str] = mapped_column(String(100))
    show: Mapped[str] = mapped_column(String(100))
    room: Mapped[str | None] = mapped_column(String(100), default=None)
    day: Mapped[str | None] = mapped_column(String(10), default=None)
    # UUIDs of the talks asked for by id (assets); None = every talk of the scope.
    episode_uuids: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    who: Mapped[str] = mapped_column(String(200), default="")
    machine: Mapped[str] = mapped_column(String(200), default="")
    # The `locked_by` text this copy's locks carry on the shared database.
    lock_holder: Mapped[str] = mapped_column(String(200), default="")
    checked_out_at: Mapped[datetime | None] = mapped_column(default=None)
    last_sync_at: Mapped[datetime | None] = mapped_column(default=None)


class VenueBase(Base):
    """The agreed version of one synced row (by kind and key), fields as JSON values."""

    __tablename__ = "venue_base"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(600), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class VenueConflict(Base):
    """A field both sides changed since the base; waits for a person to choose."""

    __tablename__ = "venue_conflict"
    __table_args__ = (UniqueConstraint("kind", "key", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(600))
    field: Mapped[str] = mapped_column(String(50))
    label: Mapped[str] = mapped_column(Text, default="")
    base: Mapped[Any] = mapped_column(JSON, default=None, nullable=True)
    mine: Mapped[Any] = mapped_column(JSON, default=None, nullable=True)
    theirs: Mapped[Any] = mapped_column(JSON, default=None, nullable=True)
    detected_at: Mapped[datetime | None] = mapped_column(default=None)


class VenueSyncRun(Base):
    """A sync's plan, committed before the shared database is written (crash recovery)."""

    __tablename__ = "venue_sync_run"

    run_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)


class VenueSyncReceipt(Base):
    """On the shared database: this sync run or change file was applied (same transaction)."""

    __tablename__ = "venue_sync_receipt"

    run_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    copy_uuid: Mapped[str] = mapped_column(String(36), default="")
    applied_at: Mapped[datetime | None] = mapped_column(default=None)
    summary: Mapped[str] = mapped_column(Text, default="")


class VenueCheckout(Base):
    """On the shared database: a venue copy checked out from it, and which part of a show.

    Written in the checkout's own transaction. `apply_changes` trusts this row, never the
    change file's own claims: the file's rows must be this show's and within this scope.
    """

    __tablename__ = "venue_checkout"

    copy_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("show.id", ondelete="CASCADE"), index=True)
    room: Mapped[str | None] = mapped_column(String(100), default=None)
    day: Mapped[str | None] = mapped_column(String(10), default=None)
    # The talks asked for by id (assets); None = every talk of the scope.
    episode_uuids: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    # Every talk copied: still the copy's when moved out of the scope since.
    copied: Mapped[list[str]] = mapped_column(JSON, default=list)
    who: Mapped[str] = mapped_column(String(200), default="")
    machine: Mapped[str] = mapped_column(String(200), default="")
    checked_out_at: Mapped[datetime | None] = mapped_column(default=None)
