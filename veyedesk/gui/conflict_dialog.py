"""Someone saved the episode while you edited it: their values beside yours, chosen per field.

Only fields both sides changed need a choice; your other edits are kept and their other
changes are taken, so nothing is silently overwritten or lost.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from veyedesk.gui.safe_text import plain_label
from veyedesk.model.timecode import format_offset
from veyedesk.services.edit import EditConflict, EpisodeDraft, resolve_conflict


def _show(value: Any) -> str:
    if value is None:
        return "(blank)"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    text = str(value)
    return text if len(text) <= 160 else text[:157] + "…"


def _cuts_text(draft: EpisodeDraft) -> str:
    lines = []
    for n, cut in enumerate(draft.cuts, start=1):
        raw = draft.raw_files.get(cut.raw_file_id)
        name = raw.filename if raw else f"raw {cut.raw_file_id}"
        fps = draft.fps_of(cut.raw_file_id)
        span = f"{format_offset(cut.start, fps) or 'start'}–{format_offset(cut.end, fps) or 'end'}"
        lines.append(f"{n}. {name} {span}{'' if cut.apply else ' (skipped)'}")
    return "\n".join(lines) or "(no cuts)"


class ConflictDialog(QDialog):
    """Per conflicting field: a "theirs" and a "mine" radio button (mine preselected)."""

    def __init__(
        self,
        conflict: EditConflict,
        mine: EpisodeDraft,
        base: EpisodeDraft,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("veyedesk — saved by someone else meanwhile")
        self.conflict, self.mine, self.base = conflict, mine, base
        self.theirs = conflict.theirs
        self.choices: dict[str, QButtonGroup] = {}
        layout = QVBoxLayout(self)
        intro = plain_label(
            f"{conflict}.\nFor each field both of you changed, keep their value or yours. "
            "Your other edits are kept; their other changes are taken."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        for col, title in enumerate(("Field", "Theirs (saved)", "Yours")):
            head = QLabel(f"<b>{title}</b>")
            grid.addWidget(head, 0, col)
        for row, name in enumerate(conflict.fields, start=1):
            if name == "cuts":
                theirs_text, mine_text = _cuts_text(self.theirs), _cuts_text(mine)
            else:
                theirs_text = _show(self.theirs.fields.get(name))
                mine_text = _show(mine.fields.get(name))
            theirs = QRadioButton(theirs_text)
            theirs.setObjectName(f"theirs_{name}")
            yours = QRadioButton(mine_text)
            yours.setObjectName(f"mine_{name}")
            yours.setChecked(True)
            group = QButtonGroup(self)
            group.addButton(theirs, 0)
            group.addButton(yours, 1)
            self.choices[name] = group
            grid.addWidget(plain_label(name), row, 0)
            grid.addWidget(theirs, row, 1)
            grid.addWidget(yours, row, 2)
        layout.addLayout(grid)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Merge and save")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def choose(self, name: str, keep_mine: bool) -> None:
        """Pick a side for one field (what a click on its radio button does)."""
        self.choices[name].button(1 if keep_mine else 0).setChecked(True)

    def keep_mine(self) -> set[str]:
        """Fields to take from my draft: chosen ones plus my edits that did not conflict."""
        chosen = {n for n, g in self.choices.items() if g.checkedId() == 1}
        untouched_by_them = set(self.mine.changed_fields(self.base)) - set(self.conflict.fields)
        return chosen | untouched_by_them

    def merged(self) -> tuple[EpisodeDraft, EpisodeDraft]:
        """(draft to save, its new base), per services.edit.resolve_conflict."""
        return resolve_conflict(self.mine, self.theirs, self.keep_mine())
