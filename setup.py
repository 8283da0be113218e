"""Build hook: put `resources/` inside the wheel as `veyedesk/resources/`.

Everything else is in pyproject.toml. The resources (title and credits templates, the
icon, the desktop entry, AppStream metadata) stay at the top of the checkout, where
people edit them; an installed package finds them through `veyedesk.resource_files`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RESOURCES = Path(__file__).resolve().parent / "resources"


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "veyedesk" / "resources"
        # A file since removed from resources/ must not ride along from an earlier build.
        shutil.rmtree(target, ignore_errors=True)
        self.copy_tree(str(RESOURCES), str(target), preserve_mode=False)


setup(cmdclass={"build_py": BuildWithResources})
