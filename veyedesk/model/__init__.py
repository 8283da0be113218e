"""SQLAlchemy models of Veyepar's domain, timecode maths and states; no I/O here.

The models load on first use (`from veyedesk.model import Episode`), not when the package
is imported: the pure modules beside them (`states`, `timecode`, `cuts`, `text`) are
needed by the command line's parser, and `veyedesk --help` must not pay for SQLAlchemy.
The core model modules load together (see `base._load_core_models`), so relationships
named by string always resolve; the venue and audit models, which only point at them by
foreign key, load when one of them (or `Base`, for its whole metadata) is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veyedesk.model.audit import AuditEntry
    from veyedesk.model.base import Base
    from veyedesk.model.episode import Cut, CutTombstone, Episode
    from veyedesk.model.publishing import Publication, PublishTarget
    from veyedesk.model.recording import ImageFile, Mark, RawFile
    from veyedesk.model.show import Client, Location, Show
    from veyedesk.model.venue import (
        VenueBase,
        VenueCheckout,
        VenueConflict,
        VenueOrigin,
        VenueSyncReceipt,
        VenueSyncRun,
    )
    from veyedesk.model.workflow import (
        EncodeJob,
        Log,
        PipelineSettings,
        ReleaseHold,
        ShowState,
        State,
        User,
    )

__all__ = [
    "AuditEntry",
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
    "PipelineSettings",
    "Publication",
    "PublishTarget",
    "RawFile",
    "ReleaseHold",
    "Show",
    "ShowState",
    "State",
    "User",
    "VenueBase",
    "VenueCheckout",
    "VenueConflict",
    "VenueOrigin",
    "VenueSyncReceipt",
    "VenueSyncRun",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'veyedesk.model' has no attribute {name!r}")
    from veyedesk.model import base

    load = base.load_core_models if name in base.CORE_MODELS else base.load_all_models
    for value_name, value in load().items():
        globals()[value_name] = value
    return globals()[name]
