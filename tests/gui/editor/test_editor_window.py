from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from tests.gui.editor_support import open_editor, open_episode, type_text
from tests.support.factory import ShowFixture
from veyedesk.db import session_factory
from veyedesk.gui.editor.cut_table import COL_IN, COL_OUT
from veyedesk.model import Cut, Episode


def test_open_edit_and_save_writes_exactly_those_values(
    qtbot: QtBot, engine: Engine, show: ShowFixture, artifacts: Path
) -> None:
    window, _prompts = open_editor(qtbot, engine)
    ep = show.episodes[1]
    open_episode(qtbot, window, ep.id)
    with session_factory(engine)() as s:
        assert s.get(Episode, ep.id).locked_by == "ed@laptop"  # type: ignore[union-attr]
    assert "locked by you" in window.lock_label.text()

    name = window.form.lines["name"]
    name.selectAll()
    type_text(qtbot, name, 'Keynote: "Why?" \\ 100% 🎥')
    window.form.channelcopy.setCurrentIndex(window.form.channelcopy.findData("01"))
    table = window.cuts.table
    model = window.cuts.model
    model.setData(model.index(0, COL_IN), "00:01:02:10")  # SMPTE: frame 10 = 0.4 s
    model.setData(model.index(0, COL_OUT), "00:19:00.00")
    assert window.windowTitle().startswith("*")
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.windowTitle().startswith("*"), timeout=10000)

    with session_factory(engine)() as s:
        row = s.get(Episode, ep.id)
        assert row is not None
        assert row.name == 'Keynote: "Why?" \\ 100% 🎥' and row.channelcopy == "01"
        cuts = list(s.scalars(select(Cut).where(Cut.episode_id == ep.id).order_by(Cut.sequence)))
        assert cuts[0].start == pytest.approx(62.4) and cuts[0].end == pytest.approx(1140.0)
        assert cuts[1].start is None and cuts[1].end is None
        assert row.serial == 1
    assert table.model() is not None
    window.screenshot(artifacts / "editor_window_fixture.png")


