"""Review mode: watch an episode's encode seam by seam, then approve it or send it back.

The encode plays in the same mpv video widget as the editor. A bar under it shows the
encode's parts (title, each cut, credits); `[` and `]` jump to the previous / next seam and
play two seconds either side of it. Approve needs the encode to have been opened (the
service checks a Log row); Reject needs a comment. "Open in editor" maps the position in
the encode back to the raw file and offset it came from.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from veyedesk.config import Settings
from veyedesk.db import SessionFactory
from veyedesk.encode.plan import poster_time
from veyedesk.gui.widgets.safe_text import make_plain
from veyedesk.gui.widgets.screen_fit import fit_to_screen
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.gui.widgets.video import VideoWidget
from veyedesk.model.pipeline import REVIEW_2_STATE
from veyedesk.model.timecode import format_offset
from veyedesk.player.timeline import Source, Timeline
from veyedesk.services import editing, pipeline
from veyedesk.services.identity import Identity
from veyedesk.services.pipeline import HeldItem, ReviewItem, ReviewPackage

AROUND_SEAM = 2.0  # seconds played before and after a seam
PART_COLOURS = ("#5b8def", "#43a06b")  # cuts alternate so each boundary shows
SLIDE_COLOUR = "#9a7fd1"


class SeamBar(QWidget):
    """The encode's parts as blocks, seams as lines, and the playhead; click to seek."""

    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.package: ReviewPackage | None = None
        self.position = 0.0
        self.setMinimumHeight(46)
        self.setMouseTracking(True)

    def set_package(self, package: ReviewPackage | None) -> None:
        self.package = package
        self.update()

    def set_position(self, seconds: float) -> None:
        self.position = seconds
        self.update()

    def _length(self) -> float:
        p = self.package
        if p is None:
            return 1.0
        return max(p.duration or 0.0, p.expected_duration, 0.001)

    def _x(self, t: float) -> float:
        return 4 + (self.width() - 8) * t / self._length()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#202225"))
        if self.package is None:
            return
        top, height = 6.0, self.height() - 12.0
        cut_index = 0
        for part in self.package.parts:
            x0, x1 = self._x(part.start), self._x(part.end)
            if part.raw_file_id is None:
                colour = QColor(SLIDE_COLOUR)
            else:
                colour = QColor(PART_COLOURS[cut_index % 2])
                cut_index += 1
            rect = QRectF(x0, top, max(1.0, x1 - x0), height)
            painter.fillRect(rect, colour)
            painter.setPen(QColor("white"))
            label = painter.fontMetrics().elidedText(
                part.label, Qt.TextElideMode.ElideRight, int(rect.width()) - 6
            )
            painter.drawText(rect.adjusted(3, 0, -3, 0), Qt.AlignmentFlag.AlignVCenter, label)
        painter.setPen(QPen(QColor("#ffd166"), 2))
        for seam in self.package.seams:
            x = self._x(seam)
            painter.drawLine(QPointF(x, 2), QPointF(x, self.height() - 2))
        painter.setPen(QPen(QColor("#ff4d4d"), 2))
        x = self._x(self.position)
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.package is not None and event.button() == Qt.MouseButton.LeftButton:
            t = (event.position().x() - 4) / max(1, self.width() - 8) * self._length()
            self.seek_requested.emit(max(0.0, min(t, self._length())))


