"""The encode queue panel: live job list with progress, cancel / retry / raise priority, and a
toggle that runs an encode worker on this machine (a `veyedesk worker` child process).

The list is polled from the database every two seconds on the thread pool, so it shows jobs
run by workers on any machine sharing the database.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QProcess,
    QProcessEnvironment,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from veyedesk.config import Settings
from veyedesk.db import SessionFactory
from veyedesk.gui.widgets.safe_text import plain_label, tooltip
from veyedesk.gui.widgets.table_model import FlatTableModel
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.jobs import queue
from veyedesk.jobs.queue import JobView
from veyedesk.model.kinds import LIVE_JOB_STATUSES, JobStatus
from veyedesk.model.timecode import format_duration
from veyedesk.services import pipeline
from veyedesk.services.identity import Identity

COLUMNS = (
    "Job",
    "Episode",
    "Profile",
    "Status",
    "Progress",
    "Speed",
    "ETA",
    "Worker",
    "Tries",
    "Error",
)
PROGRESS_COLUMN = 4
POLL_MS = 2000
STATUS_COLOURS: dict[str, str] = {
    JobStatus.FAILED: "#b00020",
    JobStatus.RUNNING: "#1a5fb4",
    JobStatus.CANCELLED: "#777777",
    JobStatus.DONE: "#26734d",
}

Index = QModelIndex | QPersistentModelIndex


class JobTableModel(FlatTableModel):
    """Rows are JobView values; replaced wholesale on every poll, keeping the selection by id."""

    columns = COLUMNS

    ID_ROLE = Qt.ItemDataRole.UserRole + 1
    PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs: list[JobView] = []

    def set_jobs(self, jobs: list[JobView]) -> None:
        if [j.id for j in jobs] == [j.id for j in self.jobs]:
            # Same rows: update in place so the view keeps selection and scroll position.
            self.jobs = jobs
            if jobs:
                self.dataChanged.emit(self.index(0, 0), self.index(len(jobs) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self.jobs = jobs
        self.endResetModel()

    def shown_rows(self) -> int:
        return len(self.jobs)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        job = self.jobs[index.row()]
        col = index.column()
        if role == self.ID_ROLE:
            return job.id
        if role == self.PROGRESS_ROLE:
            return job.progress
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(job, col)
        if role == Qt.ItemDataRole.ForegroundRole and col == 3 and job.status in STATUS_COLOURS:
            return QColor(STATUS_COLOURS[job.status])
        if role == Qt.ItemDataRole.ToolTipRole:
            # Titles and ffmpeg's errors are shown exactly, never read as rich text.
            if col == 9 and job.error:
                return tooltip(job.error)
            if col == 1:
                return tooltip(
                    f"{job.episode_name}\n(episode {job.episode_id}, state {job.episode_state})"
                )
        return None

    @staticmethod
    def _display(job: JobView, col: int) -> str:
        status = job.status + (
            " (cancelling)" if job.cancel_requested and job.status == JobStatus.RUNNING else ""
        )
        values = (
            str(job.id),
            job.episode_name,
            job.profile,
            status,
            f"{job.progress:.0%}",
            job.speed_text,
            format_duration(job.eta_seconds)
            if job.eta_seconds is not None and job.status == JobStatus.RUNNING
            else "",
            job.worker,
            f"{job.attempts_made}/{job.max_attempts}",
            job.error.splitlines()[0] if job.error else "",
        )
        return values[col]


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress column as a progress bar."""

    def paint(self, painter, option: QStyleOptionViewItem, index: Index) -> None:
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = int(1000 * float(index.data(JobTableModel.PROGRESS_ROLE) or 0.0))
        bar.text = index.data(Qt.ItemDataRole.DisplayRole)
        bar.textVisible = True
        QApplication.style().drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)


