"""GUI tests keep their pictures in pytest's tmp_path (or tests/artifacts), never in /tmp.

Fixed names in the system temp folder collide between parallel runs and users, and pile
up there; `tmp_path` is per test and cleaned by pytest.
"""

from __future__ import annotations

import ast
from pathlib import Path

GUI_TESTS = Path(__file__).resolve().parent
TEMP = "/" + "tmp/"  # spelled apart so this file does not find itself


def test_no_gui_test_writes_to_the_system_temp_folder() -> None:
    offenders = []
    for path in sorted(GUI_TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.startswith(TEMP)
            ):
                offenders.append(f"{path.relative_to(GUI_TESTS)}:{node.lineno}: {node.value!r}")
    assert offenders == []
