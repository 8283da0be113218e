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
        LockHeld as LockHeld,
        LockState as LockState,
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
        find_room as find_room,
    )
    from veyedesk.services.editing.navigation import (
        Neighbour as Neighbour,
        neighbour as neighbour,
    )
    from veyedesk.services.editing.open_save import (
        STATE as STATE,
        LockLost as LockLost,
        OpenedEpisode as OpenedEpisode,
        SavedEpisode as SavedEpisode,
        change_state as change_state,
        open_for_edit as open_for_edit,
        save_episode as save_episode,
    )

__getattr__, __dir__ = lazy_face(
    __name__,
    globals(),
    {
        "CutDraft": "draft",
        "EditConflict": "draft",
        "EpisodeContext": "facts",
        "EpisodeDraft": "draft",
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
        "change_state": "open_save",
        "discard_journal": "journal",
        "episode_context": "facts",
        "episode_row": "facts",
        "find_room": "marks",
        "neighbour": "navigation",
        "open_for_edit": "open_save",
        "pending_journals": "journal",
        "raw_file_info": "draft",
        "release_lock": "locks",
        "release_venue_locks": "locks",
        "resolve_conflict": "draft",
        "room_day_marks": "draft",
        "room_day_raw_files": "draft",
        "save_episode": "open_save",
        "take_over": "locks",
        "take_venue_locks": "locks",
        "venue_holder": "locks",
        "write_journal": "journal",
    },
)