def test_a_save_in_between_opens_the_conflict_dialog_and_loses_no_field(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    from veyedesk.gui.widgets.conflict_dialog import ConflictDialog
    from veyedesk.services.editing.draft import load_draft, save_draft

    window, prompts = open_editor(qtbot, engine)
    ep = show.episodes[0]
    open_episode(qtbot, window, ep.id)
    name = window.form.lines["name"]
    name.selectAll()
    type_text(qtbot, name, "Mine: the title")
    window.form.channelcopy.setCurrentIndex(window.form.channelcopy.findData("m"))
    window.cuts.model.setData(window.cuts.model.index(0, COL_IN), "00:00:30.00")

    # Someone else saves the same episode meanwhile: title, channelcopy and speakers.
    with session_factory(engine)() as s:
        base = load_draft(s, ep.id, "")
        theirs = base.copy()
        theirs.fields.update(name="Theirs: the title", channelcopy="10", authors="Their Speaker")
        save_draft(s, theirs, base, "ann@other")
        s.commit()

    def choose(conflict, mine, base):  # type: ignore[no-untyped-def]
        dialog = ConflictDialog(conflict, mine, base, window)
        qtbot.addWidget(dialog)
        assert sorted(dialog.choices) == ["channelcopy", "name"]
        assert dialog.findChild(type(dialog.choices["name"].button(0)), "theirs_name").text() == (
            "Theirs: the title"
        )
        dialog.choose("name", keep_mine=True)
        dialog.choose("channelcopy", keep_mine=False)
        return dialog.merged()

    prompts.conflict = choose
    window.save()
    qtbot.waitUntil(lambda: not window.windowTitle().startswith("*"), timeout=10000)
    assert prompts.asked[-1] == "conflict: name, channelcopy"
    with session_factory(engine)() as s:
        row = s.get(Episode, ep.id)
        assert row is not None
        assert row.name == "Mine: the title"  # kept mine
        assert row.channelcopy == "10"  # took theirs
        assert row.authors == "Their Speaker"  # only they changed it
        first = s.scalars(select(Cut).where(Cut.episode_id == ep.id).order_by(Cut.sequence)).first()
        assert first is not None and first.start == pytest.approx(30.0)  # only I changed it
        assert row.serial == 2
    assert window.form.lines["authors"].text() == "Their Speaker"


def test_lock_is_taken_refused_to_another_user_and_released_on_save_and_next(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    from veyedesk.services.identity import Identity

    first, second = show.episodes[0], show.episodes[1]
    ed, _ = open_editor(qtbot, engine)
    open_episode(qtbot, ed, first.id)
    ann, ann_prompts = open_editor(qtbot, engine, Identity("ann@laptop", "editor"))
    open_episode(qtbot, ann, first.id)
    doc = ann.editing.document
    assert doc is not None and doc.read_only
    assert ann.form.banner.text().startswith("locked by ed@laptop since")
    assert ann.form.lines["name"].isReadOnly()
    assert "read-only" in ann.lock_label.text()
    ann.editing.take_over_lock()  # an editor may not take over a fresh lock
    qtbot.waitUntil(lambda: bool(ann_prompts.errors), timeout=10000)
    assert "only an admin" in ann_prompts.errors[0]
    ann.close()

    # An admin may take it over, after confirming; the form becomes editable.
    boss, boss_prompts = open_editor(qtbot, engine, Identity("boss", "admin"))
    open_episode(qtbot, boss, first.id)
    boss.editing.take_over_lock()
    qtbot.waitUntil(lambda: not boss.form.lines["name"].isReadOnly(), timeout=10000)
    assert boss_prompts.asked[-1].startswith("take over: locked by ed@laptop since")
    assert boss.lock_label.text() == "locked by you (boss)"
    boss.close()  # releases it
    with session_factory(engine)() as s:
        assert s.get(Episode, first.id).locked_by == ""  # type: ignore[union-attr]

    name = ed.form.lines["name"]
    name.selectAll()
    type_text(qtbot, name, "Renamed before next")
    ed.activateWindow()
    qtbot.waitUntil(ed.isActiveWindow, timeout=5000)
    assert ed.next_label.text().startswith("Next: Room A 09:45: Talk 2")
    qtbot.keyClick(ed, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    # The prepared next talk shows at once; the save and its lock follow (writer thread).
    qtbot.waitUntil(
        lambda: (
            ed.editing.document is not None
            and ed.editing.document.draft.episode_id == second.id
            and ed.editing.lock is not None
        ),
        timeout=10000,
    )
    with session_factory(engine)() as s:
        was, now = s.get(Episode, first.id), s.get(Episode, second.id)
        assert was is not None and now is not None
        assert was.name == "Renamed before next" and was.locked_by == "" and was.locked is None
        assert now.locked_by == "ed@laptop"
    ed.close()
    with session_factory(engine)() as s:
        assert s.get(Episode, second.id).locked_by == ""  # type: ignore[union-attr]


def test_a_reviewer_cannot_change_cuts_or_fields(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    from veyedesk.services.identity import Identity

    window, _ = open_editor(qtbot, engine, Identity("rita", "reviewer", authenticated=True))
    ep = show.episodes[0]
    open_episode(qtbot, window, ep.id)
    doc = window.editing.document
    assert doc is not None and doc.read_only and "reviewers cannot edit" in doc.read_only_reason
    before = [c.values() for c in doc.draft.cuts]
    model = window.cuts.model
    assert not model.flags(model.index(0, COL_IN)) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(model.index(0, COL_IN), "00:00:10.00") is False
    assert not window.cuts.delete_button.isEnabled() and not window.cuts.add_button.isEnabled()
    with qtbot.waitSignal(doc.notice) as notice:
        doc.set_in(doc.draft.cuts[0].raw_file_id, 42.0)  # what the I key does
    assert notice.args[0].startswith("read-only")
    doc.delete_cut(0)
    assert [c.values() for c in doc.draft.cuts] == before and doc.undo_stack.count() == 0
    assert window.form.lines["name"].isReadOnly() and not window.form.state.isEnabled()
    window.save()
    with session_factory(engine)() as s:
        row = s.get(Episode, ep.id)
        assert row is not None and row.serial == 0 and row.locked_by == ""


def test_next_and_previous_follow_the_room_then_skip_to_state_edit(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    from tests.support.factory import set_state

    a1, a2, a3, b1 = show.episodes[:4]
    with session_factory(engine)() as s:
        episode = s.get(Episode, a2.id)
        assert episode is not None
        set_state(s, episode, "encode", "ed")
        s.commit()
    window, _ = open_editor(qtbot, engine)
    open_episode(qtbot, window, a1.id)
    window.next_action.trigger()
    qtbot.waitUntil(lambda: window.editing.episode_id == a2.id, timeout=10000)
    qtbot.waitUntil(lambda: window.previous_target is not None, timeout=10000)
    window.previous_action.trigger()
    qtbot.waitUntil(lambda: window.editing.episode_id == a1.id, timeout=10000)
    window.only_edit.setChecked(True)
    qtbot.waitUntil(lambda: "Talk 3 in Room A" in window.next_label.text(), timeout=10000)
    window.go(+1)
    qtbot.waitUntil(lambda: window.editing.episode_id == a3.id, timeout=10000)
    qtbot.waitUntil(lambda: "Room B" in window.next_label.text(), timeout=10000)
    window.go(+1)
    qtbot.waitUntil(lambda: window.editing.episode_id == b1.id, timeout=10000)


def test_next_follows_the_lists_filter_and_sort_room_by_room(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    a1, a2, a3, b1, _b2, _b3 = show.episodes[:6]
    window, _ = open_editor(qtbot, engine)
    open_episode(qtbot, window, a1.id)
    assert window.next_target is not None and window.next_target.id == a2.id
    # A search that lists only the first talk of each room: Next is Room B's.
    window.episodes.search.setText("Talk 1 in")
    qtbot.waitUntil(lambda: window.next_target is not None and window.next_target.id == b1.id)
    assert window.next_label.text().startswith("Next: Room B 09:00: Talk 1 in Room B")
    # Every talk again, sorted by name descending: Room A's talks in that order.
    window.episodes.search.clear()
    window.episodes.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: window.previous_target is not None)
    assert window.previous_target is not None and window.previous_target.id == a2.id
    open_episode(qtbot, window, a3.id)
    assert window.next_target is not None and window.next_target.id == a2.id
    window.next_action.trigger()
    qtbot.waitUntil(lambda: window.editing.episode_id == a2.id, timeout=10000)


def test_dock_layout_is_remembered(qtbot: QtBot, engine: Engine, show: ShowFixture) -> None:
    window, _ = open_editor(qtbot, engine)
    assert {d.objectName() for d in (window.list_dock, window.form_dock, window.cuts_dock)} == {
        "episodes_dock",
        "form_dock",
        "cuts_dock",
    }
    window.cuts_dock.hide()
    window.form_dock.setFloating(True)
    window.close()
    again, _ = open_editor(qtbot, engine)
    assert again.cuts_dock.isHidden() and again.form_dock.isFloating()


def test_an_editor_whose_lock_was_taken_over_cannot_save_and_keeps_the_edits(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    """The taker's work wins: the old holder's save is refused, its edits stay (journal)."""
    from veyedesk.config import Settings
    from veyedesk.services.editing.journal import pending_journals
    from veyedesk.services.editing.locks import take_over
    from veyedesk.services.identity import Identity

    ep = show.episodes[0]
    window, prompts = open_editor(qtbot, engine)
    open_episode(qtbot, window, ep.id)
    assert not window.form.take_over_button.isVisible()
    with session_factory(engine)() as s, s.begin():
        take_over(s, ep.id, Identity("boss", "admin"), Settings().lock_stale_minutes)
    name = window.form.lines["name"]
    name.selectAll()
    type_text(qtbot, name, "Typed after the take-over")
    window.save()
    qtbot.waitUntil(lambda: bool(prompts.errors), timeout=10000)
    assert "was not saved: locked by boss since" in prompts.errors[0]
    assert prompts.unexpected == [False]
    doc = window.editing.document
    assert doc is not None and doc.read_only and doc.lock_holder == "boss"
    assert doc.draft.fields["name"] == "Typed after the take-over"  # kept in the window…
    window.editing.flush_journal()
    url = engine.url.render_as_string(hide_password=False)
    assert [j.name for j in pending_journals(url)] == ["Typed after the take-over"]  # …and here
    assert window.form.take_over_button.isVisibleTo(window.form)
    with session_factory(engine)() as s:
        row = s.get(Episode, ep.id)
        assert row is not None and row.name == ep.name and row.locked_by == "boss"
