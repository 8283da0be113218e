"""Review mode on a real encode, played by real libmpv under Xvfb."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from tests.support.encoded import encoded_episode
from veyedesk.db import session_factory
from veyedesk.gui.review.window import ReviewWindow
from veyedesk.services.episodes import get_episode
from veyedesk.services.identity import Identity

REVIEWER = Identity("rita", "reviewer", authenticated=True)
ROOT = Path(__file__).resolve().parents[3]  # the repository (this file is tests/gui/review/…)


def open_window(qtbot: QtBot, session: Session, tmp_path: Path) -> tuple[ReviewWindow, int]:
    episode_id, settings = encoded_episode(session, tmp_path)
    show_id = get_episode(session, episode_id).show_id
    window = ReviewWindow(session_factory(session.get_bind()), settings, REVIEWER, show_id)  # type: ignore[arg-type]
    qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
    window.show()
    qtbot.waitUntil(lambda: window.items.count() == 1, timeout=10000)
    return window, episode_id


def test_seams_then_approve(
    qtbot: QtBot, session: Session, tmp_path: Path, artifacts: Path
) -> None:
    window, episode_id = open_window(qtbot, session, tmp_path)
    assert not window.approve_button.isEnabled()  # nothing opened yet
    window.open_episode(episode_id)
    qtbot.waitUntil(lambda: window.approve_button.isEnabled(), timeout=15000)
    assert window.package is not None and window.package.seams
    assert "✔" in window.facts["duration"].text()
    qtbot.waitUntil(lambda: window.video.frames_drawn > 0, timeout=15000)

    window.jump_seam(+1)  # first seam: end of the title at 1.0 s -> plays from 0 s
    seam = window.package.seams[0]
    qtbot.waitUntil(lambda: window.video.player.position > seam, timeout=10000)
    qtbot.waitUntil(lambda: window.video.player.paused, timeout=10000)  # stops after 4 s
    assert window.facts["part"].text().startswith(("Cut 1", "Cut 2", "Credits"))
    window.grab().save(str(artifacts / "review_window.png"))

    with qtbot.waitSignal(window.open_in_editor, timeout=5000) as jump:
        window.video.player.seek(3.5, wait=True)
        window.editor_button.click()
    assert jump.args[0] == episode_id and abs(jump.args[2] - 1.02) < 0.05

    with qtbot.waitSignal(window.reviewed, timeout=10000) as done:
        window.approve_button.click()
    # email has no command in this show (a pass state): the talk walks on to review 2.
    assert done.args == [episode_id, "approved -> review 2"]
    session.expire_all()
    episode = get_episode(session, episode_id)
    assert episode.state is not None and episode.state.slug == "review 2"
    qtbot.waitUntil(lambda: "review 2" in window.items.item(0).text(), timeout=10000)


def test_reject_with_a_comment(qtbot: QtBot, session: Session, tmp_path: Path) -> None:
    window, episode_id = open_window(qtbot, session, tmp_path)
    window.open_episode(episode_id)
    qtbot.waitUntil(lambda: window.reject_button.isEnabled(), timeout=15000)
    window.reject("   ")  # an empty comment is refused in the window already
    assert "needs a comment" in window.statusBar().currentMessage()
    with qtbot.waitSignal(window.reviewed, timeout=10000):
        window.reject("Sound drops out in cut 2")
    session.expire_all()
    episode = get_episode(session, episode_id)
    assert episode.state is not None and episode.state.slug == "edit"
    assert "Sound drops out in cut 2" in episode.comment


def test_closing_and_reopening_review_then_opening_a_talk_does_not_crash(
    session: Session, tmp_path: Path
) -> None:
    """Go ▸ Review, close it, Go ▸ Review again, open a talk: used to die with SIGSEGV."""
    episode_id, settings = encoded_episode(session, tmp_path)
    url = session.get_bind().url.render_as_string(hide_password=False)
    pickled = tmp_path / "settings.pickle"
    pickled.write_bytes(pickle.dumps(settings))
    # A child process, so a segfault fails this test instead of killing pytest.
    child = subprocess.run(
        [sys.executable, "-m", "tests.gui.review_reopen_child", url, str(pickled), str(episode_id)],
        cwd=ROOT,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "child-config")},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert child.returncode == 0, f"exit {child.returncode}: {child.stdout}{child.stderr[-2000:]}"
    # The reopened window is the same one, its player alive (hidden, not shut down).
    assert child.stdout.split() == ["SHOWN", "True"], child.stderr[-2000:]
    assert "Traceback" not in child.stderr, child.stderr[-2000:]


def test_review_shows_a_hostile_title_as_text(
    qtbot: QtBot, session: Session, tmp_path: Path, artifacts: Path
) -> None:
    episode_id, settings = encoded_episode(session, tmp_path)
    image = tmp_path / "big.png"
    picture = QImage(300, 300, QImage.Format.Format_RGB32)
    picture.fill(QColor("red"))
    picture.save(str(image))
    title = f'Why <template> matters <img src="{image}">'
    episode = get_episode(session, episode_id)
    episode.name = title
    session.commit()
    window = ReviewWindow(
        session_factory(session.get_bind()),  # type: ignore[arg-type]
        settings,
        REVIEWER,
        episode.show_id,
    )
    qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
    window.show()
    qtbot.waitUntil(lambda: window.items.count() == 1, timeout=10000)
    assert window.items.item(0).text().split("\n")[0] == title
    window.open_episode(episode_id)
    qtbot.waitUntil(lambda: window.approve_button.isEnabled(), timeout=15000)
    qtbot.waitUntil(lambda: title in window.statusBar().currentMessage(), timeout=5000)
    for label in window.facts.values():
        assert label.textFormat() == Qt.TextFormat.PlainText
    window.facts["part"].setText(title)  # what a part label naming the talk would show
    assert window.facts["part"].sizeHint().height() < 200  # text, not a 300-px image
    window.grab().save(str(artifacts / "review_window_hostile.png"))


def _not_black(image: QImage) -> bool:
    """Some pixel of a grid over the frame is clearly not black."""
    step_x, step_y = max(1, image.width() // 16), max(1, image.height() // 16)
    for x in range(0, image.width(), step_x):
        for y in range(0, image.height(), step_y):
            colour = QColor(image.pixel(x, y))
            if colour.red() + colour.green() + colour.blue() > 60:
                return True
    return False


def test_an_opened_encode_shows_its_first_frame_and_plays_from_a_button(
    qtbot: QtBot, session: Session, tmp_path: Path
) -> None:
    window, episode_id = open_window(qtbot, session, tmp_path)
    window.open_episode(episode_id)
    qtbot.waitUntil(lambda: window.approve_button.isEnabled(), timeout=15000)
    qtbot.waitUntil(lambda: window.video.player.mpv.time_pos is not None, timeout=15000)
    qtbot.waitUntil(lambda: _not_black(window.video.grabFramebuffer()), timeout=15000)
    player = window.video.player
    assert player.paused and window.play_state.text() == "paused"  # as mpv is, not "playing"

    assert window.play_button.isEnabled() and window.play_button.toolTip()
    window.play_button.click()
    qtbot.waitUntil(lambda: not player.mpv.pause, timeout=10000)
    qtbot.waitUntil(lambda: window.play_state.text() == "playing", timeout=10000)
    window.play_button.click()
    qtbot.waitUntil(lambda: player.mpv.pause, timeout=10000)
    qtbot.waitUntil(lambda: window.play_state.text() == "paused", timeout=10000)
    for button in (window.prev_button, window.next_button):
        assert button.isEnabled() and button.toolTip()  # the seam jumps, with their keys


def test_held_talks_are_listed_with_why_and_speaker_said_yes_carries_them_on(
    qtbot: QtBot, session: Session, tmp_path: Path, artifacts: Path
) -> None:
    """Issue 19: a talk waiting for its speaker's release was invisible in Review encodes."""
    from veyedesk.services.pipeline import review

    episode_id, settings = encoded_episode(session, tmp_path)
    editor = Identity("ed", "editor")  # editors review too, and may set released
    for _ in ("review 1", "review 2"):
        review.mark_opened(session, episode_id, editor)
        review.approve(session, episode_id, editor, settings.default_profile)
    session.commit()
    show_id = get_episode(session, episode_id).show_id
    assert get_episode(session, episode_id).state.slug == "review 2"  # type: ignore[union-attr]

    reviewer = ReviewWindow(session_factory(session.get_bind()), settings, REVIEWER, show_id)  # type: ignore[arg-type]
    qtbot.addWidget(reviewer, before_close_func=lambda w: w.shutdown())
    reviewer.show()
    qtbot.waitUntil(lambda: reviewer.held.count() == 1, timeout=10000)
    assert reviewer.items.count() == 0
    line = reviewer.held.item(0).text()
    assert line.endswith("in review 2: waiting for the speaker's release (before make public)")
    assert "1 held for their speaker's release" in reviewer.statusBar().currentMessage()
    reviewer.held.setCurrentRow(0)
    assert not reviewer.yes_button.isEnabled()  # a reviewer cannot set released

    window = ReviewWindow(session_factory(session.get_bind()), settings, editor, show_id)  # type: ignore[arg-type]
    qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
    window.show()
    qtbot.waitUntil(lambda: window.held.count() == 1, timeout=10000)
    assert not window.yes_button.isEnabled()  # nothing chosen yet
    window.held.setCurrentRow(0)
    assert window.yes_button.isEnabled()
    window.grab().save(str(artifacts / "review_window_held.png"))
    with qtbot.waitSignal(window.reviewed, timeout=10000) as done:
        window.yes_button.click()
    # make public and everything after it pass in this show: it walks on to done.
    assert done.args == [episode_id, "released yes -> done"]
    session.expire_all()
    episode = get_episode(session, episode_id)
    assert episode.released is True and episode.state is not None
    assert episode.state.slug == "done"
    assert episode.locked_by == ""  # the lock the save took is given back
    qtbot.waitUntil(lambda: window.held.count() == 0, timeout=10000)
