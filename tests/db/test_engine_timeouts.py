"""PostgreSQL connections notice a vanished server and never run one statement for ever."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from veyedesk.config import load_settings
from veyedesk.db import make_engine

pytestmark = pytest.mark.postgres


def _parameters(engine) -> dict[str, str]:
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver is not None
        return dict(driver.info.get_parameters())


def test_connections_get_keepalives_and_a_statement_timeout(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        found = _parameters(engine)
        assert found["keepalives"] == "1" and int(found["keepalives_idle"]) > 0
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "1min"
    finally:
        engine.dispose()


def test_a_statement_running_past_the_timeout_is_stopped(pg_url: str) -> None:
    engine = make_engine(pg_url, statement_timeout=0.2)
    try:
        with pytest.raises(OperationalError, match="statement timeout"), engine.connect() as conn:
            conn.execute(text("SELECT pg_sleep(30)"))
    finally:
        engine.dispose()
    unlimited = make_engine(pg_url, statement_timeout=0)
    try:
        with unlimited.connect() as conn:  # `db upgrade`: a migration may take long
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "0"
    finally:
        unlimited.dispose()


def test_the_urls_own_options_are_kept(pg_url: str) -> None:
    engine = make_engine(pg_url + "&options=-c%20application_name%3Dcrew")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW application_name")).scalar() == "crew"
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "1min"
    finally:
        engine.dispose()


def test_the_timeout_is_a_setting() -> None:
    settings = load_settings(env={"VEYEDESK_DB_STATEMENT_TIMEOUT_SECONDS": "90"})
    assert settings.db_statement_timeout_seconds == 90.0
    assert load_settings(env={}).db_statement_timeout_seconds == 60.0
