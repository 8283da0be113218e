"""Schedule text is plain text on screen: hostile titles, names, URLs and abstracts read as given.

A title `<img src="/dev/zero">` rendered as Qt rich text reads /dev/zero until memory runs
out. In-process, these tests use a real 300×300 PNG instead: rendered as rich text it
shows (300 px tall, one object character) and nothing crashes, so the test can fail
cleanly. The real /dev/zero goes through a child editor process (test_hostile_editor.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QImage, Qt as GuiQt, QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.gui.document.editable import EditorDocument
from veyedesk.gui.editor.episode_form import EpisodeForm
from veyedesk.gui.editor.episode_list import EpisodeTableModel
from veyedesk.gui.widgets.conflict_dialog import ConflictDialog
from veyedesk.gui.widgets.prompts import Prompts
from veyedesk.model import Episode
from veyedesk.services.editing.draft import EditConflict, load_draft
from veyedesk.services.editing.facts import episode_context
from veyedesk.services.editing.journal import JournalEntry
from veyedesk.services.editing.locks import LockState
from veyedesk.services.episodes import EpisodeRow

TEMPLATE = "Why <template> matters"


@pytest.fixture(scope="module")
def big_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("img") / "big.png"
    image = QImage(300, 300, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    assert image.save(str(path))
    return path


@pytest.fixture(params=["img", "template"])
def hostile(request: pytest.FixtureRequest, big_png: Path) -> str:
    """A title that is an image tag, and a C++ talk's title with a tag-like word."""
    return f'<img src="{big_png}">' if request.param == "img" else TEMPLATE


def html_reads(text: str) -> str:
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def tooltip_reads(text: str) -> str:
    """What a tooltip shows: Qt renders it as HTML whenever it looks like HTML."""
    return html_reads(text) if GuiQt.mightBeRichText(text) else text


def label_reads(label: QLabel) -> str:
    """What a label shows, by its text format (AutoText: Qt's guess)."""
    fmt = label.textFormat()
    rich = fmt == Qt.TextFormat.RichText or (
        fmt == Qt.TextFormat.AutoText and GuiQt.mightBeRichText(label.text())
    )
    return html_reads(label.text()) if rich else label.text()


def assert_shows_exactly(label: QLabel, expected: str) -> None:
    assert label_reads(label) == expected
    assert label.sizeHint().height() < 200  # no 300-px image drawn


def answer_modal(check: Callable[[QMessageBox], None], button: str) -> list[str]:
    """Inspect the next modal message box with `check`, then click `button` on it.

    A box without that button is rejected and says so in the result: a prompt returns its
    fallback answer for any button it does not know, so a test must see its button clicked.
    """
    seen: list[str] = []

    def look() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, look)
            return
        try:
            check(box)
            seen.append("checked")
        finally:
            for candidate in box.buttons():
                if candidate.text().replace("&", "") == button:
                    seen.append(f"clicked {button}")
                    candidate.click()
                    break
            else:
                seen.append(f"no {button} button")
                box.reject()

    QTimer.singleShot(0, look)
    return seen


def box_text_labels(box: QMessageBox) -> list[QLabel]:
    return [
        label
        for label in box.findChildren(QLabel)
        if label.objectName() in ("qt_msgbox_label", "qt_msgbox_informativelabel")
    ]


@pytest.fixture
def parent(qtbot: QtBot) -> Iterator[QWidget]:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    yield widget


# -- the episode list ----------------------------------------------------------------------
def test_episode_list_tooltip_reads_the_title_and_speakers_exactly(hostile: str) -> None:
    model = EpisodeTableModel()
    speakers = "Ann <b>Bold</b> & Bob"
    row = EpisodeRow(
        id=1,
        start=datetime(2026, 2, 1, 9, 0),
        room="Room A",
        name=hostile,
        authors=speakers,
        state="edit",
        state_sequence=2,
        locked_by="",
        duration=1500.0,
        cuts_time=0.0,
        released=None,
    )
    model.set_rows([row])
    assert model.index(0, 2).data() == hostile
    tip = model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip_reads(tip) == f"{hostile}\n{speakers}"


