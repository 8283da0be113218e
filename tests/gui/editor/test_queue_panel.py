"""The queue panel on a real database: live progress, actions, and the status badge."""

from __future__ import annotations

from datetime import datetime

from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.config import load_settings
from veyedesk.db import session_factory
from veyedesk.gui.editor.queue_panel import QueuePanel
from veyedesk.model import EncodeJob
from veyedesk.services.identity import Identity


def make_panel(qtbot: QtBot, engine: Engine, role: str = "editor") -> QueuePanel:
    panel = QueuePanel(
        session_factory(engine),
        load_settings(flags={"db": str(engine.url)}),
        Identity("ed@laptop", role),
    )
    qtbot.addWidget(panel)
    panel.resize(1000, 300)
    panel.show()
    return panel


def test_progress_moves_and_counts_follow(
    qtbot: QtBot, engine: Engine, session: Session, show: ShowFixture
) -> None:
    a, b, c = show.episodes[:3]
    now = datetime(2026, 2, 1, 12, 0)
    running = EncodeJob(
        episode=a,
        profile="mp4",
        status="running",
        progress=0.1,
        speed=2.5,
        eta_seconds=90,
        worker_id="laptop-2:123",
        attempts=1,
        created_at=now,
    )
    session.add_all(
        [
            running,
            EncodeJob(episode=b, profile="mp4", status="queued", created_at=now),
            EncodeJob(
                episode=c,
                profile="mp4",
                status="failed",
                error="ffmpeg: boom\ndetails",
                attempts=3,
                created_at=now,
            ),
        ]
    )
    session.commit()
    panel = make_panel(qtbot, engine)
    with qtbot.waitSignal(panel.counts_changed, timeout=5000) as counts:
        panel.refresh()
    assert counts.args[0]["running"] == 1 and counts.args[0]["failed"] == 1
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=5000)
    first = panel.model.jobs[0]
    assert (first.status, first.worker) == ("running", "laptop-2:123")
    assert panel.model.index(0, 4).data() == "10%"
    assert panel.model.index(0, 5).data() == "2.5×"
    assert panel.model.index(2, 9).data() == "ffmpeg: boom"

    # A worker elsewhere writes progress; the panel's next poll shows it.
    session.execute(update(EncodeJob).where(EncodeJob.id == running.id).values(progress=0.55))
    session.commit()
    qtbot.waitUntil(lambda: panel.model.jobs[0].progress == 0.55, timeout=6000)
    assert panel.model.index(0, 4).data() == "55%"


def test_cancel_and_retry_from_the_panel(
    qtbot: QtBot, engine: Engine, session: Session, show: ShowFixture
) -> None:
    a, b = show.episodes[:2]
    queued = EncodeJob(episode=a, profile="mp4", status="queued")
    failed = EncodeJob(episode=b, profile="mp4", status="failed", error="x", attempts=3)
    session.add_all([queued, failed])
    session.commit()
    panel = make_panel(qtbot, engine)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=5000)
    row = next(i for i, j in enumerate(panel.model.jobs) if j.id == queued.id)
    panel.table.selectRow(row)
    assert panel.cancel_button.isEnabled() and not panel.retry_button.isEnabled()
    with qtbot.waitSignal(panel.message, timeout=5000) as msg:
        panel.cancel_button.click()
    assert "cancel done" in msg.args[0]
    qtbot.waitUntil(
        lambda: any(j.id == queued.id and j.status == "cancelled" for j in panel.model.jobs),
        timeout=6000,
    )
    row = next(i for i, j in enumerate(panel.model.jobs) if j.id == failed.id)
    panel.table.selectRow(row)
    assert panel.retry_button.isEnabled()
    with qtbot.waitSignal(panel.message, timeout=5000):
        panel.retry_button.click()
    qtbot.waitUntil(
        lambda: any(j.id == failed.id and j.status == "queued" for j in panel.model.jobs),
        timeout=6000,
    )


def test_a_reviewer_sees_the_queue_but_gets_no_buttons(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    panel = make_panel(qtbot, engine, role="reviewer")
    assert panel.cancel_button.isHidden() and panel.retry_button.isHidden()


def test_a_reviewers_panel_is_refused_by_the_service_even_without_buttons(
    qtbot: QtBot, engine: Engine, session: Session, show: ShowFixture
) -> None:
    """Hiding the buttons is a convenience: services.queue_actions is what refuses."""
    job = EncodeJob(episode=show.episodes[0], profile="mp4", status="queued")
    session.add(job)
    session.commit()
    panel = make_panel(qtbot, engine, role="reviewer")
    messages: list[str] = []
    panel.message.connect(messages.append)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=6000)
    panel.table.selectRow(0)
    panel._act("cancel")  # what a click would do, had the button been shown
    qtbot.waitUntil(lambda: bool(messages), timeout=6000)
    assert "ed@laptop (reviewer) may not edit" in messages[0]
    session.expire_all()
    assert session.get(EncodeJob, job.id).status == "queued"  # type: ignore[union-attr]


def test_tries_shows_the_attempts_actually_made(
    qtbot: QtBot, engine: Engine, session: Session, show: ShowFixture
) -> None:
    a, b, c = show.episodes[:3]
    now = datetime(2026, 2, 1, 12, 0)
    session.add_all(
        [
            # Done at the first try: `attempts` counts failed attempts only (0).
            EncodeJob(episode=a, profile="mp4", status="done", attempts=0, created_at=now),
            EncodeJob(episode=b, profile="mp4", status="queued", attempts=0, created_at=now),
            EncodeJob(episode=c, profile="mp4", status="failed", attempts=3, created_at=now),
        ]
    )
    session.commit()
    panel = make_panel(qtbot, engine)
    panel.refresh()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=5000)
    tries = {job.status: panel.model.index(r, 8).data() for r, job in enumerate(panel.model.jobs)}
    assert tries == {"done": "1/3", "queued": "0/3", "failed": "3/3"}
