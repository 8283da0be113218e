"""Venue copies: check a part of a show out into a laptop's SQLite, edit offline, merge back.

`checkout` copies the rows and their bases; `sync` merges field by field with the shared
database (three-way, conflicts kept for a person); `changes` writes and applies change
files for a laptop that never reaches the shared database. See docs/architecture.md.

This is the package's face: other packages import only the names below (an import-linter
contract keeps it so); its modules are private to it. Names load on first use (services/face.py).
"""

from typing import TYPE_CHECKING

from veyedesk.services.face import lazy_face

if TYPE_CHECKING:
    from veyedesk.services.venue.assets import (
        DEFAULT_MARGIN as DEFAULT_MARGIN,
        make_assets as make_assets,
    )
    from veyedesk.services.venue.changes import (
        apply_changes as apply_changes,
        export_changes as export_changes,
    )
    from veyedesk.services.venue.checkouts import (
        checkout as checkout,
    )
    from veyedesk.services.venue.errors import (
        PasswordNeeded as PasswordNeeded,
        VenueError as VenueError,
    )
    from veyedesk.services.venue.merge import (
        DELETED as DELETED,
        MINE as MINE,
        THEIRS as THEIRS,
        FieldConflict as FieldConflict,
    )
    from veyedesk.services.venue.plan import (
        Resolutions as Resolutions,
        SyncReport as SyncReport,
    )
    from veyedesk.services.venue.syncing import (
        is_venue_copy as is_venue_copy,
        pending_conflicts as pending_conflicts,
        sync as sync,
    )

# Only at run time: mypy sees the names above, so a name missing here is a type error.
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_face(
        __name__,
        globals(),
        {
            "DEFAULT_MARGIN": "assets",
            "DELETED": "merge",
            "FieldConflict": "merge",
            "MINE": "merge",
            "PasswordNeeded": "errors",
            "Resolutions": "plan",
            "SyncReport": "plan",
            "THEIRS": "merge",
            "VenueError": "errors",
            "apply_changes": "changes",
            "checkout": "checkouts",
            "export_changes": "changes",
            "is_venue_copy": "syncing",
            "make_assets": "assets",
            "pending_conflicts": "syncing",
            "sync": "syncing",
        },
    )
