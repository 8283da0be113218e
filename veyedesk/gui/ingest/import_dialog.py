"""File ▸ Import schedule…: pick a schedule, see what it would change, then apply it.

The diff is the service's own dry run (`services.schedule.import_schedule(dry_run=True)`,
the CLI's `--dry-run`), shown as a tree: added, changed (field old → new), kept because
edited in veyedesk, blank in the schedule (removals, each to tick), vanished (never
deleted), rooms to create. A line shows old and new cut around where they differ; its
tooltip and the side-by-side view under the tree (the selected line) show both whole, as
plain text. Nothing is written until Apply; Apply asks before erasing ticked values and
re-runs the import with the signature of the diff the user saw, so a diff that changed
meanwhile (another editor, another import) writes nothing and is shown anew.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from veyedesk.db import SessionFactory
from veyedesk.gui.widgets.safe_text import bold_label, plain_label, tooltip
from veyedesk.gui.widgets.screen_fit import fit_to_screen
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.ingest.schedule import FORMATS
from veyedesk.ingest.schedule_merge import FieldChange, MergePlan, shown_pair
from veyedesk.services.identity import Identity
from veyedesk.services.ingest import (
    ImportOutdated,
    ImportResult,
    Signature,
    import_schedule_for,
    is_url,
    plan_signature,
    read_schedule_source,
)

if TYPE_CHECKING:
    from veyedesk.gui.widgets.prompts import Prompts

SCHEDULE_FILTER = "Schedules (*.xml *.json *.csv *.tsv);;All files (*)"
CHANGE_ROLE = Qt.ItemDataRole.UserRole + 1  # a field line's FieldChange
REMOVAL_ROLE = Qt.ItemDataRole.UserRole + 2  # a removal line's (episode id, field)


def _text(value: Any) -> str:
    """A value whole, as plain text ("—" for blank)."""
    return "—" if value is None or value == "" else str(value)


def _flat(value: Any) -> str:
    # One line in the tree; the whole value is in the tooltip and the side-by-side view.
    return " ".join(_text(value).split())


def _pair(change: FieldChange) -> tuple[str, str]:
    """Old and new for one tree line, cut around their first difference (never identical
    when the values differ)."""
    return shown_pair(change.old, change.new, as_text=_flat)


def _field_item(parent: QTreeWidgetItem, change: FieldChange, details: str) -> QTreeWidgetItem:
    item = QTreeWidgetItem(parent, [change.field, details])
    item.setData(0, CHANGE_ROLE, change)
    tip = tooltip(f"Now:\n{_text(change.old)}\n\nSchedule:\n{_text(change.new)}")
    item.setToolTip(0, tip)
    item.setToolTip(1, tip)
    return item


def _when(record: Any) -> str:
    return record.start.strftime("%Y-%m-%d %H:%M") if record.start else "no time"


class ImportDialog(QDialog):
    """Preview a schedule import as a diff; Apply writes it (in the background)."""

    imported = Signal(object)  # ImportResult, after Apply committed

    def __init__(
        self,
        sessions: SessionFactory,
        identity: Identity,
        show_id: int,
        show_label: str,
        runner: BackgroundRunner,
        parent: QWidget | None = None,
        prompts: Prompts | None = None,
    ) -> None:
        super().__init__(parent)
        self.sessions, self.identity, self.show_id = sessions, identity, show_id
        self.runner = runner
        if prompts is None:
            from veyedesk.gui.widgets.prompts import Prompts

            prompts = Prompts(self)
        self.prompts = prompts
        self.setWindowTitle("Import schedule")
        self.setObjectName("import_dialog")
        fit_to_screen(self, 860, 620)  # or less on a small screen
        self.result_shown: ImportResult | None = None
        self._signature: Signature | None = None
        self._data: bytes | None = None
        self._source = ""
        self.busy = False

        self.path = QLineEdit()
        self.path.setObjectName("schedule_path")
        self.path.setPlaceholderText(
            "a file (schedule.xml, schedule.json, talks.csv) or https://…/schedule.xml"
        )
        self.path.textChanged.connect(self._forget_preview)
        self.path.returnPressed.connect(self.preview)
        browse = QPushButton("Browse…")
        browse.setObjectName("browse")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        self.format_box = QComboBox()
        self.format_box.setObjectName("schedule_format")
        self.format_box.addItems(list(FORMATS))
        self.format_box.currentIndexChanged.connect(self._forget_preview)
        self.overwrite = QCheckBox("Also overwrite fields an editor changed in veyedesk")
        self.overwrite.setObjectName("overwrite_edited")
        self.overwrite.toggled.connect(self._forget_preview)
        self.preview_button = QPushButton("Show &diff")
        self.preview_button.setObjectName("preview")
        self.preview_button.clicked.connect(self.preview)

        form = QFormLayout()
        form.addRow("Show:", plain_label(show_label))
        form.addRow("Schedule file or URL:", path_row)
        form.addRow("Format:", self.format_box)
        form.addRow("", self.overwrite)

        self.tree = QTreeWidget()
        self.tree.setObjectName("diff_tree")
        self.tree.setHeaderLabels(["What", "Details"])
        self.tree.setColumnWidth(0, 380)
        self.tree.setUniformRowHeights(True)
        self.tree.currentItemChanged.connect(self._compare_current)
        # The selected change side by side, whole: plain-text views (never rich text).
        self.compare = QWidget()
        self.compare.setObjectName("compare")
        self.compare_title = plain_label("")
        self.old_text, self.new_text = QPlainTextEdit(), QPlainTextEdit()
        self.old_text.setObjectName("old_value")
        self.new_text.setObjectName("new_value")
        sides = QHBoxLayout()
        for title, view in (("Now", self.old_text), ("Schedule", self.new_text)):
            view.setReadOnly(True)
            column = QVBoxLayout()
            column.addWidget(bold_label(title))
            column.addWidget(view)
            sides.addLayout(column)
        compare_layout = QVBoxLayout(self.compare)
        compare_layout.setContentsMargins(0, 0, 0, 0)
        compare_layout.addWidget(self.compare_title)
        compare_layout.addLayout(sides)
        self.compare.hide()
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.tree)
        self.split.addWidget(self.compare)
        self.summary = plain_label(
            "Choose a schedule file, then Show diff: nothing is written yet."
        )
        self.summary.setObjectName("import_summary")
        self.summary.setWordWrap(True)

        self.buttons = QDialogButtonBox()
        self.apply_button = self.buttons.addButton("&Apply", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setObjectName("apply")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        close = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)

        # A crew re-imports from the same address all week: offer the last one of this show.
        last = QSettings().value(self._source_key(), "")
        if isinstance(last, str) and last:
            self.path.setText(last)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.split, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)

    def _source_key(self) -> str:
        return f"import/last_source/{self.show_id}"

    # -- choosing the file --------------------------------------------------------------
    def _browse(self) -> None:
        text = self.path.text()
        start = str(Path(text).parent) if text and not is_url(text) else ""
        name, _ = QFileDialog.getOpenFileName(self, "Schedule file", start, SCHEDULE_FILTER)
        if name:
            self.path.setText(name)
            self.preview()

    def _forget_preview(self, *_args: object) -> None:
        # Another file or option: the diff on screen no longer says what Apply would do.
        if self.result_shown is not None and not self.busy:
            self.result_shown, self._signature, self._data = None, None, None
            self.tree.clear()
            self.apply_button.setEnabled(False)
            self.summary.setText("Options changed: Show diff again before applying.")

    def _options(self) -> tuple[str, bool]:
        return self.format_box.currentText(), self.overwrite.isChecked()

    # -- preview ------------------------------------------------------------------------
    def preview(self) -> None:
        """Read the file and show the dry run's diff (off the GUI thread; nothing written)."""
        path = self.path.text().strip()
        if not path:
            self.summary.setText("Choose a schedule file first.")
            return
        if self.busy:
            return
        fmt, overwrite = self._options()
        sessions, identity, show_id = self.sessions, self.identity, self.show_id

        def work() -> tuple[bytes, str, ImportResult]:
            data, source = read_schedule_source(path)  # a file, or fetched from http(s)
            with sessions() as session:
                try:
                    result = import_schedule_for(
                        session,
                        show_id,
                        data,
                        source,
                        identity,
                        fmt=fmt,
                        overwrite_edited=overwrite,
                        dry_run=True,
                    )
                finally:
                    session.rollback()  # a dry run: whatever it touched goes
            return data, source, result

        def done(found: tuple[bytes, str, ImportResult]) -> None:
            self._data, self._source, result = found
            self._show(result)

        where = "Fetching" if is_url(path) else "Reading"
        self._set_busy(True, f"{where} the schedule and comparing it with the talks…")
        self.runner.submit(work, lambda found: self._finish(done, found), self._failed)

    def _compare_current(self, item: QTreeWidgetItem | None, _previous: object = None) -> None:
        change = item.data(0, CHANGE_ROLE) if item is not None else None
        if not isinstance(change, FieldChange):
            self.compare.hide()
            return
        talk = item.parent() if item is not None else None
        self.compare_title.setText(f"{talk.text(0) if talk else ''} — {change.field}")
        self.old_text.setPlainText(_text(change.old))
        self.new_text.setPlainText(_text(change.new))
        self.compare.show()

    def ticked_removals(self) -> list[tuple[int, str, str]]:
        """(episode id, field, talk name) of every removal ticked in the tree."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            if group is None or group.data(0, Qt.ItemDataRole.UserRole) != "removals":
                continue
            talks = [group.child(t) for t in range(group.childCount())]
            for talk in (t for t in talks if t is not None):
                lines = [talk.child(f) for f in range(talk.childCount())]
                for line in (x for x in lines if x is not None):
                    key = line.data(0, REMOVAL_ROLE)
                    if key is not None and line.checkState(0) == Qt.CheckState.Checked:
                        out.append((int(key[0]), str(key[1]), talk.text(0)))
        return out

    def _show(self, result: ImportResult) -> None:
        self.result_shown = result
        self._signature = plan_signature(result)
        fill_diff(self.tree, result)
        plan = result.plan
        self.summary.setText(plan.lines()[-1] + ("" if plan.is_noop else "; nothing written yet"))
        self.apply_button.setEnabled(not plan.is_noop or bool(result.rooms_created))

    # -- apply --------------------------------------------------------------------------
    def apply(self) -> None:
        """Write the import whose diff is shown, in one transaction (refused if it changed)."""
        if self._data is None or self._signature is None or self.busy:
            return
        data, source, expected = self._data, self._source, self._signature
        fmt, overwrite = self._options()
        sessions, identity, show_id = self.sessions, self.identity, self.show_id
        ticked = self.ticked_removals()
        if ticked and not self.prompts.confirm_removals(
            [f"“{name}”: {name_of_field}" for _id, name_of_field, name in ticked]
        ):
            self.summary.setText("Not applied: untick the values to keep, then Apply.")
            return
        removals = frozenset((episode_id, name) for episode_id, name, _talk in ticked)

        def work() -> ImportResult:
            with sessions() as session, session.begin():
                return import_schedule_for(
                    session,
                    show_id,
                    data,
                    source,
                    identity,
                    fmt=fmt,
                    overwrite_edited=overwrite,
                    dry_run=False,
                    expected=expected,
                    removals=removals,
                )

        def done(result: ImportResult) -> None:
            QSettings().setValue(self._source_key(), source)
            self.summary.setText("Imported: " + result.plan.lines()[-1])
            self.imported.emit(result)
            self.accept()

        self._set_busy(True, "Importing…")
        self.runner.submit(work, lambda result: self._finish(done, result), self._failed)

    # -- plumbing -----------------------------------------------------------------------
    def _set_busy(self, busy: bool, message: str = "") -> None:
        self.busy = busy
        self.preview_button.setEnabled(not busy)
        self.apply_button.setEnabled(not busy and self.result_shown is not None)
        if message:
            self.summary.setText(message)

    def _finish(self, then: Any, value: Any) -> None:
        self._set_busy(False)
        then(value)

    def _failed(self, exc: Exception) -> None:
        self._set_busy(False)
        if isinstance(exc, ImportOutdated):
            self._show(exc.result)
            self.summary.setText(f"Not written: {exc}")
            return
        self.result_shown, self._signature = None, None
        self.apply_button.setEnabled(False)
        self.tree.clear()
        self.summary.setText(f"Not imported: {exc}")


def _group(tree: QTreeWidget, title: str, count: int, name: str) -> QTreeWidgetItem:
    item = QTreeWidgetItem([f"{title} ({count})", ""])
    item.setData(0, Qt.ItemDataRole.UserRole, name)
    font = item.font(0)
    font.setBold(True)
    item.setFont(0, font)
    tree.addTopLevelItem(item)
    return item


def fill_diff(tree: QTreeWidget, result: ImportResult) -> None:
    """The import's diff as a tree (all text plain: QTreeWidgetItem never renders HTML)."""
    tree.clear()
    plan: MergePlan = result.plan
    if result.rooms_created:
        rooms = _group(tree, "Rooms to create", len(result.rooms_created), "rooms")
        for slug in result.rooms_created:
            QTreeWidgetItem(rooms, [slug, ""])
    added = _group(tree, "Added", len(plan.added), "added")
    for rec in plan.added:
        QTreeWidgetItem(added, [rec.name, f"{rec.room}, {_when(rec)} · {rec.conf_key}"])
    changed = _group(tree, "Changed", len(plan.changed), "changed")
    for ep in plan.changed:
        talk = QTreeWidgetItem(changed, [ep.existing.name, f"episode {ep.existing.id}"])
        for change in ep.changes:
            _field_item(talk, change, " → ".join(_pair(change)))
    removing = plan.removing
    count = sum(len(ep.removals) for ep in removing)
    removals = _group(tree, "Blank in the schedule: tick to erase", count, "removals")
    for ep in removing:
        talk = QTreeWidgetItem(removals, [ep.existing.name, f"episode {ep.existing.id}"])
        for change in ep.removals:
            line = _field_item(talk, change, f"erase {_pair(change)[0]}")
            line.setData(0, REMOVAL_ROLE, (ep.existing.id, change.field))
            line.setFlags(line.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            line.setCheckState(0, Qt.CheckState.Unchecked)  # kept unless a person ticks it
    kept = _group(tree, "Kept because edited in veyedesk", len(plan.kept), "kept")
    for ep in plan.kept:
        talk = QTreeWidgetItem(kept, [ep.existing.name, f"episode {ep.existing.id}"])
        for change in ep.kept:
            old, new = _pair(change)
            _field_item(talk, change, f"keeping {old} (schedule: {new})")
    vanished = _group(tree, "Vanished from the schedule (not deleted)", len(plan.vanished), "gone")
    for ex in plan.vanished:
        QTreeWidgetItem(vanished, [ex.name, f"episode {ex.id} · {ex.conf_key}"])
    QTreeWidgetItem(tree, [f"Unchanged: {plan.unchanged}", ""])
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        if item is not None and item.childCount() <= 50:
            # Small groups open down to the fields; a first import's 1,000 talks stay folded.
            item.setExpanded(True)
            for n in range(item.childCount()):
                child = item.child(n)
                if child is not None:
                    child.setExpanded(True)
