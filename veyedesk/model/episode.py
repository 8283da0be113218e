"""A talk (Episode) and its cut list (Cut: a range of one raw file)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from veyedesk.model.base import Base, HasUuid
from veyedesk.model.timecode import add_seconds

if TYPE_CHECKING:
    from veyedesk.model.recording import RawFile
    from veyedesk.model.show import Location, Show
    from veyedesk.model.workflow import Log, State


class Episode(HasUuid, Base):
    """A talk: scheduled slot, metadata for the published file, and where it is in the workflow.

    `start` is venue wall clock (naive); `utc_offset_min` keeps the schedule's UTC offset so
    exports can say which instant that was.
    """

    __tablename__ = "episode"
    __table_args__ = (UniqueConstraint("show_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("show.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="SET NULL"), default=None, index=True
    )
    state_id: Mapped[int | None] = mapped_column(
        ForeignKey("state.id", ondelete="SET NULL"), default=None, index=True
    )
    sequence: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(100))
    subtitle: Mapped[str] = mapped_column(String(300), default="")
    authors: Mapped[str] = mapped_column(Text, default="")
    emails: Mapped[str] = mapped_column(Text, default="")
    twitter_id: Mapped[str] = mapped_column(String(200), default="")
    reviewers: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(20), default="")
    license: Mapped[str] = mapped_column(String(50), default="")
    tags: Mapped[str] = mapped_column(Text, default="")

    start: Mapped[datetime | None] = mapped_column(default=None, index=True)
    duration: Mapped[float | None] = mapped_column(default=None)
    end: Mapped[datetime | None] = mapped_column(default=None)
    utc_offset_min: Mapped[int | None] = mapped_column(default=None)

    conf_key: Mapped[str] = mapped_column(String(100), default="", index=True)
    conf_url: Mapped[str] = mapped_column(String(500), default="")
    conf_meta: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    host_url: Mapped[str] = mapped_column(String(500), default="")
    public_url: Mapped[str] = mapped_column(String(500), default="")
    archive_url: Mapped[str] = mapped_column(String(500), default="")

    # Tri-state: None = not asked yet, True = speaker agreed, False = refused.
    released: Mapped[bool | None] = mapped_column(default=None)
    # Loudness target in LUFS as typed (e.g. "-16"); blank = no normalisation.
    normalise: Mapped[str] = mapped_column(String(10), default="")
    channelcopy: Mapped[str] = mapped_column(String(2), default="")
    av_offset_ms: Mapped[int] = mapped_column(default=0)
    thumbnail: Mapped[str] = mapped_column(String(500), default="")
    # This talk's own title slide (SVG template or PNG/JPEG), Veyepar's custom/titles/<slug>;
    # blank = the client's title template.
    title_image: Mapped[str] = mapped_column(String(500), default="")
    comment: Mapped[str] = mapped_column(Text, default="")

    locked: Mapped[datetime | None] = mapped_column(default=None)
    locked_by: Mapped[str] = mapped_column(String(200), default="")
    stop: Mapped[bool] = mapped_column(default=False)
    edit_key: Mapped[str] = mapped_column(String(32), default="")
    # Bumped on every save; a save carrying an older serial is a conflict.
    serial: Mapped[int] = mapped_column(default=0)
    # Field names an editor changed by hand, so a schedule re-import leaves them alone.
    edited_fields: Mapped[list[str] | None] = mapped_column(JSON, default=None)

    show: Mapped[Show] = relationship(back_populates="episodes")
    location: Mapped[Location | None] = relationship()
    state: Mapped[State | None] = relationship()
    cuts: Mapped[list[Cut]] = relationship(
        back_populates="episode", order_by="Cut.sequence", cascade="all, delete-orphan"
    )
    logs: Mapped[list[Log]] = relationship(
        back_populates="episode", order_by="Log.id", cascade="all, delete-orphan"
    )

    def sync_end(self) -> None:
        """Keep `end` = `start` + `duration`."""
        if self.start is not None and self.duration is not None:
            self.end = add_seconds(self.start, self.duration)
        else:
            self.end = None

    def cuts_time(self) -> float:
        """Seconds of raw footage in the applied cuts (what the encode will contain)."""
        return sum(cut.duration() for cut in self.cuts if cut.apply)

    def applied_cuts(self) -> list[Cut]:
        """Applied cuts in sequence order."""
        return sorted((c for c in self.cuts if c.apply), key=lambda c: (c.sequence, c.id or 0))

    def chapters(self) -> list[float]:
        """Where each applied cut starts in the output, in seconds from the first cut."""
        starts, at = [], 0.0
        for cut in self.applied_cuts():
            starts.append(at)
            at += cut.duration()
        return starts

    def start_with_offset(self, fallback: timezone | None = None) -> datetime | None:
        """The scheduled start as an aware datetime (venue wall clock + its UTC offset)."""
        if self.start is None:
            return None
        if self.utc_offset_min is not None:
            return self.start.replace(tzinfo=timezone(timedelta(minutes=self.utc_offset_min)))
        if fallback is not None:
            return self.start.replace(tzinfo=fallback)
        return self.start.astimezone()  # the machine's zone, as the wall clock was read here

    def __repr__(self) -> str:
        return f"<Episode {self.id} {self.slug}>"


class Cut(HasUuid, Base):
    """Veyepar's Cut_List item: `start`/`end` are seconds from the start of the raw file.

    Blank (None) start = file start, blank end = file end.
    """

    __tablename__ = "cut"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episode.id", ondelete="CASCADE"), index=True
    )
    raw_file_id: Mapped[int] = mapped_column(
        ForeignKey("raw_file.id", ondelete="RESTRICT"), index=True
    )
    sequence: Mapped[int] = mapped_column(default=1)
    start: Mapped[float | None] = mapped_column(default=None)
    end: Mapped[float | None] = mapped_column(default=None)
    apply: Mapped[bool] = mapped_column(default=True)
    # True once an editor changed it; association re-runs leave such cuts alone.
    edited: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(Text, default="")

    episode: Mapped[Episode] = relationship(back_populates="cuts")
    raw_file: Mapped[RawFile] = relationship(back_populates="cuts")

    def in_offset(self) -> float:
        """Start offset into the raw file, blank meaning 0."""
        return self.start or 0.0

    def out_offset(self) -> float:
        """End offset into the raw file, blank meaning the end of the file."""
        if self.end is not None:
            return self.end
        return self.raw_file.duration or 0.0

    def duration(self) -> float:
        """Seconds this cut contributes; never negative."""
        return max(0.0, self.out_offset() - self.in_offset())

    def wall_start(self) -> datetime | None:
        """Wall-clock time of the cut's first frame."""
        raw_start = self.raw_file.start
        return None if raw_start is None else add_seconds(raw_start, self.in_offset())

    def wall_end(self) -> datetime | None:
        """Wall-clock time just after the cut's last frame."""
        raw_start = self.raw_file.start
        return None if raw_start is None else add_seconds(raw_start, self.out_offset())


class CutTombstone(Base):
    """An editor deleted the episode's cut(s) of this raw file: association must not re-add one.

    Without it, re-running `assoc` would bring back, applied, a cut an editor removed.
    """

    __tablename__ = "cut_tombstone"
    __table_args__ = (UniqueConstraint("episode_id", "raw_file_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episode.id", ondelete="CASCADE"), index=True
    )
    raw_file_id: Mapped[int] = mapped_column(ForeignKey("raw_file.id", ondelete="CASCADE"))
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    user: Mapped[str] = mapped_column(String(200), default="")
