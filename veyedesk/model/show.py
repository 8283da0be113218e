"""Who and where: Client (organiser) -> Show (one event) -> Location (room)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from veyedesk.model.base import Base
from veyedesk.model.paths import safe_join

if TYPE_CHECKING:
    from veyedesk.model.episode import Episode
    from veyedesk.model.recording import RawFile


class Client(Base):
    """The organiser a crew records for (a conference series, a user group)."""

    __tablename__ = "client"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sequence: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    contacts: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(Text, default="")
    license: Mapped[str] = mapped_column(String(50), default="CC BY-SA")
    # Per-client title template and credits image; blank = resources/ defaults.
    title_svg: Mapped[str] = mapped_column(String(500), default="")
    credits: Mapped[str] = mapped_column(String(500), default="")

    shows: Mapped[list[Show]] = relationship(back_populates="client", order_by="Show.sequence")

    def __repr__(self) -> str:
        return f"<Client {self.slug}>"


class Show(Base):
    """One event of a client (a conference year); owns episodes and raw files."""

    __tablename__ = "show"
    __table_args__ = (UniqueConstraint("client_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    sequence: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(Text, default="")
    category_key: Mapped[str] = mapped_column(String(30), default="")
    conf_url: Mapped[str] = mapped_column(String(500), default="")
    schedule_url: Mapped[str] = mapped_column(String(500), default="")
    # Where this show's recordings live when it is not `<raw root>/<client>/<show>`.
    raw_root: Mapped[str] = mapped_column(String(500), default="")
    # IANA zone of the venue (e.g. Europe/Brussels), used for episodes whose schedule gave
    # no UTC offset; blank = the zone of the machine.
    timezone: Mapped[str] = mapped_column(String(64), default="")
    # Wording of the speaker release form with {placeholders}; blank = the default wording.
    release_template: Mapped[str] = mapped_column(Text, default="")

    client: Mapped[Client] = relationship(back_populates="shows")
    locations: Mapped[list[Location]] = relationship(
        back_populates="show", order_by="Location.sequence"
    )
    episodes: Mapped[list[Episode]] = relationship(back_populates="show")
    raw_files: Mapped[list[RawFile]] = relationship(back_populates="show")

    def raw_dir(self, raw_root: str) -> Path:
        """The show's recordings folder: its own `raw_root`, else `<raw_root>/<client>/<show>`."""
        if self.raw_root:
            return Path(self.raw_root).expanduser()
        return safe_join(
            Path(raw_root).expanduser(), self.client.slug, self.slug, what="client or show slug"
        )

    def __repr__(self) -> str:
        return f"<Show {self.slug}>"


class Location(Base):
    """A room of one show; its recorder writes raw files into `<show raw dir>/dv/<slug>/<date>/`.

    A room belongs to one show: CCC has a "Saal 1" every year and another client may have
    one too, and each has its own clock offset, folder and name. Slug and name are unique
    within the show only.
    """

    __tablename__ = "location"
    __table_args__ = (UniqueConstraint("show_id", "slug"), UniqueConstraint("show_id", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("show.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    sequence: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    default: Mapped[bool] = mapped_column(default=True)
    # Folder name under dv/ when it differs from the slug.
    dirname: Mapped[str] = mapped_column(String(200), default="")
    channelcopy: Mapped[str] = mapped_column(String(2), default="")
    # Fixes a recorder whose clock was set wrong: added to every raw file's start.
    hours_offset: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    lon: Mapped[float | None] = mapped_column(default=None)
    lat: Mapped[float | None] = mapped_column(default=None)

    show: Mapped[Show] = relationship(back_populates="locations")

    @property
    def folder(self) -> str:
        """Name of the room's folder under `dv/`."""
        return self.dirname or self.slug

    def __repr__(self) -> str:
        return f"<Location {self.slug}>"
