"""Running a show: client, show and room settings, talks by hand, users, sheets, room-days,
reports.

This is the package's face: other packages import only the names below (an import-linter
contract keeps it so); its modules are private to it. Names load on first use (services/face.py).
"""

from typing import TYPE_CHECKING

from veyedesk.services.face import lazy_face

if TYPE_CHECKING:
    from veyedesk.services.admin.raw_files_day import (
        RawFileRow as RawFileRow,
        RoomDay as RoomDay,
        RoomDayRef as RoomDayRef,
        room_day as room_day,
        room_days as room_days,
        set_raw_file as set_raw_file,
    )
    from veyedesk.services.admin.report import (
        show_report as show_report,
    )
    from veyedesk.services.admin.settings import (
        Field as Field,
    )
    from veyedesk.services.admin.sheets import (
        IMAGE_SUFFIXES as IMAGE_SUFFIXES,
        SheetImport as SheetImport,
        SheetInfo as SheetInfo,
        episode_sheets as episode_sheets,
        import_for_episode as import_for_episode,
        import_sheets as import_sheets,
        link_sheet as link_sheet,
        list_sheets as list_sheets,
        ocr_lines as ocr_lines,
        ocr_targets as ocr_targets,
        read_sheets as read_sheets,
        sheet_text_by_episode as sheet_text_by_episode,
        store_ocr as store_ocr,
        unlink_sheet as unlink_sheet,
    )
    from veyedesk.services.admin.users import (
        UserRow as UserRow,
        authenticate as authenticate,
        resolve_identity as resolve_identity,
    )

__getattr__, __dir__ = lazy_face(
    __name__,
    globals(),
    {
        "Field": "settings",
        "IMAGE_SUFFIXES": "sheets",
        "RawFileRow": "raw_files_day",
        "RoomDay": "raw_files_day",
        "RoomDayRef": "raw_files_day",
        "SheetImport": "sheets",
        "SheetInfo": "sheets",
        "UserRow": "users",
        "authenticate": "users",
        "episode_sheets": "sheets",
        "import_for_episode": "sheets",
        "import_sheets": "sheets",
        "link_sheet": "sheets",
        "list_sheets": "sheets",
        "ocr_lines": "sheets",
        "ocr_targets": "sheets",
        "read_sheets": "sheets",
        "resolve_identity": "users",
        "room_day": "raw_files_day",
        "room_days": "raw_files_day",
        "set_raw_file": "raw_files_day",
        "sheet_text_by_episode": "sheets",
        "show_report": "report",
        "store_ocr": "sheets",
        "unlink_sheet": "sheets",
    },
)
