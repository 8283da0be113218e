"""The questions the editor window asks, in one replaceable object (tests answer them in code).

Every box is plain text (gui/widgets/safe_text.py): titles and names come from schedules and users.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from veyedesk.gui.logfile import log_path
from veyedesk.gui.widgets import safe_text
from veyedesk.gui.widgets.conflict_dialog import ConflictDialog
from veyedesk.services.editing import EditConflict, EpisodeDraft, JournalEntry, LockState


class Prompts:
    """Modal questions; each returns the user's answer."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def unsaved(self, name: str) -> str:
        """'save', 'discard' or 'cancel' for an episode with unsaved edits."""
        box = safe_text.message_box(
            self.parent,
            QMessageBox.Icon.Question,
            "veyedesk — unsaved changes",
            f"“{name}” has unsaved changes.",
            "Save them before leaving the episode?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {
            QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard",
        }.get(QMessageBox.StandardButton(answer), "cancel")

    def restore(self, entry: JournalEntry) -> str:
        """'restore', 'discard' (delete the journal) or 'later' for edits found after a crash."""
        box = safe_text.message_box(
            self.parent,
            QMessageBox.Icon.Warning,
            "veyedesk — unsaved edits found",
            f"Unsaved edits of “{entry.name}” (episode {entry.episode_id}) by {entry.user} "
            f"from {entry.written:%a %d %b %H:%M} were found: veyedesk did not close normally.",
            "Restore them now? (Discard deletes them for good.)",
            QMessageBox.StandardButton.NoButton,
        )
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(restore)
        box.exec()
        clicked = box.clickedButton()
        return "restore" if clicked is restore else "discard" if clicked is discard else "later"

    def confirm_removals(self, lines: list[str]) -> bool:
        """Confirm that an import erases the values listed (a blank schedule cell each)."""
        more = f"\n… and {len(lines) - 20} more" if len(lines) > 20 else ""
        shown = "\n".join(lines[:20]) + more
        answer = safe_text.ask(
            self.parent,
            "veyedesk — erase values",
            f"The schedule is blank where these talks have text; applying erases it:\n\n"
            f"{shown}\n\nErase them?",
            default=QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def take_over(self, state: LockState) -> bool:
        """Confirm taking someone else's lock."""
        answer = safe_text.ask(
            self.parent,
            "veyedesk — take over the lock",
            f"This episode is {state.describe()}.\n\nIf they are still editing, their next "
            "save will conflict with yours. Take the lock over? (Recorded in the episode's log.)",
        )
        return answer == QMessageBox.StandardButton.Yes

    def resolve_conflict(
        self, conflict: EditConflict, mine: EpisodeDraft, base: EpisodeDraft
    ) -> tuple[EpisodeDraft, EpisodeDraft] | None:
        """The merged (draft, base) the editor chose, or None to keep editing unsaved."""
        dialog = ConflictDialog(conflict, mine, base, self.parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.merged()

    def error(self, title: str, message: str, *, unexpected: bool = False) -> None:
        """Show a refusal; an unexpected error also says where its traceback was written."""
        if unexpected:
            message = f"{message}\n\nThe details are in {log_path()}"
        safe_text.warn(self.parent, f"veyedesk — {title}", message)
