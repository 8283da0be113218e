import os
import select
import signal
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from tests.gui.editor_support import ScriptedPrompts, open_editor
from tests.support.factory import ShowFixture
from veyedesk.db import session_factory
from veyedesk.model import Episode
from veyedesk.services.editing.journal import pending_journals

ROOT = Path(__file__).resolve().parents[3]


def test_a_killed_editor_offers_its_unsaved_edit_on_the_next_start(
    qtbot: QtBot, engine: Engine, show: ShowFixture, tmp_path: Path
) -> None:
    ep = show.episodes[2]
    url = engine.url.render_as_string(hide_password=False)
    title = 'Typed, then the power went: "ouch" \\ 100%'
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "child-config")}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.gui.journal_child", url, str(ep.id), title],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        # Wait (bounded, so a stuck child fails the test instead of hanging it) for READY.
        ready, _, _ = select.select([child.stdout], [], [], 180)
        line = child.stdout.readline() if ready else ""
        assert line.strip() == "READY", child.stderr.read() if child.stderr else ""
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    with session_factory(engine)() as s:
        row = s.get(Episode, ep.id)
        assert row is not None and row.name != title  # never saved…
        assert row.locked_by == "ed@laptop"  # …and its lock is left behind
    [entry] = pending_journals(url)
    assert entry.name == title

    prompts = ScriptedPrompts()
    prompts.restore_answer = "restore"
    window, _ = open_editor(qtbot, engine, prompts=prompts)
    qtbot.waitUntil(lambda: window.editing.episode_id == ep.id, timeout=10000)
    assert prompts.asked[0] == f"restore: {title}"
    doc = window.editing.document
    assert doc is not None and doc.unsaved and not doc.read_only  # same user: lock renewed
    assert window.form.lines["name"].text() == title
    assert window.windowTitle().startswith("*")
    window.save()
    qtbot.waitUntil(lambda: not window.windowTitle().startswith("*"), timeout=10000)
    with session_factory(engine)() as s:
        row = s.get(Episode, ep.id)
        assert row is not None and row.name == title
    # The journal is deleted on the journal thread just after the save: wait, not race.
    qtbot.waitUntil(lambda: pending_journals(url) == [], timeout=10000)


def test_discarding_the_offer_deletes_the_journal(
    qtbot: QtBot, engine: Engine, show: ShowFixture
) -> None:
    from veyedesk.services.editing.draft import load_draft
    from veyedesk.services.editing.journal import write_journal

    url = engine.url.render_as_string(hide_password=False)
    with session_factory(engine)() as s:
        base = load_draft(s, show.episodes[0].id, "")
    mine = base.copy()
    mine.fields["name"] = "Not wanted"
    write_journal(url, mine, base, "ed@laptop")
    prompts = ScriptedPrompts()
    prompts.restore_answer = "discard"
    window, _ = open_editor(qtbot, engine, prompts=prompts)
    qtbot.waitUntil(lambda: bool(prompts.asked), timeout=10000)
    assert prompts.asked == ["restore: Not wanted"]
    assert pending_journals(url) == [] and window.editing.document is None
