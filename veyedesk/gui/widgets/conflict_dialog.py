"""Someone saved the episode while you edited it: their values beside yours, chosen per field.

Only fields both sides changed need a choice; your other edits are kept and their other
changes are taken, so nothing is silently overwritten or lost. `FieldChoiceDialog` is the
same grid for any per-field choice: the venue sync (`gui/venue/sync_dialog.py`) shows its
conflicts in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from veyedesk.gui.widgets.safe_text import bold_label, plain_label
from veyedesk.model.timecode import format_offset
from veyedesk.services.editing import EditConflict, EpisodeDraft, resolve_conflict


def show_value(value: Any) -> str:
    """A field value as one short line of plain text."""
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


@dataclass(frozen=True)
class FieldChoice:
    """One row of a per-field choice: its key, what it is, and the two values as text."""

    name: str  # key of `choices`; the radio buttons are `theirs_<name>` and `mine_<name>`
    label: str
    theirs: str
    mine: str


class FieldChoiceDialog(QDialog):
    """Per field both sides changed: a "theirs" and a "mine" radio button (mine preselected).

    Shared by the editor's save conflict (`ConflictDialog`) and the venue sync
    (`gui.sync_dialog`); every text in it is plain text, whatever a schedule put there.
    """

    def __init__(
        self,
        title: str,
        intro: str,
        rows: list[FieldChoice],
        ok_text: str,
        parent: QWidget | None = None,
        *,
        headings: tuple[str, str, str] = ("Field", "Theirs (saved)", "Yours"),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.choices: dict[str, QButtonGroup] = {}
        layout = QVBoxLayout(self)
        intro_label = plain_label(intro)
        intro_label.setWordWrap(True)
        layout.addWidget(intro_label)
        grid = QGridLayout()
        for col, heading in enumerate(headings):
            grid.addWidget(bold_label(heading), 0, col)
        for row, choice in enumerate(rows, start=1):
            theirs = QRadioButton(choice.theirs)
            theirs.setObjectName(f"theirs_{choice.name}")
            yours = QRadioButton(choice.mine)
            yours.setObjectName(f"mine_{choice.name}")
            yours.setChecked(True)
            group = QButtonGroup(self)
            group.addButton(theirs, 0)
            group.addButton(yours, 1)
            self.choices[choice.name] = group
            label = plain_label(choice.label)
            label.setWordWrap(True)
            grid.addWidget(label, row, 0)
            grid.addWidget(theirs, row, 1)
            grid.addWidget(yours, row, 2)
        layout.addLayout(grid)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def choose(self, name: str, keep_mine: bool) -> None:
        """Pick a side for one field (what a click on its radio button does)."""
        self.choices[name].button(1 if keep_mine else 0).setChecked(True)

    def chosen_mine(self) -> set[str]:
        """Names of the rows where "mine" is chosen."""
        return {n for n, g in self.choices.items() if g.checkedId() == 1}


class ConflictDialog(FieldChoiceDialog):
    """Someone saved the episode while it was open here: choose per field both changed."""

    def __init__(
        self,
        conflict: EditConflict,
        mine: EpisodeDraft,
        base: EpisodeDraft,
        parent: QWidget | None = None,
    ) -> None:
        self.conflict, self.mine, self.base = conflict, mine, base
        self.theirs = conflict.theirs
        rows = []
        for name in conflict.fields:
            if name == "cuts":
                theirs_text, mine_text = _cuts_text(self.theirs), _cuts_text(mine)
            else:
                theirs_text = show_value(self.theirs.fields.get(name))
                mine_text = show_value(mine.fields.get(name))
            rows.append(FieldChoice(name, name, theirs_text, mine_text))
        super().__init__(
            "veyedesk — saved by someone else meanwhile",
            f"{conflict}.\nFor each field both of you changed, keep their value or yours. "
            "Your other edits are kept; their other changes are taken.",
            rows,
            "Merge and save",
            parent,
        )

    def keep_mine(self) -> set[str]:
        """Fields to take from my draft: chosen ones plus my edits that did not conflict."""
        untouched_by_them = set(self.mine.changed_fields(self.base)) - set(self.conflict.fields)
        return self.chosen_mine() | untouched_by_them

    def merged(self) -> tuple[EpisodeDraft, EpisodeDraft]:
        """(draft to save, its new base), per services.edit.resolve_conflict."""
        return resolve_conflict(self.mine, self.theirs, self.keep_mine())
