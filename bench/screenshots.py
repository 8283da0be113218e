"""README screenshots of the main views, made from the demo show (never by hand).

    .venv/bin/python bench/screenshots.py [--out docs/screenshots] [--width 1280]

Creates the demo show in a temporary database and data folder (generated recordings,
about a minute of ffmpeg), opens the editor window at 1600x960 on a 1600x1000 Xvfb
screen, and writes:

- editor.png: the first talk open, video, timeline, form and cut list;
- sheets.png: the same talk's Sheets tab with a recording sheet attached;
- queue.png: the encode queue dock with a talk queued for encoding;
- icon.png: the application icon at 128, 48 and 24 px.

Each is scaled to `--width` pixels. Look at them before committing them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # as a script, bench/ comes first on the path: the repository instead

if not os.environ.get("_SHOTS_X") and shutil.which("xvfb-run"):
    # Always a fresh virtual screen of a known size: the same pictures on every machine.
    os.environ["_SHOTS_X"] = "1"
    os.environ.pop("DISPLAY", None)
    os.execvp(
        "xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, *sys.argv]
    )

WORK = Path(tempfile.mkdtemp(prefix="veyedesk-shots-"))
# A throwaway user: settings, window layout, data folder and database of its own.
os.environ["XDG_CONFIG_HOME"] = str(WORK / "config")
os.environ["VEYEDESK_DATA_DIR"] = str(WORK / "data")
os.environ["VEYEDESK_CONFIG"] = str(WORK / "config.toml")
os.environ["VEYEDESK_USER"] = "crew-lead"


def wait_until(app, condition: Callable[[], object], timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {condition}")
        app.processEvents()
        time.sleep(0.02)


def settle(app, seconds: float = 0.5) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def draw_sheet(path: Path, room: str, day: date, talks: list[tuple[str, str]]) -> Path:
    """A photographed paper recording sheet: ruled form, a room, times and titles."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    def font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
        for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
            try:
                return ImageFont.truetype(name, size)
            except OSError:
                continue
        return ImageFont.load_default()

    sheet = Image.new("RGB", (1240, 1754), "#f7f4ec")  # A4 at 150 dpi
    pen = ImageDraw.Draw(sheet)
    pen.text((80, 70), "RECORDING SHEET", font=font(56), fill="#222")
    pen.text((80, 160), f"Room: {room}      Day: {day:%A %d %B %Y}", font=font(34), fill="#222")
    pen.text((80, 215), "Volunteer: Sam", font=font(34), fill="#222")
    header = ("Start", "Talk", "Rec. OK", "Notes")
    xs = (80, 260, 900, 1040)
    y = 320
    for x, title in zip(xs, header, strict=True):
        pen.text((x, y), title, font=font(30), fill="#333")
    for row in range(12):
        top = 370 + row * 100
        pen.line((70, top, 1170, top), fill="#7a8fb8", width=3)
        if row < len(talks):
            start, name = talks[row]
            blue = "#1d3f8f"
            pen.text((85, top + 30), start, font=font(34), fill=blue)
            pen.text((265, top + 30), name[:34], font=font(30), fill=blue)
            pen.text((930, top + 28), "✓" if row != 1 else "?", font=font(40), fill=blue)
            if row == 1:
                pen.text((1045, top + 34), "mic late", font=font(26), fill=blue)
    for x in xs[1:]:
        pen.line((x - 12, 320, x - 12, 1570), fill="#7a8fb8", width=2)
    # A phone photo: slightly turned and soft.
    photo = sheet.rotate(1.5, expand=True, fillcolor="#5a5a5a").filter(ImageFilter.GaussianBlur(1))
    photo.save(path, quality=88)
    return path


def save(widget, path: Path, width: int) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    image = widget.grab().toImage()
    if image.width() > width:
        image = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    image.save(str(path), "PNG", 9)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


