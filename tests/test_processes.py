"""Processes start only where DESIGN says: the part of the layer rule import-linter cannot see.

import-linter checks modules (`subprocess`); Qt's QProcess and the os/asyncio spawners are
names inside modules every layer imports, so this test reads the source for them.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "veyedesk"

# module -> why it may start processes (beside media/, encode/run.py, jobs/commands.py,
# which import-linter already allows `subprocess` in).
ALLOWED = {
    "gui/editor/queue_panel.py": "the 'encode on this machine' toggle runs the worker (QProcess)",
}
SPAWNERS = {
    "QProcess",
    "system",
    "popen",
    "posix_spawn",
    "posix_spawnp",
    "spawnl",
    "spawnv",
    "spawnvp",
    "execv",
    "execvp",
    "execvpe",
    "create_subprocess_exec",
    "create_subprocess_shell",
    "startDetached",
}


def _spawns(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in SPAWNERS:
            found.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in SPAWNERS:
            found.add(node.attr)
        elif isinstance(node, ast.alias) and node.name.split(".")[-1] in SPAWNERS:
            found.add(node.name)
    return found


def test_only_the_allowed_modules_start_processes() -> None:
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name.startswith(("media/", "db/migrations/")) or name in (
            "encode/run.py",
            "jobs/commands.py",
        ):
            continue
        found = _spawns(ast.parse(path.read_text(encoding="utf-8")))
        if found and name not in ALLOWED:
            offenders[name] = sorted(found)
    assert offenders == {}, f"processes started outside their modules: {offenders}"


def test_the_scan_sees_a_qprocess() -> None:
    assert _spawns(ast.parse("from PySide6.QtCore import QProcess\np = QProcess()")) == {"QProcess"}
    assert _spawns(ast.parse("import os\nos.system('ls')")) == {"system"}
