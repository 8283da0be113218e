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
