"""Next and previous talk: the editor's Ctrl+PgDown / Ctrl+PgUp and Save and next.

They follow the episode list as shown (its filters and sort, room by room) when the open
talk is listed; else the show's order, looked up off the GUI thread (several lookups may
be in flight at once, and only the newest may set the targets).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from veyedesk.db import SessionFactory
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.services.editing import Neighbour, listed_neighbour, listed_order, neighbour
from veyedesk.services.episodes import EpisodeRow


class EpisodeNavigator(QObject):
    """The talks before and after the open one."""

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
        # (talk, state filter) last looked up in the show's order: a search typed while
        # the open talk is filtered out does not query the database on every key.
        self._looked_up: tuple[int, str | None] | None = None

    def target(self, step: int) -> Neighbour | None:
        """The talk one step forward (+1) or back (-1), if there is one."""
        return self.next_target if step > 0 else self.previous_target

    def refresh(
        self, episode_id: int | None, only_state: str | None, listed: Sequence[EpisodeRow] = ()
    ) -> None:
        """Look the neighbours of `episode_id` up again (None: nothing is open).

        `listed`: the episode list's rows as shown. `changed` is emitted when the targets
        may differ (always for a lookup in the database).
        """
        if episode_id is not None and not any(r.id == episode_id for r in listed):
            if (episode_id, only_state) == self._looked_up:
                return  # the list changed around a talk it hides: the show's order did not
            self._looked_up = (episode_id, only_state)
        else:
            self._looked_up = None
        self._request += 1
        before = (self.episode_id, self.next_target, self.previous_target)
        self.episode_id = episode_id
        if episode_id is not None and self._looked_up is None:
            # Cheap enough for every keystroke in the search box: 5,000 rows in ~1 ms.
            order = listed_order(listed)
            self.next_target = listed_neighbour(order, episode_id, +1, only_state)
            self.previous_target = listed_neighbour(order, episode_id, -1, only_state)
            if (episode_id, self.next_target, self.previous_target) != before:
                self.changed.emit()
            return
        self.next_target = self.previous_target = None
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
