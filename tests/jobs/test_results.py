"""Results written back: `veyedesk: public_url=…` lines of a state command land on the talk."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from hypothesis import given, strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.config import Settings
from veyedesk.jobs import state_moves
from veyedesk.jobs.commands import OUTPUT_TAIL_BYTES, run_command
from veyedesk.jobs.engine import writer_engine
from veyedesk.jobs.results import parse_results
from veyedesk.jobs.worker import WorkerOptions, default_handlers, run_worker
from veyedesk.model import Log, ShowState
from veyedesk.model.kinds import LogKind
from veyedesk.services.episodes import get_state

USER = "encoder@test"


def test_result_lines_are_read_checked_and_the_rest_ignored() -> None:
    results = parse_results(
        [
            "uploading…",
            "veyedesk: host_url=https://tube.example/watch?v=abc",
            "veyedesk: public_url=javascript:alert(1)",
            "veyedesk: thumbnail=https://cdn.example/t.jpg\r",
            "veyedesk: colour=blue",
            "veyedesk: nonsense",
            "  veyedesk: public_url=https://indented.example/ignored",
            "veyedesk: public_url=https://videos.example/a%20b.mp4",
        ]
    )
    assert results.values == {
        "host_url": "https://tube.example/watch?v=abc",
        "thumbnail": "https://cdn.example/t.jpg",
        "public_url": "https://videos.example/a%20b.mp4",
    }
    assert len(results.problems) == 3
    assert "not an http(s) URL" in results.problems[0]
    assert "colour" in results.problems[1] and "nonsense" in results.problems[2]


@given(st.text(max_size=600))
def test_any_value_is_stored_only_as_plain_text_within_the_column(value: str) -> None:
    results = parse_results([f"veyedesk: thumbnail={value}"])
    for stored in results.values.values():
        assert len(stored) <= 500
        assert not any(ord(c) < 32 or ord(c) == 127 for c in stored)


def test_result_lines_are_found_anywhere_in_long_output() -> None:
    # The first line, then far more than the kept tail of output, then one with no newline.
    script = (
        "import sys\n"
        "print('veyedesk: host_url=https://first.example/x')\n"
        f"sys.stdout.write('y' * {3 * OUTPUT_TAIL_BYTES} + '\\n')\n"
        "sys.stdout.write('veyedesk: public_url=https://last.example/y')\n"
    )
    lines: list[str] = []
    run_command([sys.executable, "-c", script], threading.Event(), result_lines=lines)
    assert lines == [
        "veyedesk: host_url=https://first.example/x",
        "veyedesk: public_url=https://last.example/y",
    ]


def test_the_worker_stores_results_on_the_talk_with_a_log_row(
    db_url: str, session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    script = tmp_path / "upload.py"
    script.write_text(
        "import sys\n"
        "print('uploaded', sys.argv[1])\n"
        "print('veyedesk: host_url=https://tube.example/watch?v=' + sys.argv[1])\n"
        "print('veyedesk: public_url=ftp://nope.example/x')\n",
        encoding="utf-8",
    )
    episode = show.episodes[0]
    post = get_state(session, "post")
    session.add(
        ShowState(
            show_id=episode.show_id,
            state_id=post.id,
            kind="command",
            command=f"{sys.executable} {script} {{slug}}",
            public=False,
        )
    )
    state_moves.enter_state(session, episode, post, USER, "mp4")
    session.commit()
    engine = writer_engine(db_url)
    try:
        run_worker(
            engine,
            Settings(db=db_url, user=USER, worker_commands=(sys.executable,)),
            default_handlers(),
            WorkerOptions(once=True, poll_seconds=0.1),
            name="test:1",
        )
    finally:
        engine.dispose()
    session.expire_all()
    assert episode.host_url == f"https://tube.example/watch?v={episode.slug}"
    assert episode.public_url == ""  # refused: not http(s)
    (row,) = session.scalars(
        select(Log).where(Log.episode_id == episode.id, Log.kind == LogKind.RESULT)
    ).all()
    assert row.state is not None and row.state.slug == "post"
    assert row.result == (
        f"post wrote back host_url=https://tube.example/watch?v={episode.slug}; "
        "ignored: public_url 'ftp://nope.example/x' is not an http(s) URL"
    )
    # The talk moved on after its command (richard passes, review 1 waits for a person).
    assert episode.state is not None and episode.state.slug == "review 1"
