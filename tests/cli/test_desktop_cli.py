"""`veyedesk desktop install` (what `make install-desktop` runs), into a temporary data home."""

from __future__ import annotations

import configparser
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.cli.test_cli import VEYEDESK, ok
from veyedesk.cli.desktop import data_home, exec_quote
from veyedesk.resource_files import resource_path

ROOT = Path(__file__).resolve().parents[2]


def _entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    assert parser.sections()[0] == "Desktop Entry"  # the first group, as the spec requires
    return parser["Desktop Entry"]


def test_install_writes_entry_icon_and_metainfo_under_xdg_data_home(tmp_path: Path) -> None:
    home = tmp_path / "data"
    out = ok("desktop", "install", env={"XDG_DATA_HOME": str(home)})
    desktop = home / "applications" / "veyedesk.desktop"
    icon = home / "icons" / "hicolor" / "scalable" / "apps" / "veyedesk.svg"
    metainfo = home / "metainfo" / "io.github.veyedesk.veyedesk.metainfo.xml"
    assert out.splitlines() == [
        f"desktop entry: {desktop}",
        f"icon: {icon}",
        f"AppStream metainfo: {metainfo}",
    ]
    entry = _entry(desktop)
    assert (entry["Type"], entry["Name"], entry["Icon"], entry["Terminal"]) == (
        "Application", "veyedesk", "veyedesk", "false"
    )  # fmt: skip
    # Exec names the launcher that ran, by absolute path: it works off PATH (venv, pipx).
    assert entry["Exec"] == entry["TryExec"] == str(Path(VEYEDESK).absolute())
    assert os.access(entry["Exec"], os.X_OK)
    assert entry["Categories"].endswith(";") and "AudioVideo" in entry["Categories"]
    assert ET.parse(icon).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    component = ET.parse(metainfo).getroot()
    assert component.findtext("launchable") == desktop.name
    assert f"{component.findtext('id')}.metainfo.xml" == metainfo.name
    assert oct(desktop.stat().st_mode & 0o777) == "0o644"
    # The validators are installed by `make test` (.ci/system-packages.sh): never skipped.
    check = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.strip() == "", check.stdout
    assert "removed desktop entry" in ok("desktop", "uninstall", env={"XDG_DATA_HOME": str(home)})
    assert not desktop.exists() and not icon.exists() and not metainfo.exists()


def test_data_home_follows_the_base_directory_spec(tmp_path: Path) -> None:
    assert data_home({"XDG_DATA_HOME": "/srv/x", "HOME": "/home/a"}) == Path("/srv/x")
    for unset in ({}, {"XDG_DATA_HOME": ""}, {"XDG_DATA_HOME": "relative/dir"}):
        assert data_home({**unset, "HOME": "/home/a"}) == Path("/home/a/.local/share")
    # Through the real command: no XDG_DATA_HOME, HOME in a temporary folder.
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("XDG_DATA_HOME", None)
    proc = subprocess.run([VEYEDESK, "desktop", "install"], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / ".local/share/applications/veyedesk.desktop").exists()


def test_exec_paths_with_spaces_and_specials_are_quoted_per_the_spec() -> None:
    assert exec_quote("/opt/veyedesk/bin/veyedesk") == "/opt/veyedesk/bin/veyedesk"
    assert exec_quote("/home/a b/bin/veyedesk") == '"/home/a b/bin/veyedesk"'
    # `$` escaped by quoting (\$), then the backslash doubled by string escaping (\\$).
    assert exec_quote("/x/$HOME/v") == '"/x/\\\\$HOME/v"'
    assert exec_quote("/x/100%/v") == "/x/100%%/v"


def test_appstream_metainfo_validates() -> None:
    check = subprocess.run(
        ["appstreamcli", "validate", "--no-net", "--pedantic",
         str(resource_path("io.github.veyedesk.veyedesk.metainfo.xml"))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


def test_make_install_desktop_runs_the_command() -> None:
    plan = subprocess.run(["make", "-n", "install-desktop"], cwd=ROOT, capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert plan.returncode == 0, plan.stderr
    assert ".venv/bin/veyedesk desktop install" in plan.stdout
