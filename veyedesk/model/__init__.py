"""SQLAlchemy models of Veyepar's domain, timecode maths and states; no I/O here."""

from sqlalchemy import event
from sqlalchemy.orm import Session

from veyedesk.model.base import Base
from veyedesk.model.episode import Cut, CutTombstone, Episode
from veyedesk.model.recording import ImageFile, Mark, RawFile
from veyedesk.model.show import Client, Location, Show
from veyedesk.model.workflow import EncodeJob, Log, State, User

__all__ = [
    "Base",
    "Client",
    "Cut",
    "CutTombstone",
    "EncodeJob",
    "Episode",
    "ImageFile",
    "Location",
    "Log",
    "Mark",
    "RawFile",
    "Show",
    "State",
    "User",
]


@event.listens_for(Session, "before_flush")
def _keep_ends_in_step(session: Session, _context: object, _instances: object) -> None:
    # `end` is stored (so overlap queries can run in SQL) but always derived here, so no
    # caller can leave it stale after changing start or duration.
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Episode | RawFile):
            obj.sync_end()
