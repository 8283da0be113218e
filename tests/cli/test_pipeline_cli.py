"""`veyedesk pipeline …` as a user runs it: show_pipeline, set, public, settings, release."""

from __future__ import annotations

import json

from tests.cli.test_cli import ok, one_error_line, run
from tests.support.factory import ShowFixture
from veyedesk.db import make_engine, session_factory
from veyedesk.model import Episode

SHOW = ["--client", "pyconf", "--show", "pyconf_2026"]


def test_pipeline_prints_and_changes_a_show_s_states(db_url: str, show: ShowFixture) -> None:
    db = ["--db", db_url]
    table = ok(*db, "pipeline", *SHOW)
    lines = table.splitlines()
    assert lines[0] == "pyconf / pyconf_2026"
    assert lines[1].split() == ["state", "kind", "public", "talks", "held", "command"]
    edit = next(line for line in lines if line.startswith("edit "))
    assert edit.split() == ["edit", "person", str(len(show.episodes))]
    # post uploads unlisted; make public is the first public state (issue 19).
    assert next(line for line in lines if line.startswith("post ")).split() == [
        "post",
        "pass",
        "0",
    ]
    assert next(line for line in lines if line.startswith("make public ")).split() == [
        "make",
        "public",
        "pass",
        "public",
        "0",
    ]
    assert lines[-1] == "unknown publishes: no; review 2 timeout: never"

    # The only show: --client/--show may be left out, before or after the sub-command.
    out = ok(*db, "pipeline", "set", "review 2", "command", "true {emails}")
    assert out.strip() == "pyconf_2026: state 'review 2' is command runs: true {emails}"
    ok(*db, "pipeline", *SHOW, "public", "richard", "yes")
    ok(*db, "pipeline", "public", "post", "no", *SHOW)
    ok(*db, "pipeline", "settings", "--unknown-publishes", "yes", "--review-timeout-days", "10")
    rows = {r["state"]: r for r in json.loads(ok(*db, "pipeline", "--json"))}
    assert rows["review 2"]["kind"] == "command" and rows["review 2"]["command"] == "true {emails}"
    assert rows["richard"]["public"] is True and rows["post"]["public"] is False
    assert "unknown publishes: yes; review 2 timeout: 10 days" in ok(*db, "pipeline")

    assert "person, pass, command or publish" in ok(*db, "pipeline", "--help")
    bad = run(*db, "pipeline", "set", "post", "sometimes")
    assert bad.returncode == 2  # argparse: KIND must be person, pass, command or publish
    assert "needs its template" in one_error_line(run(*db, "pipeline", "set", "post", "command"))
    # A template whose words reach a shell (su -c) must shell-quote its values (issue 20).
    unquoted = run(*db, "pipeline", "set", "post", "command", "su -c 'upload {name}' video")
    assert "hands its arguments to a shell (su)" in one_error_line(unquoted)
    assert "{name!q}" in one_error_line(unquoted)
    assert "no state 'nope'" in one_error_line(run(*db, "pipeline", "set", "nope", "pass"))
    assert "no show 'x'" in one_error_line(
        run(*db, "pipeline", "--client", "pyconf", "--show", "x")
    )


def test_pipeline_release_sets_released_and_says_where_the_talk_is(
    db_url: str, show: ShowFixture
) -> None:
    db = ["--db", db_url]
    ep = show.episodes[0].id
    # A person moving a talk into a pass state: it walks on (post is not public) to review 1.
    out = ok(*db, "state", "set", str(ep), "push to queue")
    assert "edit -> push to queue (now in review 1)" in out
    assert "held" not in out
    # Review 2 approved: it stops before make public, the first public state.
    out = ok(*db, "state", "set", str(ep), "email")
    assert "(now in review 2)" in out
    no = ok(*db, "pipeline", "release", str(ep), "no")
    assert no.strip().endswith("released no, in review 2")
    refused = one_error_line(run(*db, "state", "set", str(ep), "make public"))
    assert "speaker refused release" in refused and "released to Yes" in refused
    yes = ok(*db, "pipeline", "release", str(ep), "yes")
    assert yes.strip().endswith("released yes, in review 2")
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        episode = session.get(Episode, ep)
        assert episode is not None and episode.released is True
    engine.dispose()
    assert "invalid choice: 'maybe'" in run(*db, "pipeline", "release", str(ep), "maybe").stderr
