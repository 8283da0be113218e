"""File ▸ Export (release form, title proofs, playlists) and Go ▸ Play encode in the editor."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.gui.editor_support import open_editor, open_episode
from tests.support.factory import ShowFixture
from tests.support.media import make_clip
from veyedesk.config import load_settings
from veyedesk.services.encoding.prepare import output_path
from veyedesk.services.episodes import get_state
from veyedesk.services.publishing.playlists import EncodedFile

pytestmark = pytest.mark.media


@pytest.fixture
def output_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "out"
    monkeypatch.setenv("VEYEDESK_OUTPUT_ROOT", str(root))
    return root


def written(qtbot: QtBot, window, action) -> Path:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.outputs.written, timeout=60000) as blocker:
        action()
    return Path(blocker.args[0])


def test_export_menu_writes_release_form_proofs_and_playlists(
    qtbot: QtBot, engine: Engine, show: ShowFixture, tmp_path: Path, output_root: Path
) -> None:
    window, _prompts = open_editor(qtbot, engine)
    outputs = window.outputs
    outputs.open_written = False
    export = window.findChild(type(window.edit_menu), "export_menu")
    assert export is not None
    assert [a.text() for a in export.actions()] == [
        "&Release form of this talk…",
        "&Title proofs of this show…",
        "&Encoded-files playlist of this show…",
        "Ra&w-files playlist of this show…",
    ]
    assert not outputs.release_action.isEnabled()  # no talk open yet
    episode = show.episodes[0]
    open_episode(qtbot, window, episode.id)
    assert outputs.release_action.isEnabled() and outputs.play_encode_action.isEnabled()

    asked: list[str] = []

    def answer(title: str, suggested: str, _filter: str) -> str:
        asked.append(suggested)
        return str(tmp_path / suggested)

    outputs.ask_save_path = answer  # type: ignore[method-assign]
    pdf = written(qtbot, window, window.form.release_button.click)
    assert asked[-1] == "Talk_1_in_Room_A_quotes_tags.release.pdf"
    text = PdfReader(pdf).pages[0].extract_text()
    assert "Speaker: Speaker 00" in text
    assert "release form written" in window.status_bar.currentMessage()

    sheet = written(qtbot, window, lambda: outputs.title_proofs(str(tmp_path / "proof.png")))
    with Image.open(sheet) as image:
        assert image.width > 4 * 480
    assert "(6 slides, 0 flagged)" in window.status_bar.currentMessage()

    raw = written(qtbot, window, outputs.raw_playlist_action.trigger)
    assert asked[-1] == "pyconf_Pyconf_2026-raw.m3u"  # the show box says "client: show"
    assert raw.read_text().count("#EXTINF:") == 12  # six talks, two raw files each
    encoded = written(qtbot, window, outputs.encoded_playlist_action.trigger)
    assert encoded.read_text() == "#EXTM3U\n"
    assert "(0 talks, 6 skipped)" in window.status_bar.currentMessage()


def _not_black(image: QImage) -> bool:
    step_x, step_y = max(1, image.width() // 16), max(1, image.height() // 16)
    return any(
        sum(QColor(image.pixel(x, y)).getRgb()[:3]) > 60
        for x in range(0, image.width(), step_x)
        for y in range(0, image.height(), step_y)
    )


def test_play_encode_of_any_state_and_profile(
    qtbot: QtBot,
    engine: Engine,
    session: Session,
    show: ShowFixture,
    output_root: Path,
    artifacts: Path,
) -> None:
    episode = show.episodes[1]
    episode.state = get_state(session, "done")  # not in review: Review would not list it
    session.commit()
    settings = load_settings()
    for name in ("mp4", "webm"):
        target = output_path(
            settings, "pyconf", "pyconf_2026", settings.profile(name), episode.slug
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        make_clip(target.with_suffix(".tmp.mp4"), "mp4", 3.0).rename(target)
    window, _prompts = open_editor(qtbot, engine)
    outputs = window.outputs
    offered: list[list[str]] = []

    def choose(files: list[EncodedFile]) -> str:
        offered.append([f.profile for f in files])
        return "webm"

    outputs.ask_profile = choose  # type: ignore[method-assign]
    outputs.play_encode()
    assert "Open a talk first" in window.status_bar.currentMessage()
    open_episode(qtbot, window, episode.id)
    window.form.play_encode_button.click()
    qtbot.waitUntil(
        lambda: outputs.player is not None and outputs.player.isVisible(), timeout=20000
    )
    player = outputs.player
    assert player is not None
    assert offered == [["mp4", "webm"]]
    assert player.current is not None and player.current.profile == "webm"
    assert player.profile_box.count() == 2 and player.profile_box.isVisible()
    assert player.current.duration == pytest.approx(3.0, abs=0.1)
    # It opens on a frame, paused, and the status bar says so (not "playing").
    qtbot.waitUntil(lambda: player.video.player.mpv.time_pos is not None, timeout=20000)
    qtbot.waitUntil(lambda: _not_black(player.video.grabFramebuffer()), timeout=20000)
    assert player.video.player.mpv.pause
    message = window.status_bar.currentMessage()
    assert "paused" in message and "playing" not in message, message
    player.play_button.click()
    qtbot.waitUntil(lambda: not player.video.player.mpv.pause, timeout=20000)
    qtbot.waitUntil(lambda: player.slider.value() > 0, timeout=20000)
    qtbot.waitUntil(lambda: player.video.frames_drawn > 0, timeout=20000)
    player.grab().save(str(artifacts / "proofs-encode-player.png"))
    player.profile_box.setCurrentIndex(0)
    assert player.current.profile == "mp4"
    assert player.file_label.text().endswith(f"mp4/{episode.slug}.mp4")

    for item in ("mp4", "webm"):
        target = output_path(
            settings, "pyconf", "pyconf_2026", settings.profile(item), episode.slug
        )
        target.unlink()
    outputs.play_encode()
    qtbot.waitUntil(
        lambda: "has no encode yet" in window.status_bar.currentMessage(), timeout=20000
    )
