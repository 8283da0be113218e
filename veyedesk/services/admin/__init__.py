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
        CLIENT_FIELDS as CLIENT_FIELDS,
        ROOM_FIELDS as ROOM_FIELDS,
        SHOW_FIELDS as SHOW_FIELDS,
        Field as Field,
        ShowSettings as ShowSettings,
        add_show_room as add_show_room,
        create_show as create_show,
        load_show_settings as load_show_settings,
        retime_preview as retime_preview,
        save_show_settings as save_show_settings,
        set_client as set_client,
        set_room as set_room,
        set_show as set_show,
        values_of as values_of,
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
    from veyedesk.services.admin.talks import (
        AdminInfo as AdminInfo,
        add_talk as add_talk,
        add_talk_to as add_talk_to,
        admin_info as admin_info,
        delete_talk as delete_talk,
        duplicate_talk as duplicate_talk,
        move_talk as move_talk,
        parse_duration as parse_duration,
        parse_when as parse_when,
        parse_when_on as parse_when_on,
        set_talk as set_talk,
        show_days as show_days,
        show_rooms as show_rooms,
    )
    from veyedesk.services.admin.users import (
        UserRow as UserRow,
        authenticate as authenticate,
        change_password as change_password,
        create_user as create_user,
        list_users as list_users,
        reset_password as reset_password,
        resolve_identity as resolve_identity,
        set_active as set_active,
        set_role as set_role,
        user_rows as user_rows,
    )

# Only at run time: mypy sees the names above, so a name missing here is a type error.
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_face(
        __name__,
        globals(),
        {
            "AdminInfo": "talks",
            "CLIENT_FIELDS": "settings",
            "Field": "settings",
            "IMAGE_SUFFIXES": "sheets",
            "ROOM_FIELDS": "settings",
            "RawFileRow": "raw_files_day",
            "RoomDay": "raw_files_day",
            "RoomDayRef": "raw_files_day",
            "SHOW_FIELDS": "settings",
            "SheetImport": "sheets",
            "SheetInfo": "sheets",
            "ShowSettings": "settings",
            "UserRow": "users",
            "add_show_room": "settings",
            "add_talk": "talks",
            "add_talk_to": "talks",
            "admin_info": "talks",
            "authenticate": "users",
            "change_password": "users",
            "create_show": "settings",
            "create_user": "users",
            "delete_talk": "talks",
            "duplicate_talk": "talks",
            "episode_sheets": "sheets",
            "import_for_episode": "sheets",
            "import_sheets": "sheets",
            "link_sheet": "sheets",
            "list_sheets": "sheets",
            "list_users": "users",
            "load_show_settings": "settings",
            "move_talk": "talks",
            "ocr_lines": "sheets",
            "ocr_targets": "sheets",
            "parse_duration": "talks",
            "parse_when": "talks",
            "parse_when_on": "talks",
            "read_sheets": "sheets",
            "reset_password": "users",
            "resolve_identity": "users",
            "retime_preview": "settings",
            "room_day": "raw_files_day",
            "room_days": "raw_files_day",
            "save_show_settings": "settings",
            "set_active": "users",
            "set_client": "settings",
            "set_raw_file": "raw_files_day",
            "set_role": "users",
            "set_room": "settings",
            "set_show": "settings",
            "set_talk": "talks",
            "sheet_text_by_episode": "sheets",
            "show_days": "talks",
            "show_report": "report",
            "show_rooms": "talks",
            "store_ocr": "sheets",
            "unlink_sheet": "sheets",
            "user_rows": "users",
            "values_of": "settings",
        },
    )