def icon_sheet(path: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    from veyedesk.resource_files import resource_path

    renderer = QSvgRenderer(str(resource_path("icons/veyedesk.svg")))
    out = QImage(128 + 48 + 24 + 4 * 24, 128 + 48, QImage.Format.Format_ARGB32)
    out.fill(QColor("#ececec"))
    painter = QPainter(out)
    x = 24
    for size in (128, 48, 24):
        tile = QImage(size, size, QImage.Format.Format_ARGB32)
        tile.fill(Qt.GlobalColor.transparent)
        tile_painter = QPainter(tile)
        renderer.render(tile_painter)
        tile_painter.end()
        painter.drawImage(x, 24 + (128 - size) // 2, tile)
        x += size + 24
    painter.end()
    out.save(str(path), "PNG", 9)
    print(f"wrote {path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import Qt

    from veyedesk.config import load_settings
    from veyedesk.db import open_database, session_factory
    from veyedesk.gui.app import make_application
    from veyedesk.gui.editor.main_window import MainWindow
    from veyedesk.model import Episode
    from veyedesk.services.admin.sheets import import_for_episode
    from veyedesk.services.demo import DemoPlan, create_demo
    from veyedesk.services.editing.open_save import change_state
    from veyedesk.services.identity import Identity

    app = make_application(["veyedesk"])
    settings = load_settings(flags={"db": f"sqlite:///{WORK / 'veyedesk.db'}"})
    engine = open_database(settings.db)
    sessions = session_factory(engine)
    crew = Identity("crew-lead", "admin")
    print("creating the demo show (ffmpeg renders its recordings)…", flush=True)
    plan = DemoPlan(day=date(2026, 2, 1), file_seconds=40.0, gap_seconds=10.0)
    with sessions() as session, session.begin():
        create_demo(session, WORK / "demo", plan)
    with sessions() as session:
        episodes = list(session.query(Episode).order_by(Episode.location_id, Episode.start))
        first, queued = episodes[0], episodes[1]
        room = first.location.name if first.location else ""
        same_room = [e for e in episodes if e.location_id == first.location_id and e.start]
        talks = [(f"{e.start:%H:%M}", e.name) for e in same_room]
        first_id = first.id
    with sessions() as session, session.begin():
        episode = session.get(Episode, queued.id)
        assert episode is not None
        change_state(session, episode, "encode", crew, settings.default_profile)
    sheet = draw_sheet(WORK / "IMG_20260201_100130.jpg", room, plan.day, talks)
    with sessions() as session, session.begin():
        import_for_episode(session, crew, first_id, [sheet], settings.raw_root)

    window = MainWindow(sessions, settings, crew)
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(1600, 960)
    window.move(0, 0)
    window.show()
    wait_until(app, lambda: window.episodes.proxy.rowCount() > 0)
    window.open_episode(first_id)
    wait_until(app, lambda: window.editing.context is not None)
    panel = window.player.panel
    if panel is not None:  # a frame drawn, not the first blank paint
        wait_until(app, lambda: panel.player.mpv.time_pos is not None)
        panel.player.mpv.seek(12, "absolute+exact")
        wait_until(app, lambda: panel.video.frames_drawn > 2)
    settle(app, 1.5)
    window.form.setCurrentIndex(0)
    settle(app)
    save(window, out / "editor.png", args.width)

    window.form.setCurrentWidget(window.sheets)
    wait_until(app, lambda: window.sheets.list.count() > 0)
    wait_until(app, lambda: not window.sheets.viewer._item.pixmap().isNull())
    window.sheets.viewer.zoom(1.6)
    window.sheets.viewer.centerOn(420, 520)
    settle(app)
    save(window, out / "sheets.png", args.width)

    window.queue_dock.raise_()
    window.queue.refresh()
    settle(app, 2.0)
    save(window, out / "queue.png", args.width)
    icon_sheet(out / "icon.png")

    window.close()
    settle(app)
    engine.dispose()
    shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
