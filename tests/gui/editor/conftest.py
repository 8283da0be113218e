"""Fixtures of the editor tests: the demo show on real generated recordings."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.gui.editor_support import DEMO_PLAN
from veyedesk.model import Episode
from veyedesk.services.demo import create_demo


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Recordings rendered once per test module; each test's database points at them."""
    return tmp_path_factory.mktemp("demo")


@pytest.fixture
def demo(session: Session, demo_media: Path) -> list[int]:
    """The demo show's talk ids, room by room in time order."""
    create_demo(session, demo_media, DEMO_PLAN)
    session.commit()
    return list(session.scalars(select(Episode.id).order_by(Episode.location_id, Episode.start)))
