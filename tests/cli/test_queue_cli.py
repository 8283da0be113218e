"""`veyedesk queue …`, `worker`, `state command` and `state set … encode`, as a user runs them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.cli.test_cli import ok, one_error_line, run
from tests.support.factory import ShowFixture, make_show
from veyedesk.db import make_engine, session_factory


def test_entering_encode_queues_a_job_and_the_queue_commands_manage_it(
    db_url: str, show: ShowFixture
) -> None:
    db = ["--db", db_url]
    ep = show.episodes[0].id
    out = ok(*db, "state", "set", str(ep), "encode")
    assert "edit -> encode" in out and "queued encode mp4" in out
    webm = ok(*db, "queue", "add", str(ep), "--profile", "webm", "--priority", "5")
    assert "queued for webm" in webm
    again = ok(*db, "queue", "add", str(ep))  # re-queueing mp4 replaces, never duplicates
    rows = json.loads(ok(*db, "queue", "list", "--json"))
    assert len(rows) == 2
    by_profile = {r["profile"]: r for r in rows}
    mp4_id, webm_id = by_profile["mp4"]["id"], by_profile["webm"]["id"]
    assert f"job {mp4_id}:" in again
    assert rows[0]["id"] == webm_id  # higher priority first
    assert {"status", "progress", "speed", "eta_seconds", "worker", "attempts", "error"} <= set(
        rows[0]
    )
    assert by_profile["mp4"]["status"] == "queued" and by_profile["mp4"]["attempts"] == 0

    assert "cancelled" in ok(*db, "queue", "cancel", str(mp4_id))
    assert "only queued or running" in one_error_line(run(*db, "queue", "cancel", str(mp4_id)))
    assert "queued again" in ok(*db, "queue", "retry", str(mp4_id))
    assert "only failed or cancelled" in one_error_line(run(*db, "queue", "retry", str(mp4_id)))
    assert "no job with id 999" in one_error_line(run(*db, "queue", "cancel", "999"))
    assert "no episode with id 12345" in one_error_line(run(*db, "queue", "add", "12345"))
    assert "no encode profile 'nope'" in one_error_line(
        run(*db, "queue", "add", str(ep), "--profile", "nope")
    )
    table = ok(*db, "queue", "list")
    assert table.splitlines()[0].split()[:4] == ["id", "status", "episode", "profile"]
    assert "0/3" in table


def test_state_command_sets_shows_and_refuses_bad_templates(sqlite_url: str) -> None:
    db = ["--db", sqlite_url]
    assert "no command (manual)" in ok(*db, "state", "command", "post")
    out = ok(*db, "state", "command", "post", "my-upload --title {name} '{output}'")
    assert "my-upload --title '{name}' '{output}'" in out
    assert ok(*db, "state", "command", "post").strip() == "my-upload --title {name} '{output}'"
    bad = one_error_line(run(*db, "state", "command", "post", "rsync {outptu} host:"))
    assert "{outptu}" in bad and "{output}" in bad
    assert "check the quotes" in one_error_line(run(*db, "state", "command", "post", "a 'b"))
    assert "no state 'nope'" in one_error_line(run(*db, "state", "command", "nope", "true"))
    assert "manual now" in ok(*db, "state", "command", "post", "")
    assert "no command (manual)" in ok(*db, "state", "command", "post")


def test_a_worker_runs_a_state_command_queued_by_state_set(sqlite_url: str, tmp_path: Path) -> None:
    db = ["--db", sqlite_url]
    engine = make_engine(sqlite_url)
    with session_factory(engine)() as session:
        episode = make_show(session).episodes[0]
        session.commit()
    engine.dispose()
    calls = tmp_path / "calls.json"
    script = tmp_path / "notify.py"
    script.write_text(
        f"import json, sys\nopen({str(calls)!r}, 'w').write(json.dumps(sys.argv[1:]))\n",
        encoding="utf-8",
    )
    ok(*db, "state", "command", "email", f"{sys.executable} {script} {{emails}} {{name}}")
    out = ok(*db, "state", "set", str(episode.id), "email")
    assert "queued command email" in out
    result = run(*db, "worker", "--once", "--poll-seconds", "0.1")
    assert result.returncode == 0, result.stderr
    assert "event=claimed" in result.stderr and "event=done" in result.stderr
    assert json.loads(calls.read_text(encoding="utf-8")) == [episode.emails, episode.name]
    rows = json.loads(ok(*db, "queue", "list", "--json", "--status", "done"))
    assert [r["profile"] for r in rows] == ["email"]
    assert rows[0]["episode_state"] == "review 2"


def test_worker_flags_are_checked(sqlite_url: str) -> None:
    db = ["--db", sqlite_url]
    assert "--concurrency" in one_error_line(run(*db, "worker", "--concurrency", "0"))
    assert "no encode profile 'x'" in one_error_line(run(*db, "worker", "--profile", "x"))
    idle = run(*db, "worker", "--once")
    assert idle.returncode == 0
    assert "event=started" in idle.stderr and "event=stopped" in idle.stderr
