"""A schedule pointing the editor at /dev/zero (title, speakers, URL, abstract) must not crash it.

Qt rich text renders `<img src="/dev/zero">` by reading the file until memory runs out;
the editor died with std::bad_alloc at every start, from the journal-restore prompt. The
editor runs as a child process with its address space capped, so a regression fails
this test quickly (instead of killing pytest or exhausting the machine's memory).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from tests.support.factory import make_show
from veyedesk.db import make_engine, session_factory
from veyedesk.model import Episode
from veyedesk.services.editing.draft import load_draft
from veyedesk.services.editing.journal import write_journal

ROOT = Path(__file__).resolve().parents[3]
ZERO = '<img src="/dev/zero">'
MEMORY_CAP = 3 * 1024**3  # bytes of address space: the editor needs far less than this


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def test_an_editor_shown_dev_zero_titles_and_abstracts_survives_and_reads_them_as_text(
    sqlite_url: str, tmp_path: Path, artifacts: Path
) -> None:
    engine = make_engine(sqlite_url)
    with session_factory(engine)() as session:
        episode_id = _hostile_show(session)
        base = load_draft(session, episode_id, "")
    mine = base.copy()
    mine.fields["name"] = f"{ZERO} (unsaved)"
    write_journal(sqlite_url, mine, base, f"ed {ZERO}")
    engine.dispose()
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.gui.hostile_child",
            sqlite_url,
            str(episode_id),
            str(artifacts),
        ],
        cwd=ROOT,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "child-config")},
        capture_output=True,
        text=True,
        timeout=240,
        preexec_fn=_cap_memory,
    )
    out = child.stdout
    assert child.returncode == 0, f"exit {child.returncode}: {out}{child.stderr[-3000:]}"
    assert "SURVIVED" in out.splitlines()
    assert f"PROMPT Unsaved edits of “{ZERO} (unsaved)” (episode {episode_id}) by ed {ZERO}" in out
    assert f"TITLE *{ZERO} (unsaved) — veyedesk" in out


def _hostile_show(session: Session) -> int:
    show = make_show(session, rooms=1, talks_per_room=2)
    episode = session.get(Episode, show.episodes[0].id)
    assert episode is not None
    episode.name = ZERO
    episode.authors = f"Ann {ZERO}"
    episode.description = f"![x](/dev/zero)\n\n{ZERO}\n\nWhy <template> matters"
    episode.conf_url = f"https://example.org/{ZERO}"
    session.commit()
    return episode.id
