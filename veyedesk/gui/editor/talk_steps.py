"""Moving through a room's talks: save, save and next, previous and next, and the talk
prepared ahead so the next one shows at once.

A mixin of `MainWindow`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMainWindow

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QCheckBox

    from veyedesk.gui.editor.episode_list import EpisodeListPanel
    from veyedesk.gui.editor.navigation import EpisodeNavigator
    from veyedesk.gui.editor.player_host import PlayerHost
    from veyedesk.gui.editor.session import EpisodeSession
    from veyedesk.gui.widgets.prompts import Prompts
    from veyedesk.gui.widgets.safe_text import ElidedLabel
    from veyedesk.services.editing import Neighbour


class TalkSteps(QMainWindow):
    """Part of `MainWindow` (see the module docstring)."""

    # Built by MainWindow and WindowMenus; declared for the type checker only.
    if TYPE_CHECKING:
        editing: EpisodeSession
        player: PlayerHost
        navigator: EpisodeNavigator
        episodes: EpisodeListPanel
        prompts: Prompts
        only_edit: QCheckBox
        next_label: ElidedLabel
        next_action: QAction
        previous_action: QAction

        def open_episode(self, episode_id: int) -> None: ...
        def _status(self, message: str) -> None: ...

    @property
    def next_target(self) -> Neighbour | None:
        """The talk Ctrl+PgDown and Save and next open (kept by the navigator)."""
        return self.navigator.next_target

    @property
    def previous_target(self) -> Neighbour | None:
        return self.navigator.previous_target

    def open_now(self, episode_id: int) -> None:
        """Open `episode_id` (the current one already left)."""
        # The media read while the line was selected goes to mpv now, so a picture shows
        # while the open (lock, form) is still on its way.
        draft = self.editing.preview(episode_id)
        if draft is not None:
            self.player.preview(draft)
        # The form fills from that read too; the open (lock) waits until the picture is
        # on screen, so its database work does not slow the picture down.
        self.editing.open(episode_id, stages=self.player)

    def _can_save(self) -> bool:
        from veyedesk.gui.editor.episode_form import invalid_emails

        doc = self.editing.document
        if doc is None:
            return False
        bad = invalid_emails(str(doc.draft.fields.get("emails") or ""))
        if bad:
            self.prompts.error(
                "not saved", f"Emails: not an email address: {', '.join(bad)}. Fix the field."
            )
            return False
        return True

    def save(self) -> None:
        """Ctrl+S: save the open episode and its cuts in one transaction."""
        if self._can_save():
            self.editing.save()

    def save_and_next(self) -> None:
        """Ctrl+Enter: save, release the lock, open the next episode."""
        doc = self.editing.document
        if doc is None:
            return
        target = self.next_target
        if doc.read_only:
            self.go(+1)
            return
        if not self._can_save() or self.editing.saving:
            return
        if target is None:

            def then() -> None:
                self.player.unload()
                self._status("Saved; that was the last episode")

            self.editing.save(then, release=True)
            return
        # The prepared talk (its media on the standby player, its draft read) shows now;
        # the save and the open (lock) follow on the writer thread once it is on screen.
        draft = self.editing.preview(target.id)
        if draft is not None:
            self.player.unload()
            self.player.preview(draft)
        self.editing.save_and_open(target.id, self.player)

    def go(self, step: int) -> None:
        """Next (+1) or Previous (-1) episode of the same room in time order, then next room."""
        target = self.navigator.target(step)
        if target is None:
            self._status("No further episode that way")
            return
        self.open_episode(target.id)

    def _refresh_neighbours(self, *_args: object) -> None:
        """The open talk or the list's filters or sort changed: next and previous follow."""
        only = "edit" if self.only_edit.isChecked() else None
        self.navigator.refresh(self.editing.episode_id, only, self.episodes.shown())

    def _neighbours_changed(self) -> None:
        nav = self.navigator
        self.next_action.setEnabled(nav.next_target is not None)
        self.previous_action.setEnabled(nav.previous_target is not None)
        from veyedesk.gui.widgets.safe_text import tooltip

        nxt = nav.next_target
        if nav.episode_id is None:
            self.next_label.setText("")
        else:
            self.next_label.setText(f"Next: {nxt.label}" if nxt else "last episode")
        self.next_action.setToolTip(tooltip(nxt.label) if nxt else "")
        if nxt is not None:
            # Save and next's target, prepared while the editor works on this one (once
            # this one is on screen: its read would slow that picture down).
            target = nxt.id
            self.player.after_picture(lambda: self.editing.prefetch(target))
