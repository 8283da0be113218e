"""AuditEntry: what an admin changed outside any episode's own Log (settings, deletions, users).

An episode's Log goes when the episode is deleted; the record that someone deleted it, or
re-timed a room, or disabled a login, must outlive it, so it lives in a table of its own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from veyedesk.model.base import Base


class AuditEntry(Base):
    """One admin action: who, when, what (`action`), on what (`target`), and the details."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int | None] = mapped_column(
        ForeignKey("show.id", ondelete="SET NULL"), default=None, index=True
    )
    at: Mapped[datetime] = mapped_column(default=datetime.now)
    user: Mapped[str] = mapped_column(String(200), default="")
    # e.g. "episode delete", "room set", "user disable"
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