# -- the episode form ----------------------------------------------------------------------
def open_form(qtbot: QtBot, session: Session, show: ShowFixture, **fields: str) -> EpisodeForm:
    ep = session.get(Episode, show.episodes[0].id)
    assert ep is not None
    for name, value in fields.items():
        setattr(ep, name, value)
    session.commit()
    draft = load_draft(session, ep.id, "")
    form = EpisodeForm()
    qtbot.addWidget(form)
    form.set_document(EditorDocument(draft), episode_context(session, ep.id, list(draft.raw_files)))
    form.resize(480, 900)
    form.show()
    return form


def test_markdown_preview_loads_no_image_and_shows_tags_as_text(
    qtbot: QtBot, session: Session, show: ShowFixture, big_png: Path
) -> None:
    abstract = f'# {TEMPLATE}\n\n![x]({big_png})\n\n<img src="{big_png}">\n\nend'
    form = open_form(qtbot, session, show, description=abstract)
    form.description_tabs.setCurrentIndex(1)  # Preview
    qtbot.waitExposed(form.preview)
    preview = form.preview.document()
    preview.adjustSize()
    assert preview.size().height() < 250  # neither image was loaded (300 px each)
    assert TEMPLATE in form.preview.toPlainText()  # a tag-like word is text, not markup
    assert f'<img src="{big_png}">' in form.preview.toPlainText()  # raw HTML is shown as text


def test_markdown_preview_never_reads_a_resource(
    qtbot: QtBot, session: Session, show: ShowFixture
) -> None:
    form = open_form(qtbot, session, show)
    preview = form.preview.document()
    # Checked first: a document that loads resources would read /dev/zero below, forever.
    assert isinstance(getattr(preview, "asked", None), list)
    form.description.setPlainText("![x](/dev/zero) ![y](http://example.org/y)")
    form.description_tabs.setCurrentIndex(1)
    qtbot.waitExposed(form.preview)
    assert preview.size().height() < 100
    assert "/dev/zero" in getattr(preview, "asked", [])  # asked, and answered with nothing:
    zero = preview.loadResource(
        QTextDocument.ResourceType.ImageResource.value, QUrl.fromLocalFile("/dev/zero")
    )
    assert isinstance(zero, QImage) and zero.size().width() == 1  # a blank placeholder
    page = preview.loadResource(
        QTextDocument.ResourceType.HtmlResource.value, QUrl("file:///etc/hostname")
    )
    assert not bytes(page)  # no file is read for any kind of resource


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ('https://example.org/t?x="><img src="{png}">', True),
        ('javascript:alert(1)<img src="{png}">', False),
        ("file:///etc/passwd", False),
    ],
)
def test_schedule_page_reads_exactly_and_links_only_http(
    qtbot: QtBot, session: Session, show: ShowFixture, big_png: Path, url: str, link: bool
) -> None:
    url = url.format(png=big_png)
    form = open_form(qtbot, session, show, conf_url=url)
    assert_shows_exactly(form.conf_url, url)
    assert ("<a href=" in form.conf_url.text()) is link


def test_email_tooltip_and_lock_banner_read_exactly(
    qtbot: QtBot, session: Session, show: ShowFixture, hostile: str
) -> None:
    form = open_form(qtbot, session, show)
    emails = form.lines["emails"]
    emails.setText(hostile)
    emails.textEdited.emit(hostile)
    assert tooltip_reads(emails.toolTip()).startswith("not an email address: ")
    assert hostile.split()[-1] in tooltip_reads(emails.toolTip())
    form.banner.setText(f"locked by {hostile}")
    assert_shows_exactly(form.banner, f"locked by {hostile}")


# -- prompts -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("button", "answer"), [("Restore", "restore"), ("Discard", "discard"), ("Later", "later")]
)
def test_journal_restore_prompt_reads_the_title_and_user_exactly(
    qtbot: QtBot, parent: QWidget, hostile: str, button: str, answer: str
) -> None:
    entry = JournalEntry(
        path=Path("/nonexistent"),
        database="sqlite://",
        episode_id=7,
        user=f"ed {hostile}",
        written=datetime(2026, 2, 1, 9, 30),
        serial=1,
        base={"fields": {}, "cuts": []},
        draft={"fields": {"name": hostile}, "cuts": []},
    )

    def check(box: QMessageBox) -> None:
        main, info = box_text_labels(box)
        assert label_reads(main).startswith(f"Unsaved edits of “{hostile}” (episode 7) by ed ")
        assert hostile in label_reads(main).split(" by ed ", 1)[1]
        assert main.sizeHint().height() < 200
        assert label_reads(info).startswith("Restore them now?")

    seen = answer_modal(check, button)
    assert Prompts(parent).restore(entry) == answer
    assert seen == ["checked", f"clicked {button}"]