class QueuePanel(QWidget):
    """Jobs of the whole database, refreshed live; `counts_changed` feeds the status-bar badge."""

    counts_changed = Signal(dict)
    message = Signal(str)

    def __init__(
        self,
        sessions: SessionFactory,
        settings: Settings,
        identity: Identity,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.sessions = sessions
        self.settings = settings
        self.identity = identity
        self.runner = BackgroundRunner(self)
        self._polling = False
        self.worker: QProcess | None = None

        self.model = JobTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("queue_table")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(PROGRESS_COLUMN, ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col, width in (
            (0, 44),
            (2, 60),
            (3, 90),
            (4, 110),
            (5, 54),
            (6, 64),
            (7, 140),
            (8, 44),
        ):
            self.table.setColumnWidth(col, width)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.cancel_button = QPushButton("Cancel")
        self.retry_button = QPushButton("Retry")
        self.raise_button = QPushButton("Raise priority")
        self.local_worker = QCheckBox("Encode on this machine")
        self.local_worker.setToolTip(
            "Run an encode worker on this computer; it takes jobs from the shared queue."
        )
        self.worker_status = plain_label()  # the worker's last line may quote a title
        self.cancel_button.clicked.connect(lambda: self._act("cancel"))
        self.retry_button.clicked.connect(lambda: self._act("retry"))
        self.raise_button.clicked.connect(lambda: self._act("raise"))
        self.local_worker.toggled.connect(self.set_local_worker)
        buttons = QHBoxLayout()
        for w in (self.cancel_button, self.retry_button, self.raise_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        buttons.addWidget(self.worker_status)
        buttons.addWidget(self.local_worker)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        can_act = identity.can("edit")
        for b in (self.cancel_button, self.retry_button, self.raise_button):
            b.setVisible(can_act)
        self._update_buttons()

        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    # -- polling ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the jobs off the GUI thread (skipped while the previous poll is running)."""
        if self._polling:
            return
        self._polling = True

        def load() -> tuple[list[JobView], dict[str, int]]:
            with self.sessions() as session:
                return queue.list_jobs(session, limit=300), queue.job_counts(session)

        self.runner.submit(load, self._loaded, self._failed)

    def _loaded(self, result: tuple[list[JobView], dict[str, int]]) -> None:
        self._polling = False
        jobs, counts = result
        selected = self.selected_job()
        self.model.set_jobs(jobs)
        if selected is not None:
            for row, job in enumerate(jobs):
                if job.id == selected.id:
                    self.table.selectRow(row)
                    break
        self.counts_changed.emit(counts)
        self._update_buttons()

    def _failed(self, exc: Exception) -> None:
        self._polling = False
        self.message.emit(f"Queue: cannot read the database ({exc}); retrying")

    # -- actions ------------------------------------------------------------------------
    def selected_job(self) -> JobView | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        row = rows[0].row()
        return self.model.jobs[row] if row < len(self.model.jobs) else None

    def _update_buttons(self) -> None:
        job = self.selected_job()
        status = job.status if job else ""
        self.cancel_button.setEnabled(status in LIVE_JOB_STATUSES)
        self.retry_button.setEnabled(status in (JobStatus.FAILED, JobStatus.CANCELLED))
        self.raise_button.setEnabled(status in LIVE_JOB_STATUSES)

    def _act(self, action: str) -> None:
        job = self.selected_job()
        if job is None:
            return
        who = self.identity
        # Through services.queue_actions, which checks the role: a reviewer's panel is refused.
        steps: dict[str, Callable[[Any], object]] = {
            "cancel": lambda s: pipeline.cancel_job(s, job.id, who),
            "retry": lambda s: pipeline.retry_job(s, job.id, who),
            "raise": lambda s: pipeline.raise_priority(s, job.id, who),
        }

        def run() -> str:
            with self.sessions() as session, session.begin():
                steps[action](session)
            return f"Job {job.id}: {action} done"

        self.runner.submit(run, self._acted, self._act_failed)

    def _acted(self, text: str) -> None:
        self.message.emit(text)
        self.refresh()

    def _act_failed(self, exc: Exception) -> None:
        self.message.emit(f"Queue: {exc}")
        self.refresh()

    # -- local worker -------------------------------------------------------------------
    def set_local_worker(self, on: bool) -> None:
        """Start or stop a `veyedesk worker` child process on this machine."""
        if on and self.worker is None:
            proc = QProcess(self)
            env = QProcessEnvironment.systemEnvironment()
            # The URL goes through the environment so a password never shows in `ps`.
            env.insert("VEYEDESK_DB", self.settings.db)
            env.insert("VEYEDESK_USER", self.identity.name)
            if self.settings.password:
                env.insert("VEYEDESK_PASSWORD", self.settings.password)
            if self.settings.output_root:
                env.insert("VEYEDESK_OUTPUT_ROOT", self.settings.output_root)
            if self.settings.raw_root:
                env.insert("VEYEDESK_RAW_ROOT", self.settings.raw_root)
            proc.setProcessEnvironment(env)
            proc.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
            proc.readyReadStandardOutput.connect(self._worker_output)
            proc.finished.connect(self._worker_finished)
            proc.start(sys.executable, local_worker_args(self.settings))
            self.worker = proc
            self.worker_status.setText("worker starting…")
        elif not on and self.worker is not None:
            self.worker_status.setText("worker stopping…")
            # SIGTERM: the worker finishes or releases its job cleanly (see jobs.worker).
            self.worker.terminate()
        if self.local_worker.isChecked() != on:
            self.local_worker.blockSignals(True)
            self.local_worker.setChecked(on)
            self.local_worker.blockSignals(False)

    def _worker_output(self) -> None:
        if self.worker is None:
            return
        text = bytes(self.worker.readAllStandardOutput().data()).decode("utf-8", "replace")
        lines = [line for line in text.splitlines() if line.strip()]
        if lines:
            self.worker_status.setText(lines[-1][-80:])

    def _worker_finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        self.worker = None
        self.worker_status.setText("" if code == 0 else f"worker stopped (exit {code})")
        self.local_worker.blockSignals(True)
        self.local_worker.setChecked(False)
        self.local_worker.blockSignals(False)

    def shutdown(self, wait_ms: int = 10000) -> None:
        """Stop polling and the local worker (called when the window closes)."""
        self.timer.stop()
        if self.worker is not None:
            self.worker.terminate()
            if not self.worker.waitForFinished(wait_ms):
                self.worker.kill()
                self.worker.waitForFinished(2000)
        self.runner.wait(3000)


def local_worker_args(settings: Settings) -> list[str]:
    """Arguments of `python -m veyedesk … worker` that reads this window's own config file.

    Left to itself the child would read VEYEDESK_CONFIG or the per-user file, which may
    not be the file this window was opened with: its profiles could differ and a job
    fail for good ("no encode profile"). With no file behind the window, /dev/null stands
    for "none" (it is no regular file, so only defaults and the environment count).
    """
    return ["-m", "veyedesk", "--config", settings.source or os.devnull, "worker"]


def worker_pid(panel: QueuePanel) -> int | None:
    """The local worker's process id (tests use it to check it stopped)."""
    if panel.worker is None:
        return None
    pid = panel.worker.processId()
    return int(pid) if pid else None
