"""What `EpisodeSession` keeps, declared once for the type checker of its mixins
(`read_ahead.py`, `session_upkeep.py`): each works on the session's signals and state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer, SignalInstance

    from veyedesk.config import Settings
    from veyedesk.db import SessionFactory
    from veyedesk.gui.document.editable import EditorDocument
    from veyedesk.gui.widgets.prompts import Prompts
    from veyedesk.gui.widgets.tasks import BackgroundRunner
    from veyedesk.services.editing import EpisodeContext, LockState
    from veyedesk.services.identity import Identity


class SessionParts(QObject):
    """The base of EpisodeSession's mixins: its attributes, for the type checker only."""

    if TYPE_CHECKING:
        opened: SignalInstance
        context_ready: SignalInstance
        saved: SignalInstance
        row_changed: SignalInstance
        status: SignalInstance
        lock_changed: SignalInstance
        editable_changed: SignalInstance
        connection_changed: SignalInstance
        preview_ready: SignalInstance
        sessions: SessionFactory
        settings: Settings
        identity: Identity
        runner: BackgroundRunner
        prompts: Prompts
        document: EditorDocument | None
        context: EpisodeContext | None
        lock: LockState | None
        marks: list[datetime]
        saving: bool
        shut: bool
        _writes: BackgroundRunner
        _renew: QTimer
        _state_poll: QTimer
        _pending_then: Callable[[], None] | None
        _pending_release: bool

        @property
        def episode_id(self) -> int | None: ...
        def _load_surroundings(self, episode_id: int, raw_file_ids: list[int]) -> None: ...
