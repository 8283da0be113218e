""" "Encode on this machine": the queue panel's toggle runs a real `veyedesk worker`."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from tests.jobs.conftest import Rig, add_talks, raw_clip, rig  # noqa: F401 - fixtures
from veyedesk.config import load_settings
from veyedesk.db import make_engine, session_factory
from veyedesk.gui.editor.queue_panel import QueuePanel
from veyedesk.gui.launch import log_in
from veyedesk.gui.login import LoginDialog
from veyedesk.media.probe import probe
from veyedesk.services.admin.users import add_user
from veyedesk.services.identity import Identity


def test_the_toggle_encodes_queued_talks_then_stops_its_worker(
    qtbot: QtBot,
    session: Session,
    rig: Rig,  # noqa: F811 - the fixture
    raw_clip: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_talks(session, rig, raw_clip, 2)
    for key, value in rig.env().items():
        if key.startswith("VEYEDESK_") or key == "PATH":
            monkeypatch.setenv(key, value)
    engine = make_engine(rig.db_url)
    panel = QueuePanel(
        session_factory(engine), load_settings(flags={"db": rig.db_url}), Identity("ed", "editor")
    )
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=10000)
    assert {j.status for j in panel.model.jobs} == {"queued"}

    panel.local_worker.setChecked(True)
    assert panel.worker is not None
    qtbot.waitUntil(
        lambda: [j.status for j in panel.model.jobs] == ["done", "done"], timeout=120000
    )
    assert all(j.progress == 1.0 for j in panel.model.jobs)
    assert len(rig.encode_runs()) == 2  # each talk encoded exactly once
    assert all(Path(j.output_path).is_file() for j in panel.model.jobs)

    panel.local_worker.setChecked(False)
    qtbot.waitUntil(lambda: panel.worker is None, timeout=30000)
    assert not panel.local_worker.isChecked()
    panel.shutdown()
    engine.dispose()


def test_the_local_worker_reads_the_windows_own_config_file(
    qtbot: QtBot,
    session: Session,
    rig: Rig,  # noqa: F811 - the fixture
    raw_clip: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A profile defined only in the file the window was opened with (`--config`)."""
    window_config = rig.root / "window.toml"
    window_config.write_text(
        rig.config.read_text(encoding="utf-8")
        + '\n[profiles.small_mkv]\next = "mkv"\nwidth = 96\nheight = 54\nfps = 25.0\n'
        'vcodec = "libx264"\nacodec = "aac"\n'
        'video_options = ["-preset", "ultrafast", "-pix_fmt", "yuv420p"]\n',
        encoding="utf-8",
    )
    add_talks(session, rig, raw_clip, 1, profile="small_mkv")
    for key, value in rig.env().items():
        if key.startswith("VEYEDESK_") or key == "PATH":
            monkeypatch.setenv(key, value)  # VEYEDESK_CONFIG: the rig's file, no small_mkv
    settings = load_settings(flags={"db": rig.db_url}, path=window_config)
    assert "small_mkv" in settings.profiles
    engine = make_engine(rig.db_url)
    panel = QueuePanel(session_factory(engine), settings, Identity("ed", "editor"))
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10000)

    panel.local_worker.setChecked(True)
    qtbot.waitUntil(
        lambda: [j.status for j in panel.model.jobs] not in (["queued"], ["running"]),
        timeout=120000,
    )
    job = panel.model.jobs[0]
    assert job.status == "done", job.error
    output = Path(job.output_path)
    video = probe(output).video
    assert output.suffix == ".mkv" and video is not None and video.width == 96

    panel.shutdown()
    engine.dispose()


def test_the_local_worker_logs_in_as_the_windows_user_when_the_database_has_users(
    qtbot: QtBot,
    session: Session,
    rig: Rig,  # noqa: F811 - the fixture
    raw_clip: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 20 item 5: the child got no password and stopped with `exit 1`."""
    add_talks(session, rig, raw_clip, 1)
    add_user(session, "boss", "admin", "boss secret")
    add_user(session, "ed", "editor", "ed's secret")
    session.commit()
    for key, value in rig.env().items():
        if key.startswith("VEYEDESK_") or key == "PATH":
            monkeypatch.setenv(key, value)
    monkeypatch.delenv("VEYEDESK_PASSWORD", raising=False)
    engine = make_engine(rig.db_url)
    sessions = session_factory(engine)

    def type_password() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, LoginDialog)
        dialog.name.setText("ed")
        dialog.password.setText("ed's secret")
        dialog._try_login()

    QTimer.singleShot(0, type_password)
    logged_in = log_in(sessions, load_settings(flags={"db": rig.db_url}))
    assert logged_in is not None
    identity, settings = logged_in
    assert identity.name == "ed"
    panel = QueuePanel(sessions, settings, identity)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10000)

    panel.local_worker.setChecked(True)
    assert panel.worker is not None
    # Never on its command line, where any user on the machine could read it (`ps`).
    assert not any("secret" in arg for arg in panel.worker.arguments())
    qtbot.waitUntil(
        lambda: [j.status for j in panel.model.jobs] == ["done"] or panel.worker is None,
        timeout=120000,
    )
    assert [j.status for j in panel.model.jobs] == ["done"], panel.worker_status.text()
    panel.shutdown()
    engine.dispose()
