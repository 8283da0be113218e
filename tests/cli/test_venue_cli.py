"""`veyedesk venue …` on the command line (the services are tested in tests/services/venue)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.services.venue.support import dump, seed_shared, sqlite
from veyedesk.cli import main


def test_venue_checkout_cli(
    db_url: str, session: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_shared(session)
    out = tmp_path / "venue.db"
    code = main(
        [
            "venue",
            "checkout",
            "--from",
            db_url,
            "--client",
            "pyconf",
            "--show",
            "pyconf_2026",
            "--room",
            "room_b",
            "-o",
            str(out),
            "--machine",
            "hall-laptop",
        ]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "locked 3 talks" in printed.out
    mine = dump(sqlite(out))
    assert len(mine["episode"]) == 3
    # The copy opens like any database: the CLI lists its talks, which keep their ids.
    assert (
        main(
            [
                "--db",
                f"sqlite:///{out}",
                "episodes",
                "--client",
                "pyconf",
                "--show",
                "pyconf_2026",
                "--json",
            ]
        )
        == 0
    )
    listed = capsys.readouterr().out
    assert listed.count("Room B") >= 3 and "Room A" not in listed
    code = main(
        [
            "venue",
            "checkout",
            "--from",
            db_url,
            "--client",
            "pyconf",
            "--show",
            "nope",
            "-o",
            str(tmp_path / "x.db"),
        ]
    )
    assert code == 1
    assert "no show 'nope'" in capsys.readouterr().err


def test_venue_sync_export_apply_cli(
    db_url: str, session: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import Engine

    from tests.services.venue.support import edit

    fixture = seed_shared(session)
    talk = fixture.episodes[0].uuid
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    out = tmp_path / "venue.db"
    base = ["venue", "checkout", "--from", db_url, "--client", "pyconf", "--show", "pyconf_2026"]
    assert main([*base, "-o", str(out)]) == 0
    local = f"sqlite:///{out}"
    edit(sqlite(out), talk, name="Here")
    edit(engine, talk, name="There")
    capsys.readouterr()
    assert main(["--db", local, "venue", "sync", "--dry-run"]) == 1
    printed = capsys.readouterr().out
    assert "would push" in printed and "name: was" in printed and "1 conflict(s)" in printed
    assert main(["--db", local, "venue", "conflicts", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"  # a dry run records nothing
    assert main(["--db", local, "venue", "sync"]) == 1
    capsys.readouterr()
    assert main(["--db", local, "venue", "conflicts"]) == 0
    assert "Here" in capsys.readouterr().out
    assert main(["--db", local, "venue", "sync", "--prefer", "sideways"]) == 1
    assert "say mine or theirs" in capsys.readouterr().err
    assert main(["--db", local, "venue", "sync", "--prefer", "mine", "name"]) == 0
    assert dump(engine)["episode"][talk]["name"] == "Here"
    edit(sqlite(out), talk, comment="offline note")
    vdz = tmp_path / "day1.vdz"
    assert main(["--db", local, "venue", "export-changes", "-o", str(vdz)]) == 0
    assert main(["--db", db_url, "venue", "apply", str(vdz)]) == 0
    assert dump(engine)["episode"][talk]["comment"] == "offline note"
    assert main(["--db", db_url, "venue", "sync"]) == 1
    assert "not a venue copy" in capsys.readouterr().err


def test_venue_sync_says_which_sheet_files_still_need_a_copy(
    db_url: str, session: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    from sqlalchemy import select

    from tests.support.stills import make_sheet
    from veyedesk.db import session_factory
    from veyedesk.model import Location, Show
    from veyedesk.services.admin.sheets import import_sheets
    from veyedesk.services.identity import Identity

    fixture = seed_shared(session)
    fixture.show.raw_root = str(tmp_path / "share")  # not mounted on this laptop
    session.commit()
    out = tmp_path / "venue.db"
    base = ["venue", "checkout", "--from", db_url, "--client", "pyconf", "--show", "pyconf_2026"]
    assert main([*base, "-o", str(out)]) == 0
    with session_factory(sqlite(out))() as s, s.begin():
        show = s.scalars(select(Show)).one()
        show.raw_root = str(tmp_path / "laptop")
        room = s.scalars(select(Location).where(Location.slug == "room_a")).one()
        photo = make_sheet(tmp_path / "in" / "scan1.jpg")
        import_sheets(s, Identity("ed", "editor"), show, room, date(2026, 2, 1), [photo], "")
    capsys.readouterr()
    assert main(["--db", f"sqlite:///{out}", "venue", "sync"]) == 0
    printed = capsys.readouterr().out
    assert "sheet sheets/room_a/2026-02-01/scan1.jpg still needs a copy" in printed
    assert "1 sheet file(s) still need a copy to the shared show folder" in printed
