"""The installed PySide6 must not leak references to None (PySide6 6.12.0 on CPython 3.11 does).

PySide6-Essentials 6.12.0 drops one reference to None on every call of a void-returning
Qt method (`setText`, `update`, `resize`, the static `processEvents`, ...). On CPython
3.11, where None is not immortal, a process that makes about as many such calls as None
has references (some 40,000 in the editor) aborts with "Fatal Python error: none_dealloc":
bench/editor.py did at exit, and an editor playing video updates labels 30 times a second.
The pin in pyproject.toml keeps 6.12.0 out; this test keeps it out if the pin moves.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QLabel

CALLS = 5000


def test_void_qt_calls_keep_none_alive(qapp: QApplication) -> None:
    label = QLabel()
    before = sys.getrefcount(None)
    for n in range(CALLS):
        label.setText(str(n))
        label.update()
        QCoreApplication.processEvents()
    lost = before - sys.getrefcount(None)
    assert lost < CALLS // 10, f"{lost} references to None lost in {3 * CALLS} Qt calls"