@pytest.mark.parametrize(
    ("button", "answer"), [("Save", "save"), ("Discard", "discard"), ("Cancel", "cancel")]
)
def test_unsaved_prompt_reads_exactly_and_returns_each_answer(
    qtbot: QtBot, parent: QWidget, hostile: str, button: str, answer: str
) -> None:
    def unsaved(box: QMessageBox) -> None:
        assert_shows_exactly(box_text_labels(box)[0], f"“{hostile}” has unsaved changes.")

    seen = answer_modal(unsaved, button)
    assert Prompts(parent).unsaved(hostile) == answer
    assert seen == ["checked", f"clicked {button}"]


@pytest.mark.parametrize(("button", "answer"), [("Yes", True), ("No", False)])
def test_take_over_and_error_prompts_read_exactly(
    qtbot: QtBot, parent: QWidget, hostile: str, button: str, answer: bool
) -> None:
    state = LockState(7, hostile, None, stale=True)

    def take_over(box: QMessageBox) -> None:
        label = box_text_labels(box)[0]
        assert label_reads(label).startswith(f"This episode is locked by {hostile} since")
        assert label.sizeHint().height() < 200

    seen = answer_modal(take_over, button)
    assert Prompts(parent).take_over(state) is answer
    assert seen == ["checked", f"clicked {button}"]

    def error(box: QMessageBox) -> None:
        assert_shows_exactly(box_text_labels(box)[0], f"could not save {hostile}")

    seen = answer_modal(error, "OK")
    Prompts(parent).error("save", f"could not save {hostile}")
    assert seen == ["checked", "clicked OK"]


def test_conflict_dialog_reads_names_exactly(
    qtbot: QtBot, session: Session, show: ShowFixture, hostile: str
) -> None:
    base = load_draft(session, show.episodes[0].id, "")
    mine, theirs = base.copy(), base.copy()
    mine.fields["name"] = f"mine {hostile}"
    theirs.fields["name"] = f"theirs {hostile}"
    dialog = ConflictDialog(EditConflict(theirs, ["name"], f"ed {hostile}"), mine, base)
    qtbot.addWidget(dialog)
    dialog.show()
    labels = [label for label in dialog.findChildren(QLabel) if hostile in label.text()]
    assert labels  # the intro names who saved
    for label in labels:
        assert_shows_exactly(label, label.text())
    texts = {b.objectName(): b.text() for b in dialog.findChildren(QWidget) if b.objectName()}
    assert texts["theirs_name"] == f"theirs {hostile}" and texts["mine_name"] == f"mine {hostile}"


# -- the encode queue ----------------------------------------------------------------------
def test_queue_tooltips_read_the_title_and_the_error_exactly(hostile: str) -> None:
    from veyedesk.gui.editor.queue_panel import JobTableModel
    from veyedesk.jobs.listing import JobView

    error = 'ffmpeg: <img src="/dev/zero"> Invalid data found'
    job = JobView(
        id=7, episode_id=3, episode_slug="t", episode_name=hostile, episode_state="encode",
        profile="mp4", kind="encode", status="failed", priority=0, progress=0.0, speed=None,
        eta_seconds=None, worker="", attempts=3, max_attempts=3, error=error, output_path="",
        cancel_requested=False, stopped=False, created_at=None, started_at=None,
        finished_at=None, heartbeat_at=None,
    )  # fmt: skip
    model = JobTableModel()
    model.set_jobs([job])
    title_tip = model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip_reads(title_tip) == f"{hostile}\n(episode 3, state encode)"
    assert tooltip_reads(model.index(0, 9).data(Qt.ItemDataRole.ToolTipRole)) == error
