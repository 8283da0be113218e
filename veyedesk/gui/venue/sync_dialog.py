"""File ▸ Sync with the shared database: a venue copy's sync, with progress, off the GUI thread.

The sync itself is `services.venue.syncing.sync`, run on a pool thread; its progress comes
back through a queued signal. Conflicts (a field both sides changed) open the per-field
choice dialog of `gui/widgets/conflict_dialog.py`; the choices are synced at once, and Cancel
leaves them pending (both sides keep their value, nothing is overwritten).

A venue copy never stores the shared database's password. When the server wants one (or
refuses the one given) the dialog shows a masked field; the password typed there is kept
in this process only (`remembered_password`), for the next syncs of the same copy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from veyedesk.gui.widgets.conflict_dialog import FieldChoice, FieldChoiceDialog, show_value
from veyedesk.gui.widgets.safe_text import plain_label
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.services.identity import Identity
from veyedesk.services.venue import (
    DELETED,
    MINE,
    THEIRS,
    FieldConflict,
    PasswordNeeded,
    Resolutions,
    SyncReport,
)

SyncFunction = Callable[..., SyncReport]

# Passwords typed for the shared database, by venue copy URL: memory only, never on disk,
# gone when the program ends.
_passwords: dict[str, str] = {}


def remembered_password(db_url: str) -> str | None:
    """The password typed this session for the shared database of the copy `db_url`."""
    return _passwords.get(db_url)


def forget_passwords() -> None:
    """Drop every password typed this session (tests; a user switching crews)."""
    _passwords.clear()


class _ProgressRelay(QObject):
    # Emitted on the pool thread; Qt queues it to the dialog in the GUI thread.
    progress = Signal(float, str)


def conflict_choices(conflicts: list[FieldConflict]) -> list[FieldChoice]:
    """Rows for the choice dialog, one per pending conflict (`c1`, `c2`, …)."""
    rows = []
    for n, c in enumerate(conflicts, start=1):
        if c.field == DELETED:
            mine = "delete it" if c.mine is None else "keep my changes"
            theirs = "delete it" if c.theirs is None else "keep their changes"
            rows.append(FieldChoice(f"c{n}", f"{c.label}: deleted on one side", theirs, mine))
        else:
            label = f"{c.label}: {c.field}"
            rows.append(FieldChoice(f"c{n}", label, show_value(c.theirs), show_value(c.mine)))
    return rows


class SyncDialog(QDialog):
    """Sync the venue copy `db_url`; `synced` is emitted after every finished sync."""

    synced = Signal(object)  # the SyncReport

    def __init__(
        self,
        db_url: str,
        parent: QWidget | None = None,
        *,
        default_profile: str = "mp4",
        who: Identity | None = None,
        raw_root: str = "",
        runner: BackgroundRunner | None = None,
        sync_function: SyncFunction | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("veyedesk — sync with the shared database")
        self.setMinimumWidth(520)
        self.db_url, self.default_profile, self.who = db_url, default_profile, who
        self.raw_root = raw_root  # the settings': where the sheet files are (services/venue/files)
        self.runner = runner or BackgroundRunner(self)
        self._sync = sync_function or _default_sync
        self.report: SyncReport | None = None
        self.conflict_dialog: FieldChoiceDialog | None = None
        self._pending: list[FieldConflict] = []
        self._trying: str | None = None  # the password of the sync in progress
        layout = QVBoxLayout(self)
        intro = plain_label(
            "Pushes the changes made on this venue copy to the shared database it was "
            "checked out from, and pulls everyone else's. Fields changed on both sides are "
            "yours to choose; nothing is overwritten without a choice."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.keep_locks = QCheckBox("Keep my talks locked (I go on editing here)")
        self.keep_locks.setObjectName("keep_locks")
        layout.addWidget(self.keep_locks)
        # Shown only when the shared database asks for a password.
        self.password_row = QWidget()
        form = QFormLayout(self.password_row)
        form.setContentsMargins(0, 0, 0, 0)
        self.password_prompt = plain_label("")
        self.password_prompt.setWordWrap(True)
        form.addRow(self.password_prompt)
        self.password = QLineEdit()
        self.password.setObjectName("sync_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("not stored on disk; kept until veyedesk closes")
        self.password.returnPressed.connect(lambda: self.start())
        form.addRow("Shared database &password:", self.password)
        self.password_row.setVisible(False)
        layout.addWidget(self.password_row)
        self.bar = QProgressBar()
        self.bar.setObjectName("sync_progress")
        self.bar.setRange(0, 100)
        layout.addWidget(self.bar)
        self.status = plain_label("Not synced yet.")
        self.status.setObjectName("sync_status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.start_button = QPushButton("&Sync now")
        self.start_button.setObjectName("sync_start")
        self.start_button.setDefault(True)
        buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.start_button.clicked.connect(lambda: self.start())
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._relay = _ProgressRelay()
        self._relay.progress.connect(self._on_progress)

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def start(self, resolutions: Resolutions | None = None) -> None:
        """Run one sync in the background (with the conflict choices made, if any)."""
        if self.busy:
            return
        self.start_button.setEnabled(False)
        self.keep_locks.setEnabled(False)
        self.bar.setValue(0)
        self.status.setText("Syncing…")
        relay, url, keep = self._relay, self.db_url, self.keep_locks.isChecked()
        profile, run, who = self.default_profile, self._sync, self.who
        password = self.password.text() or remembered_password(url)
        self._trying = password
        extra: dict[str, Any] = {} if password is None else {"password": password}
        if self.raw_root:
            extra["raw_root"] = self.raw_root

        def work() -> SyncReport:
            return run(
                url,
                resolutions=resolutions,
                keep_locks=keep,
                default_profile=profile,
                who=who,
                progress=lambda fraction, text: relay.progress.emit(fraction, text),
                **extra,
            )

        self.runner.submit(work, self._done, self._failed)

    def _on_progress(self, fraction: float, text: str) -> None:
        self.bar.setValue(round(fraction * 100))
        self.status.setText(text)

    def _done(self, report: SyncReport) -> None:
        self.report = report
        if self._trying:  # the server took it: keep it for this session's next syncs
            _passwords[self.db_url] = self._trying
        self.password.clear()
        self.password_row.setVisible(False)
        self.start_button.setEnabled(True)
        self.keep_locks.setEnabled(True)
        self.bar.setValue(100)
        summary = f"Synced: {report.pushed} changes pushed, {report.pulled} pulled"
        if report.resolved:
            summary += f", {report.resolved} conflicts resolved as chosen"
        if report.locks:
            summary += f"; locks {report.locks}"
        if report.files_copied:
            summary += f"; {len(report.files_copied)} sheet file(s) copied to the shared folder"
        if report.files_waiting:
            summary += (
                f"; {len(report.files_waiting)} sheet file(s) still need a copy (the shared "
                "show folder is not reachable from here)"
            )
        if report.conflicts:
            summary += f". {len(report.conflicts)} field(s) changed on both sides need a choice."
        self.status.setText(summary + ("" if report.conflicts else "."))
        self.synced.emit(report)
        if report.conflicts:
            self.ask(report.conflicts)

    def _failed(self, exc: Exception) -> None:
        self.start_button.setEnabled(True)
        self.keep_locks.setEnabled(True)
        self.bar.setValue(0)
        if isinstance(exc, PasswordNeeded):
            self._ask_password(exc)
            return
        self.status.setText(f"Not synced: {exc}")

    def _ask_password(self, exc: PasswordNeeded) -> None:
        _passwords.pop(self.db_url, None)  # refused: never offered again on its own
        who = f" for user {exc.user}" if exc.user else ""
        if exc.wrong and self._trying:
            text = f"The shared database refused the password{who}. Type it again."
        else:
            text = f"The shared database wants a password{who}. Type it and sync."
        self.password_prompt.setText(text)
        self.password.clear()
        self.password_row.setVisible(True)
        self.adjustSize()  # grow for the new row rather than squeeze the text above it
        self.password.setFocus()
        self.status.setText("Not synced: password needed.")

    def ask(self, conflicts: list[FieldConflict]) -> None:
        """Open the per-field choice for `conflicts` (window-modal; Cancel leaves them pending)."""
        self._pending = list(conflicts)
        dialog = FieldChoiceDialog(
            "veyedesk — changed here and on the shared database",
            "These fields were changed on this venue copy and on the shared database since "
            "the last sync. For each, keep their value or yours; Cancel leaves them "
            "pending (each side keeps its own) until the next sync.",
            conflict_choices(conflicts),
            "Sync with these choices",
            self,
            headings=("Field", "Theirs (shared database)", "Yours (this copy)"),
        )
        dialog.setObjectName("sync_conflicts")
        self.conflict_dialog = dialog
        dialog.accepted.connect(self._chosen)
        dialog.rejected.connect(
            lambda: self.status.setText(
                f"{len(self._pending)} conflict(s) left pending; sync again to choose."
            )
        )
        dialog.open()

    def resolutions(self) -> Resolutions:
        """The open conflict dialog's choices, keyed as the sync wants them."""
        assert self.conflict_dialog is not None
        mine = self.conflict_dialog.chosen_mine()
        return {
            (c.kind, c.key, c.field): MINE if f"c{n}" in mine else THEIRS
            for n, c in enumerate(self._pending, start=1)
        }

    def _chosen(self) -> None:
        self.start(self.resolutions())


def _default_sync(url: str, **kwargs: Any) -> SyncReport:
    from veyedesk.services.venue import sync

    return sync(url, **kwargs)
