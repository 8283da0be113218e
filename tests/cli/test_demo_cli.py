import pytest
from sqlalchemy import func, select

from veyedesk.cli import main, parse
from veyedesk.db import make_engine, session_factory
from veyedesk.model import Episode


def test_demo_command_creates_the_show_once(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", db_url, "demo", "--no-window", "--file-seconds", "3"]) == 0
    out, err = capsys.readouterr()
    assert "demo show created: 8 talks, 6 recordings" in out
    assert "recording 6/6" in err
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Episode)) == 8
    engine.dispose()
    assert main(["--db", db_url, "demo", "--no-window", "--file-seconds", "3"]) == 1
    assert "veyedesk: error: the demo show exists" in capsys.readouterr().err


def test_demo_without_flag_asks_for_the_editor_window() -> None:
    assert parse(["demo"]).gui == "editor"
    assert parse(["demo", "--no-window"]).gui is None
