"""The wheel `pip install .` / `pipx install .` builds carries what an installed veyedesk needs.

Builds the wheel of this checkout, installs it (without dependencies) into a fresh venv
and asks the installed package where its resources are.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tracked_copy(target: Path) -> Path:
    """The checkout's tracked files copied to `target`: setuptools writes `build/` and
    `*.egg-info` beside the sources it builds, and the checkout must stay as it was."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted in the work tree but not yet in git is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    source = _tracked_copy(tmp_path_factory.mktemp("source"))
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    (found,) = out.glob("veyedesk-*.whl")
    return found


def test_the_wheel_carries_resources_migrations_and_the_entry_point(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        scripts = z.read(entry_points).decode()
    resources = {p.relative_to(ROOT / "resources").as_posix()
                 for p in (ROOT / "resources").rglob("*") if p.is_file()}  # fmt: skip
    assert {f"veyedesk/resources/{r}" for r in resources} <= names
    assert {"title.svg", "credits.svg", "icons/veyedesk.svg", "veyedesk.desktop"} <= resources
    assert "veyedesk/db/migrations/versions/0001_initial.py" in names
    assert "veyedesk = veyedesk.__main__:main" in scripts  # `veyedesk` with no args: the window


def test_an_installed_copy_finds_its_packaged_resources(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    probe = subprocess.run(
        [str(python), "-c",
         "from veyedesk.resource_files import resource_path;"
         "from veyedesk.encode import titles;"
         "print(resource_path('icons/veyedesk.svg'));print(titles.TITLE_TEMPLATE)"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    icon, title = (Path(line) for line in probe.stdout.split())
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    assert icon == site / "veyedesk" / "resources" / "icons" / "veyedesk.svg" and icon.is_file()
    assert title == site / "veyedesk" / "resources" / "title.svg" and title.is_file()