class ReviewWindow(QMainWindow):
    """Episodes awaiting review on the left; the encode, its seams and the verdict on the right."""

    open_in_editor = Signal(int, int, float)  # episode id, raw file id, offset
    reviewed = Signal(int, str)  # episode id, what happened ("approved -> email", "rejected")

    def __init__(
        self,
        sessions: SessionFactory,
        settings: Settings,
        identity: Identity,
        show_id: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.sessions, self.settings, self.identity, self.show_id = (
            sessions,
            settings,
            identity,
            show_id,
        )
        self.runner = BackgroundRunner(self)
        self.package: ReviewPackage | None = None
        self.opened_episode: int | None = None
        self.setWindowTitle("veyedesk — review")
        fit_to_screen(self, 1400, 820)  # or less on a small screen

        self.items = QListWidget()
        self.items.setObjectName("review_items")
        self.items.itemActivated.connect(self._item_activated)
        self.items.itemDoubleClicked.connect(self._item_activated)
        # Talks a release hold keeps before a public state: reviewers see why, and the
        # speaker's Yes (by mail, at the desk) carries them on from here.
        self.held = QListWidget()
        self.held.setObjectName("held_items")
        self.held.itemSelectionChanged.connect(self._update_buttons)
        self.yes_button = QPushButton("Speaker said yes")
        self.yes_button.setObjectName("speaker_said_yes")
        self.yes_button.setToolTip(
            "Set released to Yes for the selected talk (as saving the form would): it "
            "carries on from where it was held"
        )
        self.yes_button.clicked.connect(lambda: self.speaker_said_yes())

        self.video = VideoWidget()
        self.video.events.happened.connect(self._player_event)
        self.seam_bar = SeamBar()
        self.seam_bar.seek_requested.connect(lambda t: self.video.player.seek(t))
        self.time_label = QLabel("—")
        self.time_label.setObjectName("review_time")

        self.facts = {
            name: QLabel() for name in ("state", "file", "duration", "size", "encode", "part")
        }
        for label in self.facts.values():
            make_plain(label)  # part labels carry the talk's title, the log its file names
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
        facts_form = QFormLayout()
        for name, title in (
            ("state", "State"),
            ("file", "Encode"),
            ("duration", "Duration"),
            ("size", "Size"),
            ("encode", "Encode log"),
            ("part", "At playhead"),
        ):
            facts_form.addRow(title, self.facts[name])

        self.play_button = QPushButton()
        self.play_button.setObjectName("review_play")
        self.play_button.setToolTip("Play / pause (Space, K)")
        self.play_button.clicked.connect(self.video.player.toggle_pause)
        self.play_state = QLabel("")  # "paused" / "playing", as mpv reports it
        self.play_state.setObjectName("review_play_state")
        self._show_paused(True)
        self.prev_button = QPushButton("[ Previous seam")
        self.next_button = QPushButton("Next seam ]")
        self.prev_button.setToolTip(f"Previous seam ( [ ): plays {AROUND_SEAM:g} s either side")
        self.next_button.setToolTip(f"Next seam ( ] ): plays {AROUND_SEAM:g} s either side")
        self.approve_button = QPushButton("Approve")
        self.reject_button = QPushButton("Reject…")
        self.editor_button = QPushButton("Open in editor")
        # Review 2 by speakers without an account: their answer came by mail.
        self.mail_date = QDateEdit(QDate.currentDate())
        self.mail_date.setObjectName("mail_date")
        self.mail_date.setCalendarPopup(True)
        self.mail_date.setDisplayFormat("yyyy-MM-dd")
        self.mail_date.setMaximumDate(QDate.currentDate())
        self.mail_date.setToolTip("The date of the speaker's mail")
        self.mail_button = QPushButton("Speaker approved by mail")
        self.mail_button.setObjectName("approve_by_mail")
        self.mail_button.setToolTip(
            "Review 2: record that the speaker approved by mail (on their behalf), with the "
            "mail's date, and move the talk on"
        )
        self.mail_button.clicked.connect(lambda: self.approve_by_mail())
        self.approve_button.setStyleSheet("font-weight: bold")
        self.prev_button.clicked.connect(lambda: self.jump_seam(-1))
        self.next_button.clicked.connect(lambda: self.jump_seam(+1))
        self.approve_button.clicked.connect(self.approve)
        self.reject_button.clicked.connect(self.reject)
        self.editor_button.clicked.connect(self._open_in_editor)

        seams = QHBoxLayout()
        seams.addWidget(self.play_button)
        seams.addWidget(self.prev_button)
        seams.addWidget(self.next_button)
        seams.addStretch(1)
        seams.addWidget(self.time_label)
        verdict = QHBoxLayout()
        verdict.addWidget(self.editor_button)
        verdict.addStretch(1)
        verdict.addWidget(self.mail_date)
        verdict.addWidget(self.mail_button)
        verdict.addWidget(self.reject_button)
        verdict.addWidget(self.approve_button)

        centre = QWidget()
        col = QVBoxLayout(centre)
        col.addWidget(self.video, 1)
        col.addWidget(self.seam_bar)
        col.addLayout(seams)
        col.addLayout(facts_form)
        col.addLayout(verdict)
        side = QWidget()
        side_col = QVBoxLayout(side)
        side_col.setContentsMargins(0, 0, 0, 0)
        side_col.addWidget(QLabel("Waiting for review"))
        side_col.addWidget(self.items, 3)
        side_col.addWidget(QLabel("Held before publishing"))
        side_col.addWidget(self.held, 1)
        side_col.addWidget(self.yes_button)
        split = QSplitter()
        split.addWidget(side)
        split.addWidget(centre)
        split.setStretchFactor(1, 1)
        split.setSizes([300, 1100])
        self.setCentralWidget(split)
        self.statusBar().addPermanentWidget(self.play_state)

        self._stop_timer = QTimer(self)
        self._stop_timer.setSingleShot(True)
        self._stop_timer.timeout.connect(self.video.player.pause)
        self._add_shortcuts()
        self._update_buttons()
        self.refresh()

    def _add_shortcuts(self) -> None:
        for keys, handler in (
            ("[", lambda: self.jump_seam(-1)),
            ("]", lambda: self.jump_seam(+1)),
            ("Space", self.video.player.toggle_pause),
            ("K", self.video.player.toggle_pause),
            ("Left", lambda: self.video.player.step_frames(-1)),
            ("Right", lambda: self.video.player.step_frames(1)),
        ):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(handler)
            self.addAction(action)

    # -- the list -------------------------------------------------------------------------
    def refresh(self) -> None:
        def load() -> tuple[list[ReviewItem], list[HeldItem]]:
            with self.sessions() as session:
                return (
                    pipeline.review_items(session, self.show_id),
                    pipeline.held_items(session, self.show_id),
                )

        self.runner.submit(load, self._items_loaded, self._failed)

    def _items_loaded(self, found: tuple[list[ReviewItem], list[HeldItem]]) -> None:
        items, held = found
        self.items.clear()
        for item in items:
            when = item.start.strftime("%a %H:%M") if item.start else ""
            row = QListWidgetItem(f"{item.name}\n{when} · {item.room} · {item.state}")
            row.setData(Qt.ItemDataRole.UserRole, item.episode_id)
            self.items.addItem(row)
        self.held.clear()
        for hold in held:
            when = hold.start.strftime("%a %H:%M") if hold.start else ""
            row = QListWidgetItem(
                f"{hold.name}\n{when} · {hold.room} · in {hold.state}: {hold.describe()}"
            )
            row.setData(Qt.ItemDataRole.UserRole, hold.episode_id)
            self.held.addItem(row)
        if not items:
            waiting = f"; {len(held)} held for their speaker's release (below)" if held else ""
            self.statusBar().showMessage(f"Nothing is waiting for review in this show{waiting}.")
        self._update_buttons()

    def _item_activated(self, row: QListWidgetItem) -> None:
        self.open_episode(int(row.data(Qt.ItemDataRole.UserRole)))

    # -- one encode -------------------------------------------------------------------------
    def open_episode(self, episode_id: int) -> None:
        """Load the episode's encode and record that this reviewer opened it."""
        identity = self.identity

        def load() -> ReviewPackage:
            with self.sessions() as session:
                package = pipeline.load_review(session, episode_id, self.settings)
            if package.exists and not package.problem:
                with self.sessions() as session, session.begin():
                    pipeline.mark_opened(session, episode_id, identity)
            return package

        self.statusBar().showMessage("Opening the encode…")
        self.runner.submit(load, self._package_loaded, self._failed)

    def _package_loaded(self, package: ReviewPackage) -> None:
        self.package = package
        self.seam_bar.set_package(package)
        self.facts["state"].setText(package.state)
        self.facts["file"].setText(str(package.path))
        expected = format_offset(package.expected_duration, package.fps)
        if package.duration is None:
            self.facts["duration"].setText(f"expected {expected}; no file")
        else:
            error = package.duration_error or 0.0
            flag = "✔" if abs(error) <= 1.0 / package.fps + 1e-6 else "✘ differs"
            self.facts["duration"].setText(
                f"{format_offset(package.duration, package.fps)} (expected {expected}) {flag}"
            )
        self.facts["size"].setText(f"{package.size / 1e6:.1f} MB" if package.size else "")
        self.facts["encode"].setText(package.encode_log or "no encode recorded in the log")
        if package.problem:
            self.opened_episode = None
            self.video.player.open(Timeline([]))
            self.statusBar().showMessage(package.problem)
        else:
            self.opened_episode = package.episode_id
            length = package.duration or package.expected_duration
            # Paused past the title's fade-in: its first frame is black.
            self.video.player.open(
                Timeline([Source(0, package.path, None, length, package.fps)]),
                poster_time(length),
            )
            self.statusBar().showMessage(
                f"{package.name}: {len(package.seams)} seams; [ and ] jump to them, Space plays"
            )
        self._update_buttons()

    def _failed(self, exc: Exception) -> None:
        self.statusBar().showMessage(str(exc))

    def _update_buttons(self) -> None:
        ready = self.package is not None and self.opened_episode == self.package.episode_id
        can_review = self.identity.can("review")
        for button in (self.approve_button, self.reject_button):
            button.setEnabled(ready and can_review)
        for button in (self.play_button, self.prev_button, self.next_button, self.editor_button):
            button.setEnabled(ready)
        # The speaker watched it, not the reviewer: no need to have opened the encode here.
        by_mail = self.package is not None and self.package.state == REVIEW_2_STATE
        self.mail_button.setEnabled(by_mail and can_review)
        self.mail_date.setEnabled(by_mail and can_review)
        # Setting released is an edit (services.pipeline.release checks it again).
        self.yes_button.setEnabled(bool(self.held.selectedItems()) and self.identity.can("edit"))

    # -- playback -------------------------------------------------------------------------
    def _show_paused(self, paused: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPlay if paused else QStyle.StandardPixmap.SP_MediaPause
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_state.setText("paused" if paused else "playing")

    def _player_event(self, name: str, value: Any) -> None:
        if name == "pause":
            self._show_paused(bool(value))
        elif name == "position" and self.package is not None:
            t = float(value)
            self.seam_bar.set_position(t)
            part = self.package.part_at(t)
            self.time_label.setText(format_offset(t, self.package.fps))
            self.facts["part"].setText(part.label if part else "")

    def jump_seam(self, direction: int) -> None:
        """Go to the previous/next seam and play AROUND_SEAM seconds either side of it."""
        if self.package is None or not self.package.seams:
            return
        now = self.video.player.position
        seams = self.package.seams
        if direction > 0:
            target = next((s for s in seams if s > now + AROUND_SEAM + 0.05), seams[0])
        else:
            target = next((s for s in reversed(seams) if s < now - AROUND_SEAM - 0.05), seams[-1])
        self.play_around(target)

    def play_around(self, seam: float) -> None:
        player = self.video.player
        player.seek(max(0.0, seam - AROUND_SEAM))
        player.play()
        self._stop_timer.start(int(2 * AROUND_SEAM * 1000))
        self.statusBar().showMessage(
            f"Seam at {format_offset(seam, self.package.fps if self.package else 25)}"
        )

    # -- verdict -------------------------------------------------------------------------
    def approve(self) -> None:
        if self.package is None:
            return
        episode_id, identity = self.package.episode_id, self.identity
        profile = self.settings.default_profile

        def run() -> str:
            with self.sessions() as session, session.begin():
                return pipeline.approve(session, episode_id, identity, profile)

        self.runner.submit(
            run, lambda state: self._done(episode_id, f"approved -> {state}"), self._failed
        )

    def approve_by_mail(self, mail_date: date | None = None) -> None:
        """Record the speaker's approval by mail (dated) and move review 2 on."""
        if self.package is None:
            return
        when = mail_date or self.mail_date.date().toPython()
        assert isinstance(when, date)
        episode_id, identity = self.package.episode_id, self.identity
        profile = self.settings.default_profile

        def run() -> str:
            with self.sessions() as session, session.begin():
                return pipeline.approve_by_mail(session, episode_id, identity, when, profile)

        self.runner.submit(
            run,
            lambda state: self._done(episode_id, f"approved by mail of {when:%Y-%m-%d} -> {state}"),
            self._failed,
        )

    def speaker_said_yes(self, episode_id: int | None = None) -> None:
        """Set released = Yes for the selected held talk; it carries on by itself."""
        if episode_id is None:
            row = self.held.currentItem()
            if row is None:
                return
            episode_id = int(row.data(Qt.ItemDataRole.UserRole))
        identity, settings, chosen = self.identity, self.settings, episode_id

        def run() -> str:
            with self.sessions() as session, session.begin():
                pipeline.set_released(session, chosen, True, identity, settings)
                return editing.episode_row(session, chosen).state

        self.runner.submit(
            run, lambda state: self._released(chosen, f"released yes -> {state}"), self._failed
        )

    def _released(self, episode_id: int, what: str) -> None:
        self.statusBar().showMessage(f"Episode {episode_id}: {what}")
        self.reviewed.emit(episode_id, what)
        self.refresh()

    def reject(self, comment: str | None = None) -> None:
        """Send the episode back to edit; asks for the comment unless one is given."""
        if self.package is None:
            return
        if comment is None:
            comment, ok = QInputDialog.getMultiLineText(
                self,
                "Reject",
                "What must the editor fix? (goes to the log and the production notes)",
            )
            if not ok:
                return
        if not comment.strip():
            self.statusBar().showMessage("A rejection needs a comment for the editor.")
            return
        episode_id, identity = self.package.episode_id, self.identity
        profile = self.settings.default_profile

        def run() -> None:
            with self.sessions() as session, session.begin():
                pipeline.reject(session, episode_id, identity, comment, profile)

        self.runner.submit(run, lambda _: self._done(episode_id, "rejected"), self._failed)

    def _done(self, episode_id: int, what: str) -> None:
        self.statusBar().showMessage(f"Episode {episode_id}: {what}")
        self.reviewed.emit(episode_id, what)
        self.package, self.opened_episode = None, None
        self.seam_bar.set_package(None)
        self.video.player.open(Timeline([]))
        self._update_buttons()
        self.refresh()

    def _open_in_editor(self) -> None:
        if self.package is None:
            return
        t = self.video.player.position
        part = self.package.part_at(t)
        raw = part.raw_position(t) if part else None
        if raw is None:
            # On the title or credits: the nearest cut's first or last frame.
            cuts = [p for p in self.package.parts if p.raw_file_id is not None]
            if not cuts:
                return
            nearest = cuts[0] if t < cuts[0].start else cuts[-1]
            raw = nearest.raw_position(nearest.start if nearest is cuts[0] else nearest.end)
            assert raw is not None
        self.open_in_editor.emit(self.package.episode_id, raw[0], raw[1])

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing only hides the window: the editor reopens it, and its player, later.

        mpv cannot be restarted inside a VideoWidget, so the player is shut down only by
        `shutdown()` (the editor window closing, or the show changing).
        """
        self._stop_timer.stop()
        if not self.video.player.closed:
            self.video.player.pause()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop mpv and the background loads for good, and close the window."""
        self._stop_timer.stop()
        self.runner.wait(3000)
        if not self.video.player.closed:
            self.video.shutdown()
        self.close()
