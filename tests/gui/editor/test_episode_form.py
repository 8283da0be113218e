from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from tests.gui.editor_support import type_text
from tests.support.factory import ShowFixture
from veyedesk.gui.document.editable import EditorDocument
from veyedesk.gui.editor.episode_form import EpisodeForm, invalid_emails
from veyedesk.model.states import STATE_SLUGS
from veyedesk.services.editing.draft import load_draft
from veyedesk.services.editing.facts import episode_context


@pytest.fixture
def form(qtbot: QtBot, session: Session, show: ShowFixture) -> EpisodeForm:
    ep = show.episodes[0]
    draft = load_draft(session, ep.id, "")
    draft.fields["state"] = "edit"
    widget = EpisodeForm()
    qtbot.addWidget(widget)
    widget.set_document(
        EditorDocument(draft), episode_context(session, ep.id, list(draft.raw_files))
    )
    widget.resize(480, 900)
    widget.show()
    return widget


def doc_of(form: EpisodeForm) -> EditorDocument:
    assert form.document is not None
    return form.document


def test_typing_edits_the_document_and_undo_shows_in_the_form(
    qtbot: QtBot, form: EpisodeForm
) -> None:
    doc = doc_of(form)
    name = form.lines["name"]
    name.selectAll()
    type_text(qtbot, name, "New: “title” 🎥")
    assert doc.draft.fields["name"] == "New: “title” 🎥"
    assert doc.undo_stack.count() == 1  # one step per field, not per key
    doc.undo_stack.undo()
    assert name.text().startswith("Talk 1 in Room A")


def test_a_long_title_shows_its_start_when_a_talk_is_shown(
    session: Session, show: ShowFixture, form: EpisodeForm
) -> None:
    draft = load_draft(session, show.episodes[1].id, "")
    draft.fields["name"] = "A very long title " * 12
    form.set_document(EditorDocument(draft), None)
    assert form.lines["name"].cursorPosition() == 0  # not scrolled to its end


def test_emails_are_validated(qtbot: QtBot, form: EpisodeForm) -> None:
    assert invalid_emails("a@example.org, b@x.io; c@y.de") == []
    assert invalid_emails("a@example.org, not-an-address, x@y") == ["not-an-address", "x@y"]
    emails = form.lines["emails"]
    emails.clear()
    type_text(qtbot, emails, "ann@example.org, oops")
    assert "oops" in emails.toolTip() and "b00020" in emails.styleSheet()
    type_text(qtbot, emails, "@example.org")
    assert emails.toolTip() == ""


def test_description_has_a_rendered_markdown_preview(qtbot: QtBot, form: EpisodeForm) -> None:
    form.description.setPlainText("# Heading\n\nSome **bold** words and a [link](https://x.org)")
    assert doc_of(form).draft.fields["description"].startswith("# Heading")
    form.description_tabs.setCurrentIndex(1)
    html = form.preview.toHtml()
    assert "Heading" in html and "font-weight" in html and 'href="https://x.org"' in html
    assert "**" not in form.preview.toPlainText()


def test_choices_released_channelcopy_state_and_offset(qtbot: QtBot, form: EpisodeForm) -> None:
    doc = doc_of(form)
    assert [form.released.itemText(i) for i in range(3)] == ["Unknown", "Yes", "No"]
    form.released.setCurrentIndex(2)
    assert doc.draft.fields["released"] is False
    form.released.setCurrentIndex(0)
    assert doc.draft.fields["released"] is None
    texts = [form.channelcopy.itemText(i) for i in range(form.channelcopy.count())]
    assert texts[1:] == [
        "00 — leave both channels as recorded",
        "m — mono: mix both channels to both",
        "01 — copy left to right",
        "10 — copy right to left",
    ]
    with qtbot.waitSignal(doc.field_changed) as changed:  # what the player listens to
        form.channelcopy.setCurrentIndex(form.channelcopy.findData("10"))
    assert changed.args == ["channelcopy"] and doc.draft.fields["channelcopy"] == "10"
    assert [form.state.itemText(i) for i in range(form.state.count())] == list(STATE_SLUGS)
    assert len(STATE_SLUGS) == 14
    form.state.setCurrentIndex(form.state.findData("review 1"))
    assert doc.draft.fields["state"] == "review 1" and "state" in doc.changed()
    form.av_offset.setValue(-120)
    assert doc.draft.fields["av_offset_ms"] == -120


def test_facts_and_set_schedule_from_the_cuts(form: EpisodeForm) -> None:
    doc = doc_of(form)
    assert form.facts["first_raw"].text() == "Sun 01 Feb 09:00:00"
    assert form.facts["cuts_time"].text() == "0:40:00"
    # The encode's chapters: title slide (5 s) in the first, so the second starts at 20:05.
    assert form.chapters.text().splitlines() == ["00:00:00:00  Part 1", "00:20:05:00  Part 2"]
    raw = doc.draft.cuts[0].raw_file_id
    doc.set_cut_bounds(0, 90.0, None, "trim")
    assert form.facts["first_cut"].text() == "Sun 01 Feb 09:01:30"
    form.match_button.click()
    assert doc.draft.fields["start"] == datetime(2026, 2, 1, 9, 1, 30)
    assert doc.draft.fields["duration"] == pytest.approx(2310.0)
    assert form.duration.text() == "0:38:30"
    doc.undo_stack.undo()  # both fields in one step
    assert doc.draft.fields["start"] == datetime(2026, 2, 1, 9, 0)
    assert doc.draft.cuts[0].raw_file_id == raw


def test_context_selection_logs_and_raw_files_tab(qtbot: QtBot, form: EpisodeForm) -> None:
    assert form.selection.text().startswith("--client pyconf --show pyconf_2026 --room room_a ")
    assert form.raw_table.rowCount() == 6
    used_by = [form.raw_table.item(r, 3).text() for r in range(6)]  # type: ignore[union-attr]
    assert used_by[:2] == ["this talk", "this talk"]
    assert used_by[2].startswith("Talk 2 in Room A")
    doc = doc_of(form)
    form.raw_table.selectRow(4)
    form.add_raw_file.connect(doc.add_cut)
    form.add_raw_button.click()
    assert len(doc.draft.cuts) == 3


def test_thumbnail_is_shown_and_read_only_mode_locks_every_field(
    qtbot: QtBot, form: EpisodeForm, tmp_path: Path
) -> None:
    image = QImage(320, 180, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    path = tmp_path / "thumb.png"
    image.save(str(path))
    doc = doc_of(form)
    doc.set_field("thumbnail", str(path))
    pixmap = form.thumbnail.pixmap()
    assert not pixmap.isNull() and pixmap.toImage().pixelColor(40, 40) == QColor("red")
    doc.set_read_only("locked by ann@laptop since Sun 01 Feb 09:00", lock_holder="ann@laptop")
    form.refresh_read_only()
    assert form.banner.isVisibleTo(form) and form.take_over_button.isVisibleTo(form)
    assert form.lines["name"].isReadOnly() and not form.channelcopy.isEnabled()
    form.channelcopy.setCurrentIndex(3)  # programmatic change while read-only is refused
    assert doc.draft.fields["channelcopy"] == ""
