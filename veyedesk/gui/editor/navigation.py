"""Next and previous talk: the editor's Ctrl+PgDown / Ctrl+PgUp and Save and next.

The neighbours are looked up off the GUI thread whenever the open episode changes; several
lookups may be in flight at once, and only the newest may set the targets.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from veyedesk.db import SessionFactory
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.services.editing import Neighbour, neighbour


class EpisodeNavigator(QObject):
    """The talks before and after the open one (same room in time order, then next room)."""

    changed = Signal()  # next/previous targets were looked up again
    failed = Signal(str)

    def __init__(
        self, sessions: SessionFactory, runner: BackgroundRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.sessions, self.runner = sessions, runner
        self.episode_id: int | None = None
        self.next_target: Neighbour | None = None
        self.previous_target: Neighbour | None = None
        self._request = 0

    def target(self, step: int) -> Neighbour | None:
        """The talk one step forward (+1) or back (-1), if there is one."""
        return self.next_target if step > 0 else self.previous_target

    def refresh(self, episode_id: int | None, only_state: str | None) -> None:
        """Look the neighbours of `episode_id` up again (None: nothing is open)."""
        self.episode_id = episode_id
        self.next_target = self.previous_target = None
        self._request += 1
        if episode_id is None:
            self.changed.emit()
            return
        request = self._request

        def load() -> tuple[Neighbour | None, Neighbour | None]:
            with self.sessions() as session:
                return (
                    neighbour(session, episode_id, +1, only_state),
                    neighbour(session, episode_id, -1, only_state),
                )

        def done(result: tuple[Neighbour | None, Neighbour | None]) -> None:
            if request != self._request:
                return  # a newer lookup is under way
            self.next_target, self.previous_target = result
            self.changed.emit()

        self.runner.submit(load, done, lambda exc: self.failed.emit(str(exc)))
