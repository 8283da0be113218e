"""`client|show|room list|show|set`, `room retime`, `episode add|set|…|delete`, `user disable|…`.

Each command as a user runs it, and each bad value: one clear line, exit 1, nothing written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.cli.test_cli import ok, one_error_line, run
from tests.support.factory import make_show
from veyedesk.db import make_engine, open_database, session_factory
from veyedesk.model import AuditEntry, Episode, Location, RawFile, Show, User


@pytest.fixture
def db(tmp_path: Path) -> Iterator[list[str]]:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = open_database(url)
    with session_factory(engine)() as s, s.begin():
        make_show(s)
    engine.dispose()
    yield ["--db", url]


def _read(db: list[str], stmt):
    engine = make_engine(db[1])
    try:
        with session_factory(engine)() as s:
            return s.execute(stmt).all()
    finally:
        engine.dispose()


SHOW = ["--client", "pyconf", "--show", "pyconf_2026"]


def test_hyphenated_slugs_are_accepted_everywhere(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'h.db'}"]
    ok(*db, "client", "add", "--client", "pretalx-org")
    ok(*db, "show", "add", "--client", "pretalx-org", "--show", "pretalx-democon")
    ok(*db, "room", "add", "--client", "pretalx-org", "--show", "pretalx-democon", "hall-a")
    line = one_error_line(run(*db, "show", "add", "--client", "pretalx-org", "--show", "a b"))
    assert "show slug 'a b' must be letters, digits, _ and - only (try 'a_b')" in line


def test_show_settings_list_show_set_and_bad_values(db: list[str], tmp_path: Path) -> None:
    assert "pyconf" in ok(*db, "client", "list")
    assert json.loads(ok(*db, "show", "list", "--client", "pyconf", "--json"))[0]["slug"] == (
        "pyconf_2026"
    )
    out = ok(*db, "show", "set", *SHOW, "timezone=Europe/Brussels", f"raw_root={tmp_path}")
    assert "timezone: '' -> 'Europe/Brussels'" in out
    shown = json.loads(ok(*db, "show", "show", *SHOW, "--json"))
    assert shown["timezone"] == "Europe/Brussels" and shown["raw_root"] == str(tmp_path)
    for bad, message in (
        (["timezone=Mars/Base"], "show timezone 'Mars/Base' is not a time zone"),
        (["raw_root=/no/such"], "show raw_root '/no/such': no such folder"),
        (["conf_url=gopher://x"], "is not an http(s) URL"),
        (["name=New", "nonsense"], "'nonsense' is not FIELD=VALUE"),
        (["colour=red"], "a show has no setting 'colour'"),
    ):
        assert message in one_error_line(run(*db, "show", "set", *SHOW, "name=Changed", *bad))
    assert _read(db, select(Show.name, Show.timezone)) == [("Pyconf 2026", "Europe/Brussels")]


def test_client_and_room_settings(db: list[str], tmp_path: Path) -> None:
    broken = tmp_path / "t.svg"
    broken.write_text("not svg", encoding="utf-8")
    line = one_error_line(run(*db, "client", "set", "--client", "pyconf", f"title_svg={broken}"))
    assert "client title_svg" in line and "does not render" in line
    ok(*db, "client", "set", "--client", "pyconf", "license=CC BY 4.0", "tags=python")
    assert "CC BY 4.0" in ok(*db, "client", "show", "--client", "pyconf")
    ok(*db, "room", "set", *SHOW, "room_a", "channelcopy=m", "sequence=5", "active=no")
    line = one_error_line(run(*db, "room", "set", *SHOW, "room_a", "sequence=first"))
    assert "room sequence 'first' is not a whole number" in line
    assert "room retime" in one_error_line(
        run(*db, "room", "set", *SHOW, "room_a", "hours_offset=2")
    )
    rows = json.loads(ok(*db, "room", "list", *SHOW, "--json"))
    assert [r["slug"] for r in rows] == ["room_b", "room_a"]  # sequence orders rooms
    assert _read(db, select(Location.channelcopy, Location.active).where(Location.slug == "room_a"))
    assert _read(db, select(Location.channelcopy).where(Location.slug == "room_a")) == [("m",)]


def test_room_retime_previews_then_moves_with_yes(db: list[str]) -> None:
    before = _read(db, select(RawFile.start).order_by(RawFile.id))
    preview = ok(*db, "room", "retime", *SHOW, "room_a", "-1")
    assert "hours_offset 0 -> -1" in preview and "add --yes" in preview
    assert _read(db, select(RawFile.start).order_by(RawFile.id)) == before
    assert "out of range" in one_error_line(
        run(*db, "room", "retime", *SHOW, "room_a", "99", "--yes")
    )
    ok(*db, "room", "retime", *SHOW, "room_a", "-1", "--yes")
    after = _read(db, select(RawFile.start).order_by(RawFile.id))
    assert after != before
    assert _read(db, select(Location.hours_offset).where(Location.slug == "room_a")) == [(-1,)]


def test_episode_add_set_split_move_delete(db: list[str]) -> None:
    out = ok(
        *db,
        "episode",
        "add",
        *SHOW,
        "--room",
        "room_a",
        "--start",
        "2026-02-01 09:10",
        "--duration",
        "5m",
        "Lightning talks",
    )
    new_id = int(out.split()[1])
    for bad, message in (
        (["--duration", "forever"], "duration 'forever' is not a length"),
        (["--start", "noon"], "start 'noon' is not a time"),
        (["--room", "attic"], "no room 'attic'"),
    ):
        args = {"--room": "room_a", "--start": "2026-02-01 09:10", "--duration": "5m"}
        args[bad[0]] = bad[1]
        flat = [x for kv in args.items() for x in kv]
        assert message in one_error_line(run(*db, "episode", "add", *SHOW, *flat, "X"))
    ok(*db, "episode", "set", str(new_id), "slug=lightning-1", "stop=yes", "sequence=9")
    assert "taken in this show" in one_error_line(
        run(*db, "episode", "set", "1", "slug=LIGHTNING-1")
    )
    assert "slug 'a b'" in one_error_line(run(*db, "episode", "set", "1", "slug=a b"))
    assert "split off" in ok(*db, "episode", "split", "1", "--at", "2026-02-01 09:15")
    assert "in room room_b" in ok(*db, "episode", "move", str(new_id), "room_b")
    ok(*db, "episode", "duplicate", "2", "--name", "Encore")
    count = _read(db, select(func.count()).select_from(Episode))
    assert "no room 'attic'" in one_error_line(run(*db, "episode", "move", "2", "attic"))
    assert "is not inside episode 2" in one_error_line(
        run(*db, "episode", "split", "2", "--at", "2030-01-01 00:00")
    )
    assert "--at 'soon' is not a time" in one_error_line(
        run(*db, "episode", "split", "2", "--at", "soon")
    )
    assert "an episode has no admin setting 'name'" in one_error_line(
        run(*db, "episode", "set", "2", "name=X")
    )
    assert _read(db, select(func.count()).select_from(Episode)) == count
    assert "no episode with id 999" in one_error_line(run(*db, "episode", "delete", "999"))
    ok(*db, "episode", "delete", str(new_id))
    assert _read(db, select(Episode.id).where(Episode.id == new_id)) == []
    assert _read(
        db,
        select(AuditEntry.action, AuditEntry.target).where(AuditEntry.action == "episode delete"),
    ) == [("episode delete", f"{new_id} lightning-1")]


def test_user_disable_enable_role(db: list[str]) -> None:
    env = {"VEYEDESK_PASSWORD": "boss-password"}
    ok(*db, "user", "add", "boss", "--role", "admin", "--password-stdin", stdin="boss-password\n")
    ok(
        *db,
        "--user",
        "boss",
        "user",
        "add",
        "ed",
        "--role",
        "editor",
        "--password-stdin",
        stdin="ed-password\n",
        env=env,
    )
    ok(*db, "--user", "boss", "user", "disable", "ed", env=env)
    refused = one_error_line(
        run(*db, "--user", "ed", "episodes", *SHOW, env={"VEYEDESK_PASSWORD": "ed-password"})
    )
    assert "wrong user name or password" in refused
    assert "own login" in one_error_line(
        run(*db, "--user", "boss", "user", "disable", "boss", env=env)
    )
    assert "only enabled admin" in one_error_line(
        run(*db, "--user", "boss", "user", "role", "boss", "editor", env=env)
    )
    assert run(*db, "--user", "boss", "user", "role", "ed", "god", env=env).returncode == 2
    ok(*db, "--user", "boss", "user", "enable", "ed", env=env)
    ok(*db, "--user", "boss", "user", "role", "ed", "reviewer", env=env)
    assert _read(db, select(User.name, User.role, User.active).order_by(User.name)) == [
        ("boss", "admin", True),
        ("ed", "reviewer", True),
    ]
    # A reviewer may not change settings: one line, nothing written.
    line = one_error_line(
        run(
            *db,
            "--user",
            "ed",
            "show",
            "set",
            *SHOW,
            "name=X",
            env={"VEYEDESK_PASSWORD": "ed-password"},
        )
    )
    assert "may not admin" in line
    assert _read(db, select(func.count()).select_from(Show).where(Show.name == "X")) == [(0,)]


def test_room_retime_and_set_touch_only_the_named_shows_room(tmp_path: Path) -> None:
    """Issue 19: `room retime --client other --show o26 ...` used to move pyconf's room too."""
    url = f"sqlite:///{tmp_path / 'two.db'}"
    engine = open_database(url)
    with session_factory(engine)() as s, s.begin():
        make_show(s)
        make_show(s, client="other", show="o26")  # its own room_a, same file names
    engine.dispose()
    db = ["--db", url]
    pyconf = select(Location.id).join(Show).where(Show.slug == "pyconf_2026")
    mine = select(Location.name, Location.hours_offset).where(Location.id.in_(pyconf))
    mine_raws = select(RawFile.start).where(RawFile.location_id.in_(pyconf)).order_by(RawFile.id)
    before = _read(db, mine), _read(db, mine_raws)
    other = ["--client", "other", "--show", "o26"]
    out = ok(*db, "room", "retime", *other, "room_a", "3", "--yes")
    assert "room room_a of show other/o26: hours_offset 0 -> 3" in out
    out = ok(*db, "room", "set", *other, "room_a", "name=Saal Eins")
    assert "room room_a of show other/o26" in out
    assert (_read(db, mine), _read(db, mine_raws)) == before
    theirs = select(Location.name, Location.hours_offset).join(Show).where(Show.slug == "o26")
    assert sorted(_read(db, theirs)) == [("Room B", 0), ("Saal Eins", 3)]
    targets = _read(db, select(AuditEntry.target).order_by(AuditEntry.id))
    assert targets == [("other/o26/room_a",), ("other/o26/room_a",)]
