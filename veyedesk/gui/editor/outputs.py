"""What the editor makes from a talk or a show besides the encode: release forms, title
proofs, playlists, and playing an existing encode.

Menu entries: File ▸ Export ▸ (release form, title proofs, encoded-files playlist, raw-files
playlist) and Go ▸ Play encode…; the form's Release form… and Play encode… buttons call the
same methods. All work (database, ffmpeg, PDF) runs on the window's BackgroundRunner; the
file dialogs and the profile question are methods a test can answer in code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QWidget

from veyedesk.config import Settings
from veyedesk.db import SessionFactory
from veyedesk.gui.review.encode_player import EncodePlayer
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.services.publishing.playlists import EncodedFile, episode_encodes, show_playlist_by_id
from veyedesk.services.publishing.release_form import write_episode_release_form
from veyedesk.services.publishing.title_proofs import (
    show_heading,
    show_slide_jobs,
    write_proof_sheet,
)


def _file_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "veyedesk"


class EpisodeOutputs(QObject):
    """Release forms, proof sheets, playlists and the encode player for the editor window."""

    status = Signal(str)  # one line for the status bar
    failed = Signal(str, object)  # title, exception: the window shows it
    written = Signal(object)  # Path of a file just written (tests wait on it)

    def __init__(
        self,
        parent: QWidget,
        sessions: SessionFactory,
        settings: Settings,
        runner: BackgroundRunner,
        episode: Callable[[], tuple[int, str] | None],
        show: Callable[[], tuple[int, str] | None],
    ) -> None:
        super().__init__(parent)
        self.window = parent
        self.sessions, self.settings, self.runner = sessions, settings, runner
        self._episode, self._show = episode, show
        self.player: EncodePlayer | None = None
        self.open_written = True  # open a written PDF/PNG in the desktop's viewer
        self.release_action = self._action("&Release form of this talk…", self.release_form)
        self.proofs_action = self._action("&Title proofs of this show…", self.title_proofs)
        self.encoded_playlist_action = self._action(
            "&Encoded-files playlist of this show…", lambda: self.export_playlist("encoded")
        )
        self.raw_playlist_action = self._action(
            "Ra&w-files playlist of this show…", lambda: self.export_playlist("raw")
        )
        self.play_encode_action = self._action("Play &encode…", self.play_encode, "Ctrl+E")

    def _action(self, text: str, slot: Any, shortcut: str = "") -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda *_: slot())
        self.window.addAction(action)
        return action

    def install_menus(self, file_menu: QMenu, go_menu: QMenu) -> None:
        """File ▸ Export ▸ … and Go ▸ Play encode…."""
        export = QMenu("E&xport", file_menu)
        export.setObjectName("export_menu")
        for action in (
            self.release_action,
            self.proofs_action,
            self.encoded_playlist_action,
            self.raw_playlist_action,
        ):
            export.addAction(action)
        file_menu.insertMenu(file_menu.actions()[-1], export)
        go_menu.addAction(self.play_encode_action)

    def refresh(self) -> None:
        """Enable what makes sense for the open talk / chosen show."""
        has_episode, has_show = self._episode() is not None, self._show() is not None
        self.release_action.setEnabled(has_episode)
        self.play_encode_action.setEnabled(has_episode)
        for action in (self.proofs_action, self.encoded_playlist_action, self.raw_playlist_action):
            action.setEnabled(has_show)

    # -- questions (tests replace these) ----------------------------------------------
    def ask_save_path(self, title: str, suggested: str, file_filter: str) -> str:
        """The file to write, or "" when the user cancels."""
        path, _chosen = QFileDialog.getSaveFileName(self.window, title, suggested, file_filter)
        return path

    def ask_profile(self, files: list[EncodedFile]) -> str | None:
        """Which encode to play when there are several (None: cancelled)."""
        names = [f"{f.profile}  ({f.path.name}, {f.size / 1e6:.1f} MB)" for f in files]
        choice, ok = QInputDialog.getItem(
            self.window, "veyedesk — play encode", "Profile:", names, 0, False
        )
        return files[names.index(choice)].profile if ok else None

    # -- work -------------------------------------------------------------------------
    def _submit(self, what: str, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.status.emit(f"{what}…")
        self.runner.submit(work, done, lambda exc: self.failed.emit(what, exc))

    def _written(self, path: Path, message: str) -> None:
        self.status.emit(message)
        self.written.emit(path)
        if self.open_written:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def release_form(self, path: str | None = None) -> None:
        """Write the open talk's release form (asks where unless `path` is given)."""
        episode = self._episode()
        if episode is None:
            self.status.emit("Open a talk first: the release form is for its speakers.")
            return
        episode_id, name = episode
        target = path or self.ask_save_path(
            "veyedesk — release form", f"{_file_name(name)}.release.pdf", "PDF (*.pdf)"
        )
        if not target:
            return
        out, sessions = Path(target), self.sessions

        def work() -> Any:
            with sessions() as session:
                return write_episode_release_form(session, episode_id, out)

        self._submit(
            "Writing the release form",
            work,
            lambda form: self._written(
                form.path, f"release form written: {form.path} ({max(1, len(form.speakers))} p.)"
            ),
        )

    def title_proofs(self, path: str | None = None) -> None:
        """Write the chosen show's title proof sheet (PNG or PDF by the name chosen)."""
        show = self._show()
        if show is None:
            self.status.emit("Pick a show first: the proof sheet shows its title slides.")
            return
        show_id, name = show
        target = path or self.ask_save_path(
            "veyedesk — title proofs",
            f"{_file_name(name)}-titles.pdf",
            "PDF (*.pdf);;PNG image (*.png)",
        )
        if not target:
            return
        out, sessions, raw_root = Path(target), self.sessions, self.settings.raw_root

        def work() -> Any:
            from veyedesk.services.publishing.playlists import show_selection

            with sessions() as session:
                selection = show_selection(session, show_id)
                jobs = show_slide_jobs(session, selection, raw_root)
                heading = show_heading(session, selection)
            return write_proof_sheet(jobs, out, heading)

        def done(sheet: Any) -> None:
            flagged = len(sheet.flagged)
            self._written(
                sheet.path,
                f"title proofs written: {sheet.path} ({len(sheet.slides)} slides, "
                f"{flagged} flagged)",
            )

        self._submit("Rendering the title proofs", work, done)

    def export_playlist(self, kind: str, path: str | None = None) -> None:
        """Write the show's `encoded` or `raw` m3u playlist."""
        show = self._show()
        if show is None:
            self.status.emit("Pick a show first: the playlist lists its talks.")
            return
        show_id, name = show
        target = path or self.ask_save_path(
            f"veyedesk — {kind} playlist", f"{_file_name(name)}-{kind}.m3u", "Playlist (*.m3u)"
        )
        if not target:
            return
        out, sessions, settings = Path(target), self.sessions, self.settings

        def work() -> Any:
            with sessions() as session:
                playlist = show_playlist_by_id(session, show_id, settings, kind)
            out.write_text(playlist.text, encoding="utf-8")
            return playlist

        def done(playlist: Any) -> None:
            skipped = f", {len(playlist.skipped)} skipped" if playlist.skipped else ""
            self.status.emit(f"{kind} playlist written: {out} ({playlist.entries} talks{skipped})")
            self.written.emit(out)

        self._submit(f"Writing the {kind} playlist", work, done)

    def play_encode(self, profile: str | None = None) -> None:
        """Play the open talk's encode; asks for the profile when there are several."""
        episode = self._episode()
        if episode is None:
            self.status.emit("Open a talk first: Play encode plays its encoded file.")
            return
        episode_id, name = episode
        sessions, settings = self.sessions, self.settings

        def work() -> list[EncodedFile]:
            with sessions() as session:
                return episode_encodes(session, episode_id, settings)

        def done(files: list[EncodedFile]) -> None:
            chosen = profile
            if chosen is None and len(files) > 1:
                chosen = self.ask_profile(files)
                if chosen is None:
                    return
            if self.player is None:
                self.player = EncodePlayer(self.window)
            self.player.play_files(name, files, chosen or files[0].profile)
            self.player.show()
            self.player.raise_()
            self.status.emit(f"playing the {chosen or files[0].profile} encode of {name}")

        self._submit("Looking for the encode", work, done)

    def shutdown(self) -> None:
        if self.player is not None:
            self.player.shutdown()
            self.player = None
