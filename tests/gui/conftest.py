"""GUI tests: a real window on pytest-xvfb's virtual screen; screenshots go to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from veyedesk.gui.app import make_application

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def qapp() -> QApplication:  # overrides pytest-qt's, so our attributes and LC_NUMERIC apply
    return make_application(["veyedesk-tests"])


@pytest.fixture(autouse=True)
def _isolated_qsettings(tmp_path: Path) -> Iterator[None]:
    """Window layout and last show are stored per test, not in the developer's settings."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    yield


@pytest.fixture
def artifacts() -> Path:
    """Folder for screenshots a person should look at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
