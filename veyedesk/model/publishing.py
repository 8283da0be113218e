"""Publishing: a show's publish targets and where each talk stands on each of them.

A target's settings are plain (a URL, a channel, an rclone remote); its secrets live on
each machine (veyedesk.publish.secrets), never here, since every login of the shared
database reads these rows.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from veyedesk.model.base import Base

if TYPE_CHECKING:
    from veyedesk.model.episode import Episode


class PublicationStatus(StrEnum):
    """Where one talk stands on one target."""

    UPLOADING = "uploading"  # an upload started (its UploadState says how far it got)
    UPLOADED = "uploaded"  # the platform holds it (privacy says who can see it)
    ANNOUNCED = "announced"  # an announcer posted about it
    REMOVED = "removed"  # depublished: deleted from the target
    FAILED = "failed"  # the last try failed (error says why)


class PublishTarget(Base):
    """One place a show publishes to or announces on; `options` is JSON text, no secrets."""

    __tablename__ = "publish_target"
    __table_args__ = (UniqueConstraint("show_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("show.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))  # veyedesk.publish.base.TargetKind
    options: Mapped[str] = mapped_column(Text, default="{}")

    def option_map(self) -> dict[str, str]:
        """The options as a dict (a damaged value reads as no options)."""
        try:
            loaded = json.loads(self.options or "{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


class Publication(Base):
    """One talk on one target: the remote id (kept before the state moves), URLs, progress."""

    __tablename__ = "publication"
    __table_args__ = (UniqueConstraint("episode_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episode.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[int] = mapped_column(ForeignKey("publish_target.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=PublicationStatus.UPLOADING)
    privacy: Mapped[str] = mapped_column(String(10), default="")  # publish.base.Privacy
    remote_id: Mapped[str] = mapped_column(String(500), default="")
    host_url: Mapped[str] = mapped_column(String(1000), default="")
    public_url: Mapped[str] = mapped_column(String(1000), default="")
    # publish.base.UploadState as JSON: a worker that dies mid-upload leaves it for the next.
    upload_state: Mapped[str] = mapped_column(Text, default="")
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)  # sent (or held) so far
    error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime | None] = mapped_column(default=None)

    target: Mapped[PublishTarget] = relationship()
    episode: Mapped[Episode] = relationship()
