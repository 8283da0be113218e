"""The Pipeline dock, the list's release colours and filter, the form's links and hold, and
review 2 approved by mail in the review window: real windows under Xvfb."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.gui.review.test_window import open_window as open_review
from tests.support.factory import ShowFixture
from veyedesk.config import load_settings
from veyedesk.db import session_factory
from veyedesk.gui.editor.episode_list import RELEASED_COLOURS, RELEASED_COLUMN
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.gui.editor.pipeline_view import StageTableModel
from veyedesk.jobs import state_moves
from veyedesk.model import Log
from veyedesk.model.kinds import LogKind
from veyedesk.services.episodes import get_episode, get_state
from veyedesk.services.identity import Identity
from veyedesk.services.pipeline import states as pipeline

BOSS = Identity("boss", "admin", authenticated=True)


def _window(qtbot: QtBot, engine: Engine) -> MainWindow:
    settings = load_settings(flags={"db": str(engine.url)})
    window = MainWindow(session_factory(engine), settings, Identity("ed@laptop", "admin"))
    qtbot.addWidget(window)
    window.resize(1500, 950)
    window.show()
    qtbot.waitUntil(lambda: window.episodes.proxy.rowCount() > 0, timeout=5000)
    return window


def _stage_row(window: MainWindow, slug: str) -> int:
    model = window.pipeline.model
    return next(n for n, s in enumerate(model.stages) if s.state == slug)


def test_pipeline_view_counts_states_and_a_click_filters_the_list(
    qtbot: QtBot, session: Session, show: ShowFixture, artifacts: Path
) -> None:
    eps = show.episodes
    eps[0].released, eps[1].released, eps[2].released = True, False, None
    pipeline.set_stage(session, show.show, "post", "command", BOSS, "upload {output}")
    # Not the default (post uploads unlisted): this show counts its upload as publishing.
    pipeline.set_public(session, show.show, "post", True, BOSS, default_profile="mp4")
    for episode in eps[:3]:
        state_moves.enter_state(session, episode, get_state(session, "push to queue"), "w", "mp4")
    eps[0].public_url = "https://videos.example.org/pyconf/talk-1.mp4"
    session.commit()
    # Talk 1 waits for its upload in post; talks 2 and 3 are held in push to queue.
    assert [e.state.slug for e in eps[:3]] == ["post", "push to queue", "push to queue"]

    window = _window(qtbot, session.get_bind())  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: window.pipeline.model.rowCount() == 14, timeout=5000)
    model = window.pipeline.model
    row = _stage_row(window, "push to queue")
    assert [model.index(row, c).data() for c in range(5)] == ["push to queue", "pass", "", "2", "2"]
    post = _stage_row(window, "post")
    assert [model.index(post, c).data() for c in range(6)] == [
        "post",
        "command",
        "public",
        "1",
        "",
        "upload {output}",
    ]
    assert "2 held before publishing" in window.pipeline.summary.text()

    with qtbot.waitSignal(window.pipeline.state_selected, timeout=2000) as picked:
        window.pipeline.table.clicked.emit(model.index(row, 0))
    assert picked.args == ["push to queue"]
    panel = window.episodes
    assert panel.proxy.rowCount() == 2
    assert {panel.proxy.index(r, 3).data() for r in range(2)} == {"push to queue"}
    released = {panel.proxy.index(r, RELEASED_COLUMN).data() for r in range(2)}
    assert released == {
        "no: speaker refused release (before post)",
        "?: waiting for the speaker's release (before post)",
    }
    for r in range(2):
        brush = panel.proxy.index(r, RELEASED_COLUMN).data(Qt.ItemDataRole.BackgroundRole)
        assert brush.color() in (QColor(RELEASED_COLOURS[False]), QColor(RELEASED_COLOURS[None]))
    window.grab().save(str(artifacts / "pipeline_view.png"))
    window.pipeline.grab().save(str(artifacts / "pipeline_view_dock.png"))

    window.pipeline.all_button.click()
    assert panel.proxy.rowCount() == len(eps)
    # The release filter: only talks a release hold keeps back, then only released = yes.
    panel.released_box.setCurrentIndex(panel.released_box.findText("Held before publishing"))
    assert panel.proxy.rowCount() == 2
    panel.released_box.setCurrentIndex(panel.released_box.findText("Released: yes"))
    assert panel.proxy.rowCount() == 1
    assert panel.proxy.index(0, 2).data() == eps[0].name
    assert model.data(model.index(post, 0), StageTableModel.SLUG_ROLE) == "post"


def test_the_form_shows_the_hold_and_the_links_written_back(
    qtbot: QtBot, session: Session, show: ShowFixture, artifacts: Path
) -> None:
    from tests.gui.editor_support import open_episode

    episode = show.episodes[1]
    episode.released = False
    episode.host_url = "https://tube.example/watch?v=abc"
    episode.public_url = 'javascript:alert("x")'  # never a link, only text
    # Review 2 approved: it stops before make public, the first public state.
    for slug in ("email", "make public"):
        state_moves.enter_state(session, episode, get_state(session, slug), "w", "mp4")
    session.commit()
    window = _window(qtbot, session.get_bind())  # type: ignore[arg-type]
    open_episode(qtbot, window, episode.id)
    form = window.form
    qtbot.waitUntil(lambda: form.release_status.isVisible(), timeout=10000)
    assert form.release_status.text() == "speaker refused release (before make public)"
    assert form.release_status.textFormat() == Qt.TextFormat.PlainText
    host = form.result_links["host_url"].text()
    assert host == '<a href="https://tube.example/watch?v=abc">https://tube.example/watch?v=abc</a>'
    public = form.result_links["public_url"].text()
    assert "<a" not in public and "&quot;" in public
    window.form_dock.grab().save(str(artifacts / "pipeline_form_hold.png"))


def test_review_2_approved_by_mail_in_the_review_window(
    qtbot: QtBot, session: Session, tmp_path: Path, artifacts: Path
) -> None:
    window, episode_id = open_review(qtbot, session, tmp_path)
    episode = get_episode(session, episode_id)
    episode.released = True
    state_moves.enter_state(session, episode, get_state(session, "review 2"), "w", "mp4")
    session.commit()
    window.refresh()
    qtbot.waitUntil(lambda: "review 2" in window.items.item(0).text(), timeout=10000)
    window.open_episode(episode_id)
    # The speaker watched it: the reviewer need not open the encode here first.
    qtbot.waitUntil(lambda: window.mail_button.isEnabled(), timeout=15000)
    window.mail_date.setDate(QDate(2026, 11, 28))
    window.grab().save(str(artifacts / "review_window_by_mail.png"))
    with qtbot.waitSignal(window.reviewed, timeout=10000) as done:
        window.mail_button.click()
    assert done.args == [episode_id, "approved by mail of 2026-11-28 -> done"]
    session.expire_all()
    by_mail = session.scalars(
        select(Log).where(Log.episode_id == episode_id, Log.kind == LogKind.BY_MAIL)
    ).one()
    assert (by_mail.start, by_mail.user) == (datetime(2026, 11, 28), "rita")
    assert get_episode(session, episode_id).state.slug == "done"  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: window.items.count() == 0, timeout=10000)
    assert window.mail_date.maximumDate() == QDate(date.today())


def test_setting_released_yes_in_the_form_moves_the_talk_on_and_the_form_follows(
    qtbot: QtBot, session: Session, show: ShowFixture
) -> None:
    from tests.gui.editor_support import open_editor, open_episode

    episode = show.episodes[0]
    for slug in ("email", "make public"):
        state_moves.enter_state(session, episode, get_state(session, slug), "w", "mp4")
    session.commit()
    window, _ = open_editor(qtbot, session.get_bind())  # type: ignore[arg-type]
    open_episode(qtbot, window, episode.id)
    form = window.form
    qtbot.waitUntil(lambda: form.release_status.isVisible(), timeout=10000)
    form.released.setCurrentIndex(form.released.findText("Yes"))
    window.save()
    # The talk carried on by itself (make public and after pass): the form's state follows.
    qtbot.waitUntil(lambda: form.state.currentText() == "done", timeout=10000)
    doc = window.editing.document
    assert doc is not None and not doc.unsaved
    # Saving again (another field) must not move it back to where it was held.
    form.lines["tags"].setText("x")
    form.lines["tags"].textEdited.emit("x")
    window.save()
    qtbot.waitUntil(lambda: doc.base.fields.get("tags") == "x", timeout=10000)
    session.expire_all()
    assert get_episode(session, episode.id).state.slug == "done"  # type: ignore[union-attr]
