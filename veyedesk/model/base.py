"""Declarative base shared by every model, with constraint names both SQLite and PostgreSQL keep."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import MetaData, String, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, Session, mapped_column

# Named constraints make Alembic migrations portable: SQLite's batch mode needs a name to
# drop or alter a constraint, and PostgreSQL would otherwise invent its own names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def new_uuid() -> str:
    """A fresh row identity (36-character text form, the same on SQLite and PostgreSQL)."""
    return str(uuid.uuid4())


class HasUuid:
    """Rows that can be created on a venue copy with no network carry a UUID.

    Integer ids are local to one database; the UUID is what a venue sync matches rows by,
    so a cut made on a laptop and one made online can never collide when merged.
    """

    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)


# The models every other one names by string (relationships among them only). The rest
# (venue sync, audit, publishing) only point at these by foreign key: a listing such as `veyedesk
# episodes` maps the core and not them, a tenth of its start-up.
CORE_MODELS = frozenset(
    {
        "Client",
        "Cut",
        "CutTombstone",
        "EncodeJob",
        "Episode",
        "ImageFile",
        "Location",
        "Log",
        "Mark",
        "PipelineSettings",
        "RawFile",
        "ReleaseHold",
        "Show",
        "ShowState",
        "State",
        "User",
    }
)


def load_core_models() -> dict[str, Any]:
    """Import the core model modules (together, so their string relationships resolve)."""
    from veyedesk.model import episode, recording, show, workflow

    return {
        "Client": show.Client,
        "Cut": episode.Cut,
        "CutTombstone": episode.CutTombstone,
        "EncodeJob": workflow.EncodeJob,
        "Episode": episode.Episode,
        "ImageFile": recording.ImageFile,
        "Location": show.Location,
        "Log": workflow.Log,
        "Mark": recording.Mark,
        "PipelineSettings": workflow.PipelineSettings,
        "RawFile": recording.RawFile,
        "ReleaseHold": workflow.ReleaseHold,
        "Show": show.Show,
        "ShowState": workflow.ShowState,
        "State": workflow.State,
        "User": workflow.User,
    }


def load_all_models() -> dict[str, Any]:
    """Import every model module: the core and those only pointing at it (all of
    Base.metadata: migrations, `db roles`, venue copies)."""
    from veyedesk.model import audit, publishing, venue

    return {
        **load_core_models(),
        "AuditEntry": audit.AuditEntry,
        "Base": Base,
        "Publication": publishing.Publication,
        "PublishTarget": publishing.PublishTarget,
        "VenueBase": venue.VenueBase,
        "VenueCheckout": venue.VenueCheckout,
        "VenueConflict": venue.VenueConflict,
        "VenueOrigin": venue.VenueOrigin,
        "VenueSyncReceipt": venue.VenueSyncReceipt,
        "VenueSyncRun": venue.VenueSyncRun,
    }


@event.listens_for(Mapper, "before_configured")
def _load_core_models() -> None:
    # Whoever imported one model module directly, the others it names by string (a
    # relationship to "Log", say) must be mapped before SQLAlchemy resolves the names.
    load_core_models()


@event.listens_for(Session, "before_flush")
def _keep_ends_in_step(session: Session, _context: object, _instances: object) -> None:
    # `end` is stored (so overlap queries can run in SQL) but always derived, so no caller
    # can leave it stale after changing start or duration (Episode and RawFile have it).
    for obj in list(session.new) + list(session.dirty):
        sync_end = getattr(obj, "sync_end", None)
        if sync_end is not None:
            sync_end()
