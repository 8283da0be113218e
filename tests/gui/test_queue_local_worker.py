""" "Encode on this machine": the queue panel's toggle runs a real `veyedesk worker`."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from tests.jobs.conftest import Rig, add_talks, raw_clip, rig  # noqa: F401 - fixtures
from veyedesk.config import load_settings
from veyedesk.db import make_engine, session_factory
from veyedesk.gui.queue_panel import QueuePanel
from veyedesk.services.users import Identity


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
