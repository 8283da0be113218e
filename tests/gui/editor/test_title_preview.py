"""The form's title slide preview, its fit warning, and the Facts tab's chapters."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.gui.editor_support import type_text
from tests.support.factory import ShowFixture
from veyedesk.config import Settings
from veyedesk.db import session_factory
from veyedesk.gui.document.editable import EditorDocument
from veyedesk.gui.editor.episode_form import EpisodeForm
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.services.editing.draft import load_draft
from veyedesk.services.editing.facts import episode_context
from veyedesk.services.publishing.chapters import chapters_text, episode_chapters

pytestmark = pytest.mark.media
LONG = ("Distributed consensus in practice, and what the papers leave out " * 4)[:200]


@pytest.fixture
def form(qtbot: QtBot, engine: Engine, session: Session, show: ShowFixture) -> EpisodeForm:
    episode = show.episodes[0]
    episode.host_url = "https://youtu.be/xyz"
    cut = episode.applied_cuts()[1]
    cut.comment = "Questions & answers"
    session.commit()
    draft = load_draft(session, episode.id, "")
    draft.fields["state"] = "edit"
    widget = EpisodeForm()
    qtbot.addWidget(widget)
    runner = BackgroundRunner(widget)
    widget.title_preview.attach(session_factory(engine), runner)
    widget.resize(520, 960)
    widget.show()
    with qtbot.waitSignal(widget.title_preview.rendered, timeout=20000):
        widget.set_document(
            EditorDocument(draft), episode_context(session, episode.id, list(draft.raw_files))
        )
    return widget


def rendered(qtbot: QtBot, form: EpisodeForm) -> None:
    with qtbot.waitSignal(form.title_preview.rendered, timeout=20000):
        pass


def test_a_200_character_title_shows_the_fit_warning(
    qtbot: QtBot, form: EpisodeForm, artifacts: Path, tmp_path: Path
) -> None:
    preview = form.title_preview
    assert not preview.image.pixmap().isNull()
    assert preview.warning == ""
    assert form.title_warning.isHidden()
    title = form.lines["name"]
    title.selectAll()
    with qtbot.waitSignal(preview.rendered, timeout=20000):
        type_text(qtbot, title, LONG)
    expected = "title: shrunk to 65% and 71 of 200 characters do not fit: shorten it"
    assert preview.warning == expected
    assert not form.title_warning.isHidden()
    assert form.title_warning.text() == f"⚠ Title slide: {expected}"
    form.setCurrentWidget(preview)
    assert preview.warning_label.isVisible()
    for folder in (tmp_path, artifacts):
        assert form.grab().save(str(folder / "proofs-title-preview-warning.png"))
    form.setCurrentIndex(0)
    assert form.grab().save(str(tmp_path / "proofs-title-field-warning.png"))

    with qtbot.waitSignal(preview.rendered, timeout=20000):
        form.document.undo_stack.undo()  # type: ignore[union-attr]
    assert preview.warning == ""
    assert form.title_warning.isHidden()


def test_edits_are_rendered_once_after_the_typing_pauses(qtbot: QtBot, form: EpisodeForm) -> None:
    doc = form.document
    assert doc is not None
    count: list[int] = []
    form.title_preview.rendered.connect(lambda: count.append(1))
    started = form.title_preview._latest  # each render start takes the next generation
    for n in range(1, 30):
        doc.set_field("name", LONG[:n])  # no event loop between: one pending render
    doc.set_field("authors", "Someone Else")
    doc.set_field("comment", "not on the slide")
    rendered(qtbot, form)
    # Nothing else can come: no render is waiting for the typing to pause, and the one that
    # just finished was the only one started.
    preview = form.title_preview
    assert not preview._timer.isActive()
    assert preview._latest == started + 1
    assert count == [1]


def test_the_talks_own_title_image_is_chosen_in_the_form(
    qtbot: QtBot, form: EpisodeForm, tmp_path: Path
) -> None:
    from veyedesk.encode.titles import TITLE_TEMPLATE

    own = tmp_path / "custom-title.svg"
    shutil.copy(TITLE_TEMPLATE, own)
    own.write_text(own.read_text().replace("#0d1b2a", "#7a0000"))
    preview = form.title_preview
    assert not preview.clear_button.isEnabled()
    with qtbot.waitSignal(preview.rendered, timeout=20000):
        preview.set_title_image(str(own))
    assert form.document is not None
    assert form.document.draft.fields["title_image"] == str(own)
    assert preview.source_label.text() == f"This talk's own title: {own}"
    assert preview.clear_button.isEnabled()
    with qtbot.waitSignal(preview.rendered, timeout=20000):
        preview.clear_button.click()
    assert preview.source_label.text() == "The client's title template"
    with qtbot.waitSignal(preview.rendered, timeout=20000):
        preview.set_title_image(str(tmp_path / "gone.png"))
    assert "gone.png does not exist" in preview.warning
    assert preview.image.text() == "the title slide could not be drawn"


def test_facts_chapters_match_the_encode_and_copy_gives_youtube_text(
    qtbot: QtBot, form: EpisodeForm, session: Session, show: ShowFixture
) -> None:
    settings = Settings()
    form.slide_timing = (settings.title_seconds, settings.credits_seconds, 25.0)
    form._update_facts()
    expected = episode_chapters(session, show.episodes[0].id, settings)
    assert form.chapter_list() == expected
    assert form.chapters.text().splitlines() == [
        "00:00:00:00  Part 1",
        "00:20:05:00  Questions & answers",
    ]
    form.copy_chapters_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied == chapters_text(session, show.episodes[0].id, settings)
    assert copied.splitlines()[1] == "20:05 Questions & answers https://youtu.be/xyz?t=1205"
