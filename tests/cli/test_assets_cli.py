"""`veyedesk assets … -o DIR`, then `veyedesk --venue DIR …` on the folder it wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.support.raw_day import make_clips, make_raw_day
from veyedesk.cli import main
from veyedesk.model import Cut, Episode, RawFile


@pytest.mark.media
def test_assets_then_venue_folder_on_the_command_line(
    db_url: str,
    session: Session,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clips = make_clips(tmp_path / "clips", count=2, seconds=6.0)
    day = make_raw_day(session, tmp_path / "raw", clips, seconds=6.0, gap=0.0)
    episode = session.get(Episode, day.episode_id)
    first, second = (session.get(RawFile, i) for i in day.raw_file_ids)
    session.add(Cut(episode=episode, raw_file=first, sequence=1, start=4.0))
    session.add(Cut(episode=episode, raw_file=second, sequence=2, end=1.0))
    session.commit()
    monkeypatch.setenv("VEYEDESK_RAW_ROOT", str(day.root))
    out = tmp_path / "to-go"
    code = main(["--db", db_url, "assets", str(day.episode_id), "-o", str(out), "--margin", "1"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "2 segments" in printed.out and "locked 1 talks" in printed.out
    assert f"veyedesk --venue {out.resolve()}" in printed.out
    assert (out / "venue.db").is_file() and (out / "assets.json").is_file()
    # The folder is a database like any other: the CLI lists its one talk, same id.
    code = main(
        ["--venue", str(out), "episodes", "--client", "pyconf", "--show", "pyconf_2026", "--json"]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert [row["id"] for row in json.loads(printed.out)] == [day.episode_id]
    # A second run into the same folder is refused; nothing is overwritten.
    code = main(["--db", db_url, "assets", str(day.episode_id), "-o", str(out)])
    assert code == 1
    assert "already holds venue.db" in capsys.readouterr().err
    code = main(["--venue", str(tmp_path / "nope"), "episodes", "--client", "c", "--show", "s"])
    assert code == 1
    assert "does not exist" in capsys.readouterr().err
