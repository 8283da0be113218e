"""File ▸ Import schedule…: pick a schedule, see what it would change, then apply it.

The diff is the service's own dry run (`services.schedule.import_schedule(dry_run=True)`,
the CLI's `--dry-run`), shown as a tree: added, changed (field old → new), kept because
edited in veyedesk, vanished (never deleted), rooms to create. Nothing is written until
Apply; Apply re-runs the import with the signature of the diff the user saw, so a diff
that changed meanwhile (another editor, another import) writes nothing and is shown anew.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from veyedesk.db import SessionFactory
from veyedesk.gui.widgets.safe_text import plain_label
from veyedesk.gui.widgets.screen_fit import fit_to_screen
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.ingest.schedule import FORMATS
from veyedesk.ingest.schedule_merge import MergePlan
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

SCHEDULE_FILTER = "Schedules (*.xml *.json *.csv *.tsv);;All files (*)"


def _short(value: Any, limit: int = 70) -> str:
    # The diff's cells stay one short line; the whole value is in the schedule file.
    text = "—" if value is None or value == "" else str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    ) -> None:
        super().__init__(parent)
        self.sessions, self.identity, self.show_id = sessions, identity, show_id
        self.runner = runner
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
        layout.addWidget(self.tree, 1)
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
            QTreeWidgetItem(talk, [change.field, f"{_short(change.old)} → {_short(change.new)}"])
    kept = _group(tree, "Kept because edited in veyedesk", len(plan.kept), "kept")
    for ep in plan.kept:
        talk = QTreeWidgetItem(kept, [ep.existing.name, f"episode {ep.existing.id}"])
        for change in ep.kept:
            QTreeWidgetItem(
                talk,
                [change.field, f"keeping {_short(change.old)} (schedule: {_short(change.new)})"],
            )
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
