"""The editor window's encode queue dock, enqueue-on-save, and review mode hand-off."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.gui.editor_support import open_editor, open_episode
from tests.support.encoded import encoded_episode
from tests.support.factory import ShowFixture
from veyedesk.db import session_factory
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.model import EncodeJob
from veyedesk.services.identity import Identity


def test_setting_state_encode_and_saving_queues_a_job(
    qtbot: QtBot, engine: Engine, session: Session, show: ShowFixture
) -> None:
    window, _ = open_editor(qtbot, engine)
    episode_id = show.episodes[0].id
    open_episode(qtbot, window, episode_id)
    state = window.form.state
    state.setCurrentIndex(state.findData("encode"))
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.editing.saving, timeout=10000)
    jobs = session.scalars(select(EncodeJob).where(EncodeJob.episode_id == episode_id)).all()
    assert [(j.status, j.profile) for j in jobs] == [("queued", "mp4")]
    # The dock and the status-bar badge show it on the next poll.
    window.queue.refresh()
    qtbot.waitUntil(lambda: window.queue.model.rowCount() == 1, timeout=10000)
    qtbot.waitUntil(lambda: "1 queued" in window.queue_label.text(), timeout=10000)
    assert window.queue_dock.objectName() == "queue_dock"


def test_review_opens_from_the_editor_and_jumps_back_to_the_raw_position(
    qtbot: QtBot, session: Session, tmp_path: Path
) -> None:
    episode_id, settings = encoded_episode(session, tmp_path)
    engine = session.get_bind()
    window = MainWindow(
        session_factory(engine),  # type: ignore[arg-type]
        dataclasses.replace(settings, db=engine.url.render_as_string(hide_password=False)),
        Identity("rita", "editor"),
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.show_box.currentData() is not None, timeout=10000)
    window.review_action.trigger()
    review = window.review_window
    assert review is not None
    qtbot.waitUntil(lambda: review.items.count() == 1, timeout=10000)
    review.open_episode(episode_id)
    qtbot.waitUntil(review.editor_button.isEnabled, timeout=15000)
    review.video.player.seek(3.5, wait=True)
    review.editor_button.click()
    qtbot.waitUntil(
        lambda: (
            window.editing.document is not None
            and window.editing.document.draft.episode_id == episode_id
        ),
        timeout=15000,
    )
    # Encode 3.5 s is cut 2, 0.5 s in; cut 2 starts 0.52 s into the second raw file.
    second_file = window.editing.document.draft.cuts[1].raw_file_id  # type: ignore[union-attr]
    qtbot.waitUntil(
        lambda: (
            window.player.playhead()[0] == second_file
            and abs(window.player.playhead()[1] - 1.02) < 0.05
        ),
        timeout=15000,
    )


def test_the_open_form_follows_a_move_a_worker_or_someone_else_made(
    qtbot: QtBot, engine: Engine, session: Session, show: ShowFixture
) -> None:
    """Issue 19: the form kept showing *encode* after the worker moved the talk on."""
    from veyedesk.jobs import claims
    from veyedesk.services.editing.open_save import change_state
    from veyedesk.services.episodes import get_episode

    window, _ = open_editor(qtbot, engine)
    episode_id = show.episodes[0].id
    open_episode(qtbot, window, episode_id)
    form, doc = window.form, window.editing.document
    assert doc is not None
    form.state.setCurrentIndex(form.state.findData("encode"))
    window.save()
    qtbot.waitUntil(lambda: doc.base.fields.get("state") == "encode", timeout=10000)

    # A worker encodes it (the job claimed and finished): the talk walks on to review 1.
    job = claims.claim(session, "box:1/0")
    assert job is not None and job.episode_id == episode_id
    claims.complete(session, job.id, "box:1/0", user="worker@box")
    session.commit()
    assert get_episode(session, episode_id).state.slug == "review 1"  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: form.state.currentText() == "review 1", timeout=15000)
    assert doc.base.fields.get("state") == "review 1" and not doc.unsaved
    assert "moved on meanwhile" in window.statusBar().currentMessage()

    # Moved again while the form is not looking (no poll): saving another field shows
    # where the talk is and does not move it back.
    window.editing._state_poll.stop()
    change_state(
        session, get_episode(session, episode_id), "edit", Identity("boss", "admin"), "mp4"
    )
    session.commit()
    form.lines["tags"].setText("x")
    form.lines["tags"].textEdited.emit("x")
    window.save()
    qtbot.waitUntil(lambda: doc.base.fields.get("tags") == "x", timeout=10000)
    assert form.state.currentText() == "edit" and doc.base.fields.get("state") == "edit"
    session.expire_all()
    assert get_episode(session, episode_id).state.slug == "edit"  # type: ignore[union-attr]
