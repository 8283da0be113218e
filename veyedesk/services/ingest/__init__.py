"""Getting a show in: schedules and where they come from, raw-file scans, association, marks
import, retime.

This is the package's face: other packages import only the names below (an import-linter
contract keeps it so); its modules are private to it. Names load on first use (services/face.py).
"""

from typing import TYPE_CHECKING

from veyedesk.services.face import lazy_face

if TYPE_CHECKING:
    from veyedesk.services.ingest.assoc import (
        AssocResult as AssocResult,
        associate as associate,
    )
    from veyedesk.services.ingest.marks_import import (
        import_marks as import_marks,
    )
    from veyedesk.services.ingest.retime import (
        plan_retime as plan_retime,
        reassociate as reassociate,
        retime_room as retime_room,
        unedited_reason as unedited_reason,
    )
    from veyedesk.services.ingest.scan import (
        ScanResult as ScanResult,
        scan_show as scan_show,
        show_raw_root as show_raw_root,
    )
    from veyedesk.services.ingest.schedule_import import (
        ImportResult as ImportResult,
        import_schedule as import_schedule,
    )
    from veyedesk.services.ingest.schedule_source import (
        is_url as is_url,
        read_schedule_file as read_schedule_file,
        read_schedule_source as read_schedule_source,
        read_schedule_stream as read_schedule_stream,
    )
    from veyedesk.services.ingest.window_steps import (
        ImportOutdated as ImportOutdated,
        OpenRawFiles as OpenRawFiles,
        ScanRaced as ScanRaced,
        Signature as Signature,
        associate_show as associate_show,
        import_schedule_for as import_schedule_for,
        open_episode_raw_files as open_episode_raw_files,
        plan_signature as plan_signature,
        scan_show_for as scan_show_for,
        watch_scope as watch_scope,
    )

# Only at run time: mypy sees the names above, so a name missing here is a type error.
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_face(
        __name__,
        globals(),
        {
            "AssocResult": "assoc",
            "ImportOutdated": "window_steps",
            "ImportResult": "schedule_import",
            "OpenRawFiles": "window_steps",
            "ScanRaced": "window_steps",
            "ScanResult": "scan",
            "Signature": "window_steps",
            "associate": "assoc",
            "associate_show": "window_steps",
            "import_marks": "marks_import",
            "import_schedule": "schedule_import",
            "import_schedule_for": "window_steps",
            "is_url": "schedule_source",
            "open_episode_raw_files": "window_steps",
            "plan_retime": "retime",
            "plan_signature": "window_steps",
            "read_schedule_file": "schedule_source",
            "read_schedule_source": "schedule_source",
            "read_schedule_stream": "schedule_source",
            "reassociate": "retime",
            "retime_room": "retime",
            "scan_show": "scan",
            "scan_show_for": "window_steps",
            "show_raw_root": "scan",
            "unedited_reason": "retime",
            "watch_scope": "window_steps",
        },
    )
