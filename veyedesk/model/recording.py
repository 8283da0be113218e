"""What was recorded: RawFile segments of a room, Mark clicks, and ImageFile stills."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from veyedesk.model.base import Base, HasUuid
from veyedesk.model.kinds import MarkKind
from veyedesk.model.paths import safe_join, safe_join_relative
from veyedesk.model.timecode import add_seconds

if TYPE_CHECKING:
    from veyedesk.model.episode import Cut, Episode
    from veyedesk.model.show import Location, Show


class RawFile(HasUuid, Base):
    """One recorder segment; `start` is venue wall clock (after the room's hours_offset)."""

    __tablename__ = "raw_file"
    __table_args__ = (UniqueConstraint("location_id", "filename"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("show.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("location.id", ondelete="RESTRICT"), index=True
    )
    # Relative to the room folder, e.g. `2026-02-01/10_00_00.dv`.
    filename: Mapped[str] = mapped_column(String(500))
    # 64-bit: an hour of DV is 13 GB (SQLite's INTEGER is 64-bit whatever it is called).
    filesize: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), default=0)
    mtime: Mapped[float | None] = mapped_column(default=None)
    start: Mapped[datetime | None] = mapped_column(default=None, index=True)
    duration: Mapped[float | None] = mapped_column(default=None)
    end: Mapped[datetime | None] = mapped_column(default=None)
    # How `start` was found: path, creation_time or mtime.
    start_source: Mapped[str] = mapped_column(String(20), default="")
    fps: Mapped[float | None] = mapped_column(default=None)
    streams: Mapped[str] = mapped_column(Text, default="")
    trash: Mapped[bool] = mapped_column(default=False)
    missing: Mapped[bool] = mapped_column(default=False)
    probe_error: Mapped[str] = mapped_column(Text, default="")
    ocrtext: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")

    show: Mapped[Show] = relationship(back_populates="raw_files")
    location: Mapped[Location] = relationship()
    cuts: Mapped[list[Cut]] = relationship(back_populates="raw_file")

    def sync_end(self) -> None:
        """Keep `end` = `start` + `duration` (stored so overlap queries stay in SQL)."""
        if self.start is not None and self.duration is not None:
            self.end = add_seconds(self.start, self.duration)
        else:
            self.end = None

    def path(self, raw_root: str) -> Path:
        """Where the file is: `<show raw dir>/dv/<room folder>/<filename>` (Veyepar's layout).

        Raises UnsafePath when the room folder or the file name (rows a change file or a
        venue copy may carry) would lead outside the room's folder.
        """
        room = safe_join(
            self.show.raw_dir(raw_root) / "dv", self.location.folder, what="room folder"
        )
        return safe_join_relative(room, self.filename, what=f"raw file name (room {room.name})")

    def __repr__(self) -> str:
        return f"<RawFile {self.filename}>"


class Mark(HasUuid, Base):
    """A wall-clock click in a room (Mark window, clicker, voctomix log, CSV).

    `kind` says whether a talk starts or ends there or the recording is cut there;
    `clock_offset_s` is what the marking machine's clock was found to be off from the
    recorder's ("align with the recorder"), already applied to `click`.
    """

    __tablename__ = "mark"
    __table_args__ = (UniqueConstraint("location_id", "click"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("show.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    click: Mapped[datetime] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(10), default=MarkKind.CUT, server_default="cut")
    note: Mapped[str] = mapped_column(Text, default="")
    who: Mapped[str] = mapped_column(String(200), default="")
    machine: Mapped[str] = mapped_column(String(200), default="")
    clock_offset_s: Mapped[float] = mapped_column(default=0.0, server_default="0")

    location: Mapped[Location] = relationship()


image_file_episodes = Table(
    "image_file_episodes",
    Base.metadata,
    Column("image_file_id", ForeignKey("image_file.id", ondelete="CASCADE"), primary_key=True),
    Column("episode_id", ForeignKey("episode.id", ondelete="CASCADE"), primary_key=True),
)


class SheetOcr(StrEnum):
    """Where an image's OCR text stands."""

    PENDING = "pending"  # not tried yet
    OFF = "off"  # no OCR program on the machine that imported it
    DONE = "done"  # `text` holds what it read (maybe nothing)
    FAILED = "failed"  # the OCR program failed on this image


class ImageFile(HasUuid, Base):
    """A still of a show (Veyepar's image_files): a recording sheet photo or scan.

    Volunteers fill in a paper sheet per room and session; its photo is copied under the
    show's folder (`filename` is relative to it), tied to a room-day (`location_id`,
    `day`) and to the talks it is about. `taken` is the time read from the file name or
    EXIF (`taken_source` says which), `text` its OCR text when an OCR program ran.
    """

    __tablename__ = "image_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("show.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("location.id", ondelete="SET NULL"), default=None
    )
    filename: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text, default="")
    day: Mapped[date | None] = mapped_column(default=None, index=True)
    taken: Mapped[datetime | None] = mapped_column(default=None)
    taken_source: Mapped[str] = mapped_column(String(20), default="", server_default="")
    original_name: Mapped[str] = mapped_column(String(500), default="", server_default="")
    checksum: Mapped[str] = mapped_column(String(64), default="", server_default="", index=True)
    ocr: Mapped[str] = mapped_column(
        String(10), default=SheetOcr.PENDING, server_default=SheetOcr.PENDING.value
    )

    show: Mapped[Show] = relationship()
    location: Mapped[Location | None] = relationship()
    episodes: Mapped[list[Episode]] = relationship(secondary=image_file_episodes)
