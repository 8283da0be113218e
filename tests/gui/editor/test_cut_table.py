import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.gui.document.editable import EditorDocument
from veyedesk.gui.editor.cut_table import COL_APPLY, COL_COMMENT, COL_IN, COL_OUT, CutTable
from veyedesk.services.editing.draft import load_draft


@pytest.fixture
def table(qtbot: QtBot, session: Session, show: ShowFixture) -> CutTable:
    widget = CutTable()
    qtbot.addWidget(widget)
    widget.set_document(EditorDocument(load_draft(session, show.episodes[0].id, "")))
    widget.show()
    return widget


def doc_of(table: CutTable) -> EditorDocument:
    assert table.document is not None
    return table.document


def test_typed_timecodes_in_every_accepted_form(table: CutTable) -> None:
    model, doc = table.model, doc_of(table)
    assert model.index(0, COL_IN).data() == "00:00:00:00"
    header_tip = model.headerData(COL_IN, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "HH:MM:SS:FF" in header_tip and "17.68" in header_tip and "442f" in header_tip
    assert model.index(0, COL_OUT).data() == "00:20:00:00"
    assert model.setData(model.index(0, COL_IN), "00:01:02:10")  # SMPTE: frame 10
    assert doc.draft.cuts[0].start == pytest.approx(62.4)
    assert model.index(0, COL_IN).data() == "00:01:02:10"
    assert model.setData(model.index(0, COL_OUT), "15:30.20")  # decimal seconds
    assert doc.draft.cuts[0].end == pytest.approx(930.2)
    assert model.setData(model.index(0, COL_IN), "75.5")
    assert doc.draft.cuts[0].start == pytest.approx(75.48)  # snapped to the frame grid
    assert model.setData(model.index(0, COL_IN), "1888f")  # a frame count
    assert doc.draft.cuts[0].start == pytest.approx(75.52)
    assert model.setData(model.index(0, COL_IN), "")  # blank: back to the file's start
    assert doc.draft.cuts[0].start is None
    assert model.index(0, COL_IN).data(Qt.ItemDataRole.ToolTipRole).startswith("wall clock 09:00")
    assert model.index(0, 4).data() == "00:15:30:05"
    assert table.total.text() == "2 cuts, 0:35:30 applied"


def test_bad_input_is_refused_with_a_notice_and_changes_nothing(
    qtbot: QtBot, table: CutTable
) -> None:
    model, doc = table.model, doc_of(table)
    with qtbot.waitSignal(doc.notice) as notice:
        assert model.setData(model.index(0, COL_IN), "ten past") is False
    assert "not a timecode" in notice.args[0]
    with qtbot.waitSignal(doc.notice) as notice:
        model.setData(model.index(0, COL_OUT), "00:00:00.00")  # out before in
    assert "cannot end before it starts" in notice.args[0]
    with qtbot.waitSignal(doc.notice) as notice:
        model.setData(model.index(0, COL_OUT), "02:00:00.00")  # past the 20-minute file
    assert "end of the file" in notice.args[0]
    assert doc.draft.cuts[0].end == pytest.approx(1200.0)


def test_apply_comment_add_delete_move_split_share_the_documents_undo(table: CutTable) -> None:
    model, doc = table.model, doc_of(table)
    model.setData(
        model.index(1, COL_APPLY), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole
    )
    assert doc.draft.cuts[1].apply is False
    model.setData(model.index(1, COL_COMMENT), "slides only")
    assert doc.draft.cuts[1].comment == "slides only"
    first, second = (c.raw_file_id for c in doc.draft.cuts)
    table.select_row(1)
    table.up_button.click()
    assert [c.raw_file_id for c in doc.draft.cuts] == [second, first]
    table.select_row(0)
    table.split_button.click()  # no player: splits the selected cut in the middle
    assert len(doc.draft.cuts) == 3 and doc.draft.cuts[0].end == pytest.approx(600.0)
    table.select_row(2)
    table.delete_button.click()
    assert [c.raw_file_id for c in doc.draft.cuts] == [second, second]
    spare = table.raw_box.findData(next(r for r in doc.draft.raw_files if r not in (first, second)))
    table.raw_box.setCurrentIndex(spare)
    table.add_button.click()
    assert len(doc.draft.cuts) == 3 and model.rowCount() == 3
    labels = [doc.undo_stack.text(i) for i in range(doc.undo_stack.count())]
    assert labels[0] == "Skip cut 2" and labels[2] == "Move cut 2 up"
    assert labels[3].startswith("Split cut at")
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
    assert [c.raw_file_id for c in doc.draft.cuts] == [first, second]
    assert all(c.apply for c in doc.draft.cuts) and not doc.dirty


def test_read_only_table_refuses_edits(table: CutTable) -> None:
    doc, model = doc_of(table), table.model
    doc.set_read_only("reviewers cannot edit")
    table.refresh_read_only()
    assert not model.flags(model.index(0, COL_IN)) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(model.index(0, COL_IN), "00:00:05.00") is False
    assert not table.split_button.isEnabled()
    assert doc.draft.cuts[0].start is None
