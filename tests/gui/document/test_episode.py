import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.gui.document.episode import EpisodeDocument
from veyedesk.services.editing.draft import load_draft


@pytest.fixture
def doc(qapp, session: Session, show: ShowFixture) -> EpisodeDocument:  # type: ignore[no-untyped-def]
    return EpisodeDocument(load_draft(session, show.episodes[0].id, ""))


def test_in_and_out_are_frame_exact_and_undoable(doc: EpisodeDocument) -> None:
    first = doc.draft.cuts[0].raw_file_id
    doc.set_in(first, 12.345)  # frame 308 at 25 fps starts at 12.32
    assert doc.draft.cuts[0].start == pytest.approx(12.32)
    doc.set_out(first, 600.0)
    assert doc.draft.cuts[0].end == pytest.approx(600.0)
    assert doc.dirty and doc.undo_stack.count() == 2
    assert doc.undo_stack.undoText() == "Set out to 00:10:00:00"
    doc.undo_stack.undo()
    assert doc.draft.cuts[0].end is None
    doc.undo_stack.undo()
    assert doc.draft.cuts[0].start is None and not doc.dirty
    doc.undo_stack.redo()
    assert doc.draft.cuts[0].start == pytest.approx(12.32)


def test_cuts_are_clamped_to_the_file_with_a_notice(doc: EpisodeDocument, qtbot: QtBot) -> None:
    raw = doc.draft.cuts[0].raw_file_id
    with qtbot.waitSignal(doc.notice) as notice:
        doc.set_out(raw, 99999.0)
    assert "end of the file" in notice.args[0]
    assert doc.draft.cuts[0].end == 1200.0
    doc.set_in(raw, 100.0)
    with qtbot.waitSignal(doc.notice) as notice:
        doc.set_out(raw, 50.0)  # before the in: the in gives way by one frame
    assert "cannot end before it starts" in notice.args[0]
    start, end = doc.cut_bounds(0)
    assert end == 50.0 and start == pytest.approx(50.0 - 0.04)
    with qtbot.waitSignal(doc.notice):
        doc.set_cut_bounds(0, 300.0, 200.0, "typed")
    assert doc.cut_bounds(0) == (pytest.approx(50.0 - 0.04), 50.0)


def test_split_delete_move_and_apply(doc: EpisodeDocument) -> None:
    raw = doc.draft.cuts[0].raw_file_id
    assert doc.split_at(raw, 300.0)
    assert len(doc.draft.cuts) == 3
    assert (doc.draft.cuts[0].end, doc.draft.cuts[1].start) == (300.0, 300.0)
    assert [c.sequence for c in doc.draft.cuts] == [1, 2, 3]
    doc.set_cut_apply(0, False)
    assert doc.draft.cuts_time() == pytest.approx(2400.0 - 300.0)
    doc.move_cut(2, -1)
    assert doc.draft.cuts[1].raw_file_id != raw
    doc.delete_cut(0)
    assert len(doc.draft.cuts) == 2
    for _ in range(4):
        doc.undo_stack.undo()
    assert len(doc.draft.cuts) == 2 and not doc.dirty


def test_a_file_without_a_cut_gets_one_in_time_order(doc: EpisodeDocument) -> None:
    used = {c.raw_file_id for c in doc.draft.cuts}
    later = max(
        (r for r in doc.draft.raw_files.values() if r.id not in used), key=lambda r: r.start
    )
    index = doc.set_in(later.id, 10.0)
    assert index == 2 and doc.draft.cuts[2].raw_file_id == later.id
    assert (doc.draft.cuts[2].start, doc.draft.cuts[2].end) == (10.0, None)
    earlier = min(
        (r for r in doc.draft.raw_files.values() if r.id not in used | {later.id}),
        key=lambda r: r.start,
    )
    doc.add_cut(earlier.id)
    assert doc.draft.cuts[-1].raw_file_id == later.id  # earlier file went before it


def test_field_edits_merge_per_field(doc: EpisodeDocument) -> None:
    doc.set_field("name", "K")
    doc.set_field("name", "Ke")
    doc.set_field("name", "Keynote")
    doc.set_field("channelcopy", "m")
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.draft.fields["name"] == doc.base.fields["name"]
