"""The episode form's Published tab: each target's status, privacy and links.

The talk's publications are rows in the test's database (SQLite and PostgreSQL), as a
publish job leaves them (veyedesk.jobs.publishing), read through services.publishing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.gui.editor_support import open_editor, open_episode, type_text
from tests.support.factory import ShowFixture
from veyedesk.db import session_factory
from veyedesk.gui.editor.form_published import NOTHING, PublishedPanel
from veyedesk.gui.widgets.tasks import BackgroundRunner
from veyedesk.model import Publication, PublishTarget
from veyedesk.services import publishing
from veyedesk.services.identity import Identity

WHEN = datetime(2026, 12, 3, 14, 5)
ADMIN = Identity("lead", "admin")


def publish(engine: Engine, show: ShowFixture, episode_id: int, target: str,
            kind: str = "peertube", **values: object) -> None:  # fmt: skip
    """The talk on `target` (added to the show when new) as a publish job would leave it."""
    row: dict = dict(status="uploaded", privacy="unlisted", host_url="", public_url="",
                     error="", updated_at=WHEN)  # fmt: skip
    row.update(values)
    with session_factory(engine)() as s, s.begin():
        known = {t.name: t.id for t in publishing.list_targets(s, show.show.id)}
        if target in known:
            target_id = known[target]
        elif kind in ("peertube", "rclone", "webhook"):
            target_id = publishing.add_target(s, ADMIN, show.show.id, target, kind, {}).id
        else:  # a name the service would refuse, as another version might have stored it
            made = PublishTarget(show_id=show.show.id, name=target, kind=kind, options="{}")
            s.add(made)
            s.flush()
            target_id = made.id
        s.add(Publication(episode_id=episode_id, target_id=target_id, **row))


def test_each_target_shows_status_privacy_and_only_web_links(
    qtbot: QtBot, engine: Engine, show: ShowFixture, artifacts: Path
) -> None:
    episode_id = show.episodes[0].id
    publish(engine, show, episode_id, "tube", host_url="https://tube.example.org/w/abc",
            public_url="https://tube.example.org/download/abc.mp4")  # fmt: skip
    publish(engine, show, episode_id, "mirror", "rclone", status="failed", privacy="",
            public_url="javascript:alert(1)", error='rclone: <b>403</b> "denied"')  # fmt: skip
    publish(engine, show, episode_id, "<img src=x>", "bluesky", status="announced",
            privacy="", updated_at=None)  # fmt: skip
    panel = PublishedPanel()
    qtbot.addWidget(panel)
    panel.resize(470, 600)
    panel.show()
    runner = BackgroundRunner(panel)
    panel.attach(session_factory(engine), runner)
    panel.show_episode(episode_id)
    panel.refresh()
    qtbot.waitUntil(lambda: panel.loads == 1)

    assert [r.target for r in panel.rows] == ["tube", "mirror", "<img src=x>"]  # targets' order
    assert panel.findChild(object, "published_status_tube").text() == (
        "uploaded · unlisted · Thu 03 Dec 14:05"
    )
    host = panel.links[("tube", "host_url")]
    assert host.text().startswith('<a href="https://tube.example.org/w/abc">')
    assert host.openExternalLinks()
    # Not http(s): shown as text, never a link.
    fake = panel.links[("mirror", "public_url")].text()
    assert "<a" not in fake and "javascript:alert(1)" in fake
    assert panel.links[("mirror", "host_url")].text() == "—"
    error = panel.findChild(object, "published_error_mirror")
    assert error.text() == 'rclone: <b>403</b> "denied"' and error.isVisible()
    assert panel.findChild(object, "published_status_<img src=x>").text() == "announced"
    assert not panel.note.isVisible()
    panel.grab().save(str(artifacts / "editor-published-tab.png"))

    # Another talk opened meanwhile: a late answer for this one is dropped.
    panel.refresh()
    panel.show_episode(show.episodes[1].id)
    qtbot.waitUntil(lambda: panel.loads == 2)
    assert panel.rows == [] and panel.note.text() == "Reading…"


def test_the_tab_reads_again_when_a_talk_opens_and_after_a_save(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    ep = show.episodes[1]
    window, _prompts = open_editor(qtbot, engine)
    panel = window.form.published
    assert [window.form.tabText(i) for i in range(4)][3] == "Published"
    open_episode(qtbot, window, ep.id)
    qtbot.waitUntil(lambda: panel.loads >= 1 and panel.episode_id == ep.id)
    qtbot.waitUntil(lambda: panel.note.text() == NOTHING)

    # A worker publishes the talk while it is open; the next save reads it.
    publish(engine, show, ep.id, "tube", public_url="https://t.example/v/1")
    type_text(qtbot, window.form.lines["subtitle"], " again")
    loads = panel.loads
    window.save()
    qtbot.waitUntil(lambda: panel.loads > loads and bool(panel.rows))
    assert panel.links[("tube", "public_url")].text().startswith('<a href="https://t.example/v/1"')
