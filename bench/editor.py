"""Editor benchmark: open-an-episode, list filtering and saving, each next to the bare tool.

    .venv/bin/python bench/editor.py [--repeats 6] [--rows 5000]

Prints, side by side with the bare tool doing the same work in the same run:
- Enter on an episode in the list -> its first image drawn (the nearest keyframe's picture)
  and -> the exact frame at the in point, once with the line selected long enough for the
  editor to prepare it (standby player) and once with only its media read (mpv opens it
  on Enter)
  (demo recordings: 3 raw H.264 files in the room's day), vs bare python-mpv opening the
  same 3 files as edl:// at the same point (vo=null, time to playback-restart) on the
  keyframe (hr-seek=no) and exact; targets: first image <= 50 ms, exact frame as before;
- Save and next (Ctrl+Enter) with the next talk prepared (standby player at its in
  point) -> its exact frame on screen, and -> its form filled, vs bare python-mpv
  showing a file it already has open (an exact seek to where it is); target <= 50 ms;
  and -> the save written and the next talk's lock taken (the writer thread, while the
  editor already works on the next talk);
- episode-list filter with `--rows` episodes (typing in the search box, switching room),
  vs a bare QSortFilterProxyModel.setFilterFixedString over a QStandardItemModel shown
  in a QTableView of the same size (both timed until the view has redrawn);
  target < 50 ms;
- save (fields + cuts, one transaction, conflict check) on SQLite and PostgreSQL, vs the
  two bare UPDATE statements in one transaction; target < 100 ms.
Runs under Xvfb when there is no display (the video needs an OpenGL context).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# As a script, bench/ comes first on the path: put the repository there (for `tests.support`).
sys.path[0] = str(ROOT)

if not os.environ.get("DISPLAY") and shutil.which("xvfb-run") and not os.environ.get("_BENCH_X"):
    os.environ["_BENCH_X"] = "1"
    os.execvp(
        "xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24", sys.executable, *sys.argv]
    )

import mpv  # noqa: E402  (the bare reference)
from PySide6.QtCore import QEventLoop, QSortFilterProxyModel, Qt  # noqa: E402
from PySide6.QtGui import QStandardItem, QStandardItemModel  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QTableView  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from tests.support.factory import make_show  # noqa: E402
from tests.support.postgres import running_postgres  # noqa: E402
from veyedesk.config import load_settings  # noqa: E402
from veyedesk.db import make_engine, session_factory  # noqa: E402
from veyedesk.db.migrate import upgrade  # noqa: E402
from veyedesk.gui.app import make_application  # noqa: E402
from veyedesk.gui.editor.episode_list import EpisodeListPanel  # noqa: E402
from veyedesk.model import Episode  # noqa: E402
from veyedesk.services.admin.users import Identity  # noqa: E402
from veyedesk.services.demo import DemoPlan, create_demo  # noqa: E402
from veyedesk.services.editing.draft import load_draft, save_draft  # noqa: E402
from veyedesk.services.episodes import EpisodeRow  # noqa: E402


def row(label: str, ours: float, bare: float | None, target: str = "") -> None:
    ratio = f"{ours / bare:6.2f}x" if bare else "    -  "
    bare_text = f"{bare:8.1f} ms" if bare is not None else "        -   "
    print(f"{label:<52} {ours:8.1f} ms   bare {bare_text}  {ratio}  {target}")


STEP_TIMEOUT = [30.0]  # seconds one step may take (--step-timeout)
_LOOP: list[QEventLoop] = []


def pump() -> None:
    """Run the pending Qt events once.

    Not the static QCoreApplication.processEvents(): with PySide6 6.12 on CPython 3.11 it
    (like every void-returning Qt call) drops one reference to None per call, and spun
    thousands of times a second it used up None's count, so the interpreter aborted at
    exit ("none_dealloc"). A QEventLoop instance's processEvents() does not leak.
    """
    if not _LOOP:
        _LOOP.append(QEventLoop())
    _LOOP[0].processEvents()


def wait(condition: Callable[[], bool], timeout: float | None = None) -> None:
    end = time.perf_counter() + (timeout or STEP_TIMEOUT[0])
    while not condition():
        if time.perf_counter() > end:
            raise TimeoutError("benchmark step did not finish in time")
        pump()
        time.sleep(0.0005)


def settle(seconds: float = 0.3) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pump()
        time.sleep(0.005)


# -- open an episode ---------------------------------------------------------------------
def bench_open(tmp: Path, repeats: int) -> None:
    from veyedesk.gui.editor.main_window import MainWindow

    os.environ["VEYEDESK_DATA_DIR"] = str(tmp / "data")
    url = f"sqlite:///{tmp / 'open.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:
        create_demo(session, tmp / "data" / "demo", DemoPlan(file_seconds=30.0, gap_seconds=5.0))
        session.commit()
        ids = list(
            session.scalars(select(Episode.id).order_by(Episode.location_id, Episode.start))
        )[:4]
    window = MainWindow(session_factory(engine), load_settings(flags={"db": url}),
                        Identity("bench@here", "editor"))  # fmt: skip
    window.resize(1600, 960)
    window.show()
    window.activateWindow()
    wait(window.isActiveWindow)
    wait(lambda: window.episodes.proxy.rowCount() == 8)
    panel = window.player.panel
    if panel is None:
        print(f"open episode: no player ({window.player.problem})")
        return
    figures: dict[str, tuple[list[float], list[float]]] = {"prepared": ([], []), "cold": ([], [])}
    form_times: list[float] = []
    starts: list[tuple[list[Path], float]] = []
    shown: list[tuple[object, str, float]] = []  # (video widget, "keyframe"/"exact", when)
    paints: list[tuple[object, float]] = []

    for widget in (panel.video, panel.standby):
        # Directly on mpv's event thread, so the GUI thread's latency is not in the time
        # mpv says the picture is ready; the picture counts as seen at the next paint.
        widget.events.happened.connect(
            lambda name, value, w=widget: (
                shown.append((w, str(value), time.perf_counter())) if name == "image" else None
            ),
            Qt.ConnectionType.DirectConnection,
        )
        widget.frameSwapped.connect(lambda w=widget: paints.append((w, time.perf_counter())))

    def seen(kind: str, t0: float, swapped: bool) -> float | None:
        # The first paint of the video on screen after mpv reported that picture on it, or
        # after Enter for a prepared talk swapped in (decoded before). Never a sync mpv call
        # while timing: it would wait for mpv's core, which may wait for this thread.
        video = panel.video
        if swapped:
            return next((t for w, t in paints if w is video and t >= t0), None)
        at = next((t for w, k, t in shown if w is video and k == kind and t >= t0), None)
        if at is None:
            return None
        return next((t for w, t in paints if w is video and t >= at), None)

    def prepared_for(episode_id: int) -> bool:
        draft = window.editing.preview(episode_id)
        if draft is None or panel._prepared is None:
            return False
        if panel._prepared != (panel._media(draft)[0].segments, panel._media(draft)[1]):
            return False
        player = panel.standby.player
        if player._opening is not None:  # its exact frame is not up yet
            return False
        at = player.mpv.time_pos  # not timed: a sync read is harmless here
        return at is not None and abs(at - panel._prepared[1]) < 0.021  # on its frame

    for n in range(2 * repeats):
        mode = "prepared" if n % 2 == 0 else "cold"
        target = ids[n % len(ids)]
        if window.editing.episode_id == target:
            target = ids[(n + 1) % len(ids)]
        settle()
        shown.clear()
        window.episodes.select_episode(target)
        if mode == "prepared":
            # An idle editor with the line selected: its talk is prepared on the standby
            # (maybe already, as the last talk's next one).
            wait(lambda t=target: prepared_for(t))
        else:
            # Only the media read: mpv opens it on Enter (as when Enter follows the
            # selection too soon for the standby player to be ready).
            wait(lambda t=target: window.editing.preview(t) is not None)
            wait(lambda: not window.editing._preview_running)
            panel._prepared = None
        settle()
        clock = {"t0": 0.0}

        def note(_doc: object, clock: dict[str, float] = clock) -> None:
            form_times.append((time.perf_counter() - clock["t0"]) * 1000)

        window.editing.opened.connect(note)
        paints.clear()
        before = panel.video
        t0 = clock["t0"] = time.perf_counter()
        QTest.keyClick(window.episodes.table, Qt.Key.Key_Return)
        swapped = panel.video is not before
        if swapped != (mode == "prepared"):
            print(f"    ({mode}: the standby player was {'' if swapped else 'not '}swapped in)")
        wait(lambda t0=t0, s=swapped: seen("exact", t0, s) is not None)
        times = [seen(k, t0, swapped) for k in ("keyframe", "exact")]
        figures[mode][0].append((min(t for t in times if t is not None) - t0) * 1000)
        figures[mode][1].append((times[1] - t0) * 1000)  # type: ignore[operator]
        wait(lambda t=target: window.editing.episode_id == t and window.form.lines["name"].text())
        window.editing.opened.disconnect(note)
        doc = window.editing.document
        assert doc is not None
        paths = [r.path for r in sorted(doc.draft.raw_files.values(), key=lambda r: r.start)]
        starts.append((paths, panel.player.position))
    window.close()
    engine.dispose()

    def bare(paths: list[Path], at: float, keyframe: bool) -> float:
        # The same work in bare python-mpv: open the files as edl:// paused at the point,
        # on its keyframe (hr-seek=no) or exact, until mpv reports the frame shown.
        player = mpv.MPV(vo="null", ao="null", pause=True, hr_seek="no" if keyframe else "yes")
        edl = "edl://" + ";".join(str(p) for p in paths)
        t0 = time.perf_counter()
        player.loadfile(edl, start=str(at))
        player.wait_for_event("playback-restart", timeout=10)
        took = (time.perf_counter() - t0) * 1000
        player.terminate()
        return took

    bare_first = [bare(paths, at, True) for paths, at in starts]
    bare_exact = [bare(paths, at, False) for paths, at in starts]
    labels = (("prepared", "talk prepared"), ("cold", "media read, player not prepared"))
    for mode, label in labels:
        times, exact_times = figures[mode]
        row(
            f"Enter ({label}) -> first image (median of {repeats})",
            statistics.median(times),
            statistics.median(bare_first),
            "target <= 50 ms",
        )
        row(
            f"Enter ({label}) -> exact frame (median of {repeats})",
            statistics.median(exact_times),
            statistics.median(bare_exact),
            "was 258 ms loaded",
        )
        print(f"    first image each: {', '.join(f'{t:.0f}' for t in times)} ms")
        print(f"    exact frame each: {', '.join(f'{t:.0f}' for t in exact_times)} ms")
    print(
        f"    loading the episode until the form is filled: "
        f"{', '.join(f'{t:.0f}' for t in form_times)} ms"
    )


# -- save and next -----------------------------------------------------------------------
def bench_save_next(tmp: Path, repeats: int) -> None:
    from veyedesk.gui.editor.main_window import MainWindow

    os.environ["VEYEDESK_DATA_DIR"] = str(tmp / "data")
    url = f"sqlite:///{tmp / 'next.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:  # the recordings of bench_open are reused
        create_demo(session, tmp / "data" / "demo", DemoPlan(file_seconds=30.0, gap_seconds=5.0))
        session.commit()
        first = session.scalars(
            select(Episode.id).order_by(Episode.location_id, Episode.start)
        ).first()
    window = MainWindow(session_factory(engine), load_settings(flags={"db": url}),
                        Identity("bench@here", "editor"))  # fmt: skip
    window.resize(1600, 960)
    window.show()
    window.activateWindow()
    wait(window.isActiveWindow)
    wait(lambda: window.episodes.proxy.rowCount() == 8)
    panel = window.player.panel
    assert panel is not None and first is not None
    window.episodes.select_episode(first)
    QTest.keyClick(window.episodes.table, Qt.Key.Key_Return)
    wait(lambda: window.editing.episode_id == first)
    paints: list[tuple[object, float]] = []
    for widget in (panel.video, panel.standby):
        widget.frameSwapped.connect(lambda w=widget: paints.append((w, time.perf_counter())))
    frame_times: list[float] = []
    form_times: list[float] = []
    lock_times: list[float] = []
    starts: list[tuple[list[Path], float]] = []
    # The demo has 8 talks in a chain of next ones: the last has none to go on to.
    repeats = min(repeats, 6)
    for _ in range(repeats):
        target = None

        def prepared() -> bool:
            nonlocal target
            target = window.next_target
            key = panel._prepared
            if target is None or key is None or window.editing.preview(target.id) is None:
                return False
            if panel.standby.player._opening is not None:  # its exact frame is not up yet
                return False
            # mpv is idle once the standby's exact frame is shown: a sync read is harmless.
            at = panel.standby.player.mpv.time_pos
            return at is not None and abs(at - key[1]) < 0.021  # on its frame

        wait(prepared)
        assert target is not None
        settle(0.5)
        standby = panel.standby
        paints.clear()
        opened: list[float] = []
        locked: list[float] = []

        def note(_doc: object, opened: list[float] = opened) -> None:
            opened.append(time.perf_counter())

        def note_lock(text: str, locked: list[float] = locked) -> None:
            if text.startswith("locked by you"):
                locked.append(time.perf_counter())

        window.editing.opened.connect(note)
        window.editing.lock_changed.connect(note_lock)
        t0 = time.perf_counter()
        QTest.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        wait(lambda t=target.id, o=opened: window.editing.episode_id == t and bool(o))
        wait(lambda s=standby: any(w is s for w, _t in paints))
        wait(lambda k=locked: bool(k))
        window.editing.opened.disconnect(note)
        window.editing.lock_changed.disconnect(note_lock)
        if panel.video is not standby:
            print("    (the next talk was not the prepared one: opened afresh)")
        frame_times.append((next(t for w, t in paints if w is panel.video) - t0) * 1000)
        # The form is on screen with the first window repaint after it was filled.
        form_times.append((next(t for _w, t in paints if t >= opened[0]) - t0) * 1000)
        lock_times.append((locked[0] - t0) * 1000)
        doc = window.editing.document
        assert doc is not None
        paths = [r.path for r in sorted(doc.draft.raw_files.values(), key=lambda r: r.start)]
        starts.append((paths, panel.player.position))
    window.close()
    engine.dispose()

    bare = []
    for paths, at in starts:
        # Bare mpv showing a file it already has open, paused at that point.
        player = mpv.MPV(vo="null", ao="null", pause=True)
        player.loadfile("edl://" + ";".join(str(p) for p in paths), start=str(at))
        player.wait_for_event("playback-restart", timeout=10)
        t0 = time.perf_counter()
        with player.prepare_and_wait_for_event("playback_restart", timeout=10):
            player.command("seek", f"{at:.6f}", "absolute+exact")
        bare.append((time.perf_counter() - t0) * 1000)
        player.terminate()
    window_bare = bare_window_repaint(repeats)
    row(
        f"save and next -> next talk's exact frame (median of {repeats})",
        statistics.median(frame_times),
        statistics.median(bare),
        "target <= 50 ms",
    )
    row(
        f"save and next -> next talk's form filled (median of {repeats})",
        statistics.median(form_times),
        statistics.median(bare),
        "target <= 50 ms",
    )
    row(
        "    the same, beside bare PySide6 repainting a window",
        statistics.median(form_times),
        statistics.median(window_bare),
        "(new picture + form on screen)",
    )
    row(
        f"save and next -> saved, next talk's lock taken ({repeats})",
        statistics.median(lock_times),
        None,
        "in the background",
    )
    print(f"    exact frame each: {', '.join(f'{t:.0f}' for t in frame_times)} ms")
    print(f"    form filled each: {', '.join(f'{t:.0f}' for t in form_times)} ms")
    print(f"    saved and locked each: {', '.join(f'{t:.0f}' for t in lock_times)} ms")


def bare_window_repaint(repeats: int) -> list[float]:
    """Bare PySide6: a window of the editor's size with a QOpenGLWidget (cleared to a new
    colour) and a form of 14 line edits and a text box, all given new text -> the window
    on screen again (frameSwapped). What any new picture with a filled form costs on this
    display (under Xvfb the OpenGL is software and composing the window dominates)."""
    from PySide6.QtGui import QOpenGLContext
    from PySide6.QtOpenGLWidgets import QOpenGLWidget
    from PySide6.QtWidgets import (
        QDockWidget,
        QFormLayout,
        QLineEdit,
        QMainWindow,
        QPlainTextEdit,
        QWidget,
    )

    class Picture(QOpenGLWidget):
        shade = 0.0

        def paintGL(self) -> None:
            gl = QOpenGLContext.currentContext().functions()
            gl.glClearColor(self.shade, 0.2, 0.3, 1.0)
            gl.glClear(0x4000)  # GL_COLOR_BUFFER_BIT

    window = QMainWindow()
    picture = Picture()
    window.setCentralWidget(picture)
    form = QWidget()
    layout = QFormLayout(form)
    edits = [QLineEdit() for _ in range(14)]
    for n, edit in enumerate(edits):
        layout.addRow(f"field {n}", edit)
    text = QPlainTextEdit()
    layout.addRow("description", text)
    dock = QDockWidget("form")
    dock.setWidget(form)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.resize(1600, 960)
    window.show()
    swaps: list[float] = []
    picture.frameSwapped.connect(lambda: swaps.append(time.perf_counter()))
    wait(lambda: bool(swaps))
    times = []
    for n in range(repeats):
        settle()
        swaps.clear()
        t0 = time.perf_counter()
        for k, edit in enumerate(edits):
            edit.setText(f"talk {n} field {k} " * 3)
        text.setPlainText(f"abstract of talk {n}\n" * 10)
        picture.shade = (n % 5) / 5
        picture.update()
        wait(lambda: bool(swaps))
        times.append((swaps[0] - t0) * 1000)
    window.close()
    return times


# -- filter the list ---------------------------------------------------------------------
def synthetic_rows(count: int) -> list[EpisodeRow]:
    rooms = [f"Room {chr(65 + i)}" for i in range(12)]
    words = ["python", "video", "keynote", "rust", "data", "web", "audio", "lightning"]
    t0 = datetime(2026, 2, 1, 9, 0)
    return [
        EpisodeRow(
            id=i + 1,
            start=t0 + timedelta(days=i % 4, minutes=30 * (i // 48)),
            room=rooms[i % len(rooms)],
            name=f"Talk {i}: {words[i % 8]} and {words[(i // 8) % 8]} in practice",
            authors=f"Speaker {i % 977}",
            state="edit" if i % 3 else "review 1",
            state_sequence=2 if i % 3 else 7,
            locked_by="",
            duration=1800.0,
            cuts_time=0.0,
            released=None,
        )
        for i in range(count)
    ]


def bench_filter(count: int) -> None:
    rows = synthetic_rows(count)
    panel = EpisodeListPanel()
    panel.resize(900, 700)
    panel.show()
    panel.set_rows(rows, ["edit", "review 1"])
    settle(0.2)
    queries = ["p", "py", "pyt", "pyth", "python", "python and", "", "speaker 97", "keynote", ""]
    ours = []
    for q in queries:
        t0 = time.perf_counter()
        panel.search.setText(q)
        pump()
        ours.append((time.perf_counter() - t0) * 1000)
    for index in (3, 0, 5, 0):
        t0 = time.perf_counter()
        panel.room_box.setCurrentIndex(index)
        pump()
        ours.append((time.perf_counter() - t0) * 1000)

    model = QStandardItemModel(len(rows), 3)
    for r, episode in enumerate(rows):
        model.setItem(r, 0, QStandardItem(episode.room))
        model.setItem(r, 1, QStandardItem(episode.name))
        model.setItem(r, 2, QStandardItem(episode.authors))
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setFilterKeyColumn(1)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    view = QTableView()  # the same work includes redrawing a table the same size
    view.setModel(proxy)
    view.resize(900, 700)
    view.show()
    settle(0.2)
    bare = []
    for q in queries:
        t0 = time.perf_counter()
        proxy.setFilterFixedString(q)
        pump()
        bare.append((time.perf_counter() - t0) * 1000)
    view.close()
    row(
        f"list filter, {count} episodes (median; max {max(ours):.1f} ms)",
        statistics.median(ours),
        statistics.median(bare),
        "target < 50 ms",
    )
    panel.close()


# -- save --------------------------------------------------------------------------------
def bench_save(label: str, url: str, repeats: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        fixture = make_show(session, rooms=1, talks_per_room=2)
        session.commit()
        episode_id = fixture.episodes[0].id
    ours = []
    for n in range(repeats):
        with sessions() as session:
            base = load_draft(session, episode_id, "")
        draft = base.copy()
        draft.fields["name"] = f"Saved {n}: “quotes” & 100%"
        draft.cuts[0].start = 10.0 + n
        t0 = time.perf_counter()
        with sessions() as session, session.begin():
            save_draft(session, draft, base, "bench")
        ours.append((time.perf_counter() - t0) * 1000)
    bare = []
    for n in range(repeats):
        t0 = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE episode SET name = :n, serial = serial + 1 WHERE id = :id"),
                {"n": f"Bare {n}", "id": episode_id},
            )
            conn.execute(
                text("UPDATE cut SET start = :s WHERE episode_id = :id AND sequence = 1"),
                {"s": 20.0 + n, "id": episode_id},
            )
        bare.append((time.perf_counter() - t0) * 1000)
    engine.dispose()
    row(
        f"save fields + cuts, {label} (median of {repeats})",
        statistics.median(ours),
        statistics.median(bare),
        "target < 100 ms",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument(
        "--step-timeout", type=float, default=30.0, help="seconds one step may take"
    )
    parser.add_argument(
        "--no-postgres", action="store_true", help="skip the PostgreSQL save figures"
    )
    args = parser.parse_args()
    STEP_TIMEOUT[0] = args.step_timeout
    make_application(["bench-editor"])
    tmp = Path(tempfile.mkdtemp(prefix="veyedesk-bench-editor-"))
    try:
        print("veyedesk editor benchmark (ours vs the bare tool, same run)")
        bench_open(tmp, args.repeats)
        bench_save_next(tmp, args.repeats)
        bench_filter(args.rows)
        bench_save("SQLite", f"sqlite:///{tmp / 'save.db'}", 20)
        if not args.no_postgres:
            with running_postgres() as server:
                server.psql_admin("CREATE DATABASE bench_editor")
                bench_save("PostgreSQL", server.url("bench_editor"), 20)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
