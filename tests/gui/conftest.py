"""GUI tests: a real window on pytest-xvfb's virtual screen; screenshots go to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from veyedesk.gui.app import make_application

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

# Every Qt wait that fails the test when it runs out gets at least this long. A loaded
# 2-core CI machine can take many seconds to open media, decode or paint, and a wait that
# gives up at pytest-qt's 5 s default fails a test that was only slow (or, for "this never
# happens" checks, misses a late regression). Waits still end the moment their condition
# holds, so a generous deadline costs a passing test nothing.
QT_WAIT_MS = 60_000
_QT_WAITS = ("waitUntil", "waitSignal", "waitSignals", "waitCallback", "waitExposed", "waitActive")


@pytest.fixture(scope="session")
def qapp() -> QApplication:  # overrides pytest-qt's, so our attributes and LC_NUMERIC apply
    return make_application(["veyedesk-tests"])


@pytest.fixture(scope="session", autouse=True)
def _generous_qt_waits() -> Iterator[None]:
    from pytestqt.qtbot import QtBot

    patch = pytest.MonkeyPatch()
    for name in _QT_WAITS:
        original = getattr(QtBot, name)

        def generous(self: QtBot, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            if kwargs.get("raising", True) is not False:
                kwargs["timeout"] = max(int(kwargs.get("timeout", 0)), QT_WAIT_MS)
            return __original(self, *args, **kwargs)

        patch.setattr(QtBot, name, generous)
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _isolated_qsettings(tmp_path: Path) -> Iterator[None]:
    """Window layout and last show are stored per test, not in the developer's settings."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    yield


@pytest.fixture(autouse=True)
def _isolated_publish_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Show settings ▸ Publishing reads this machine's publish secrets: a file per test
    (veyedesk.publish.secrets' VEYEDESK_SECRETS), never the developer's keyring."""
    path = tmp_path / "publish-secrets.json"
    monkeypatch.setenv("VEYEDESK_SECRETS", str(path))
    return path


@pytest.fixture
def artifacts() -> Path:
    """Folder for screenshots a person should look at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
