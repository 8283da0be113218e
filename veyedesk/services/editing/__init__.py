"""Editing a talk: its draft, save with conflict check, locks, the edit journal, next and
previous, marks.

This is the package's face: other packages import only the names below (an import-linter
contract keeps it so); its modules are private to it. Names load on first use (services/face.py).
"""

from typing import TYPE_CHECKING

from veyedesk.services.face import lazy_face

if TYPE_CHECKING:
    from veyedesk.services.editing.draft import (
        CutDraft as CutDraft,
        EditConflict as EditConflict,
        EpisodeDraft as EpisodeDraft,
        RawFileInfo as RawFileInfo,
        raw_file_info as raw_file_info,
        resolve_conflict as resolve_conflict,
        room_day_marks as room_day_marks,
        room_day_raw_files as room_day_raw_files,
    )
    from veyedesk.services.editing.facts import (
        EpisodeContext as EpisodeContext,
        episode_context as episode_context,
        episode_row as episode_row,
    )
    from veyedesk.services.editing.journal import (
        JournalEntry as JournalEntry,
        discard_journal as discard_journal,
        pending_journals as pending_journals,
        write_journal as write_journal,
    )
    from veyedesk.services.editing.locks import (
        HeldElsewhere as HeldElsewhere,
        LockHeld as LockHeld,
        LockState as LockState,
        check_not_held as check_not_held,
        release_lock as release_lock,
        release_venue_locks as release_venue_locks,
        take_over as take_over,
        take_venue_locks as take_venue_locks,
        venue_holder as venue_holder,
    )
    from veyedesk.services.editing.marks import (
        MarkRow as MarkRow,
        RoomInfo as RoomInfo,
        Talk as Talk,
        alignment_offset as alignment_offset,
        change_kind as change_kind,
        delete_mark as delete_mark,
        edit_note as edit_note,
        episode_room as episode_room,
        find_room as find_room,
        last_offset as last_offset,
        machine_name as machine_name,
        move_mark as move_mark,
        now_and_next as now_and_next,
        nudge_mark as nudge_mark,
        parse_time_of_day as parse_time_of_day,
        record_mark as record_mark,
        restore_mark as restore_mark,
        room_talks as room_talks,
        update_mark as update_mark,
        venue_now as venue_now,
        write_marks as write_marks,
    )
    from veyedesk.services.editing.navigation import (
        Neighbour as Neighbour,
        listed_neighbour as listed_neighbour,
        listed_order as listed_order,
        neighbour as neighbour,
        step_in as step_in,
    )
    from veyedesk.services.editing.open_save import (
        STATE as STATE,
        LockLost as LockLost,
        OpenedEpisode as OpenedEpisode,
        SavedEpisode as SavedEpisode,
        add_mark as add_mark,
        change_state as change_state,
        open_for_edit as open_for_edit,
        preview_draft as preview_draft,
        renew_lock as renew_lock,
        save_episode as save_episode,
    )

# Only at run time: mypy sees the names above, so a name missing here is a type error.
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_face(
        __name__,
        globals(),
        {
            "CutDraft": "draft",
            "EditConflict": "draft",
            "EpisodeContext": "facts",
            "EpisodeDraft": "draft",
            "HeldElsewhere": "locks",
            "JournalEntry": "journal",
            "LockHeld": "locks",
            "LockLost": "open_save",
            "LockState": "locks",
            "MarkRow": "marks",
            "Neighbour": "navigation",
            "OpenedEpisode": "open_save",
            "RawFileInfo": "draft",
            "RoomInfo": "marks",
            "STATE": "open_save",
            "SavedEpisode": "open_save",
            "Talk": "marks",
            "add_mark": "open_save",
            "alignment_offset": "marks",
            "change_kind": "marks",
            "change_state": "open_save",
            "check_not_held": "locks",
            "delete_mark": "marks",
            "discard_journal": "journal",
            "edit_note": "marks",
            "episode_context": "facts",
            "episode_room": "marks",
            "episode_row": "facts",
            "find_room": "marks",
            "last_offset": "marks",
            "machine_name": "marks",
            "move_mark": "marks",
            "listed_neighbour": "navigation",
            "listed_order": "navigation",
            "neighbour": "navigation",
            "now_and_next": "marks",
            "nudge_mark": "marks",
            "open_for_edit": "open_save",
            "parse_time_of_day": "marks",
            "pending_journals": "journal",
            "preview_draft": "open_save",
            "raw_file_info": "draft",
            "record_mark": "marks",
            "release_lock": "locks",
            "release_venue_locks": "locks",
            "renew_lock": "open_save",
            "resolve_conflict": "draft",
            "restore_mark": "marks",
            "room_day_marks": "draft",
            "room_day_raw_files": "draft",
            "room_talks": "marks",
            "save_episode": "open_save",
            "step_in": "navigation",
            "take_over": "locks",
            "take_venue_locks": "locks",
            "update_mark": "marks",
            "venue_holder": "locks",
            "venue_now": "marks",
            "write_journal": "journal",
            "write_marks": "marks",
        },
    )
