from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture, make_show
from veyedesk.config import load_settings
from veyedesk.db import session_factory
from veyedesk.gui.editor.main_window import MainWindow
from veyedesk.gui.login import LoginDialog
from veyedesk.services.admin.users import add_user, authenticate
from veyedesk.services.identity import Identity


def open_window(qtbot: QtBot, engine: Engine) -> MainWindow:
    settings = load_settings(flags={"db": str(engine.url)})
    window = MainWindow(session_factory(engine), settings, Identity("ed@laptop", "admin"))
    qtbot.addWidget(window)
    window.show()
    # The whole list: a long one fills progressively (EpisodeListPanel.fill).
    qtbot.waitUntil(
        lambda: window.episodes.proxy.rowCount() > 0 and not window.episodes.filling,
        timeout=5000,
    )
    return window


def test_lists_the_shows_episodes_and_filters_them(
    qtbot: QtBot, engine: Engine, show: ShowFixture, artifacts: Path
) -> None:
    window = open_window(qtbot, engine)
    panel = window.episodes
    assert panel.proxy.rowCount() == 6
    assert window.count_label.text() == "6 episodes"
    assert "ed@laptop (admin)" in window.user_label.text()
    first = panel.proxy.index(0, 2).data()
    assert first.startswith("Talk 1 in Room A")

    panel.room_box.setCurrentIndex(panel.room_box.findText("Room B"))
    assert panel.proxy.rowCount() == 3
    assert {panel.proxy.index(r, 1).data() for r in range(3)} == {"Room B"}
    qtbot.keyClicks(panel.search, "talk 2")
    assert panel.proxy.rowCount() == 1
    assert panel.proxy.index(0, 2).data().startswith("Talk 2 in Room B")
    panel.search.clear()
    panel.room_box.setCurrentIndex(0)
    assert panel.proxy.rowCount() == 6

    # Sorting by name, descending, puts "Talk 3 in Room B" first.
    panel.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert panel.proxy.index(0, 2).data().startswith("Talk 3 in Room B")

    with qtbot.waitSignal(panel.episode_activated, timeout=2000) as activated:
        panel.table.setCurrentIndex(panel.proxy.index(0, 2))
        qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    assert activated.args == [panel.visible_ids()[0]]
    window.grab().save(str(artifacts / "main_window.png"))


def test_filters_stay_fast_enough_with_thousands_of_rows(qtbot: QtBot, session: Session) -> None:
    make_show(session, rooms=5, talks_per_room=40, raw_minutes=40, talk_minutes=20)
    session.commit()
    window = open_window(qtbot, session.get_bind())  # type: ignore[arg-type]
    assert window.episodes.proxy.rowCount() == 200
    window.episodes.state_box.setCurrentIndex(window.episodes.state_box.findText("done"))
    assert window.episodes.proxy.rowCount() == 0


def test_login_dialog_rejects_a_wrong_password_then_accepts(qtbot: QtBot, session: Session) -> None:
    add_user(session, "boss", "admin", "boss-password")
    session.commit()
    bind = session.get_bind()

    def check(name: str, password: str) -> Identity:
        with session_factory(bind)() as s:  # type: ignore[arg-type]
            return authenticate(s, name, password)

    dialog = LoginDialog(check, database="sqlite:///x.db")
    qtbot.addWidget(dialog)
    dialog.show()
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.keyClicks(dialog.name, "boss")
    qtbot.keyClicks(dialog.password, "wrong-one")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "wrong user name or password" in dialog.message.text()
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "boss-password")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.identity == Identity("boss", "admin", authenticated=True)
    assert not dialog.isVisible()
