"""Run ffmpeg for an encode: progress from `-progress pipe:1`, clean cancel, stderr kept.

The only module of `veyedesk.encode` that starts processes (import-linter enforces it).
Every process is an argument list, never a shell. `publish` puts a finished file in place
durably: the file's data is on disk before its name changes, and the new name is on disk
before anyone is told the file is there.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from veyedesk.child_process import dying_with_parent
from veyedesk.errors import UserError
from veyedesk.safe_files import ffmpeg_input

STDERR_LINES = 200  # kept for the error report and for the loudnorm JSON at the end
TERM_GRACE = 2.0  # seconds between SIGTERM and kill on cancel (a cancel must land within 5 s)


class EncodeFailed(UserError, RuntimeError):
    """ffmpeg failed or its output was rejected; `stderr_tail` holds ffmpeg's last lines."""

    def __init__(self, message: str, stderr_tail: str = "") -> None:
        super().__init__(message)
        self.stderr_tail = stderr_tail

    def report(self) -> str:
        """The message followed by ffmpeg's last lines, for a log or a dialog's details."""
        if not self.stderr_tail:
            return str(self)
        return f"{self}\n--- ffmpeg said ---\n{self.stderr_tail}"


class EncodeCancelled(RuntimeError):
    """The encode was cancelled; ffmpeg is gone and no `.part` file is left behind."""


@dataclass(frozen=True)
class EncodeProgress:
    """How far an ffmpeg run is: fraction 0-1, speed (x realtime), seconds left."""

    fraction: float
    speed: float | None
    eta_seconds: float | None


ProgressCallback = Callable[[EncodeProgress], None]


@dataclass(frozen=True)
class RunResult:
    """What a finished ffmpeg run reports."""

    wall_seconds: float
    speed: float | None  # media seconds per wall second, ffmpeg's last figure
    stderr_tail: str


def ffmpeg_path() -> str:
    """Absolute path of ffmpeg, or EncodeFailed telling how to install it."""
    found = shutil.which("ffmpeg")
    if found is None:
        raise EncodeFailed(
            "ffmpeg is not installed or not on PATH; install it (apt-get install ffmpeg)"
        )
    return found


def parse_speed(text: str) -> float | None:
    """`1.53x` -> 1.53; `N/A` or garbage -> None."""
    text = text.strip().rstrip("x").strip()
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value > 0 else None


class _ProgressReader:
    """Folds ffmpeg's `key=value` progress blocks into EncodeProgress reports."""

    def __init__(
        self, duration: float, callback: ProgressCallback | None, scale: tuple[float, float]
    ):
        self.duration = duration
        self.callback = callback
        self.low, self.high = scale
        self.speed: float | None = None
        self.out_time = 0.0

    def feed(self, line: str) -> None:
        key, _, value = line.strip().partition("=")
        if key in ("out_time_us", "out_time_ms"):  # both are microseconds in ffmpeg 5
            with contextlib.suppress(ValueError):
                self.out_time = max(0.0, int(value) / 1e6)
        elif key == "speed":
            self.speed = parse_speed(value) or self.speed
        elif key == "progress":
            self.report(done=value.strip() == "end")

    def report(self, done: bool = False) -> None:
        if self.callback is None:
            return
        part = 1.0 if done else min(1.0, self.out_time / self.duration if self.duration else 0.0)
        eta = None
        if self.speed and self.duration:
            eta = max(0.0, (self.duration - self.out_time) / self.speed)
        fraction = self.low + (self.high - self.low) * part
        self.callback(EncodeProgress(fraction=fraction, speed=self.speed, eta_seconds=eta))


def fsync_file(path: Path) -> None:
    """Flush a file's data to disk (done before the rename that publishes it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk, so a rename inside it survives a power cut."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(part: Path, final: Path) -> None:
    """Rename a finished `part` over `final` durably: fsync the file, rename, fsync the folder.

    Without the first fsync a power cut after the rename can leave `final` empty or short
    (the rename reached the disk before the data); without the second the rename itself
    can be lost, and the previous file comes back. Raises OSError.
    """
    fsync_file(part)
    os.replace(part, final)
    fsync_dir(final.parent)


def _remove(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)


def run_ffmpeg(
    args: Sequence[str],
    *,
    duration: float,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    output: Path | None = None,
    progress_scale: tuple[float, float] = (0.0, 1.0),
    what: str = "ffmpeg",
) -> RunResult:
    """Run ffmpeg (args must include `-progress pipe:1`) until it ends, is cancelled or fails.

    `output` is deleted when the run fails or is cancelled, so no partial file survives.
    Progress is mapped into `progress_scale` (a measure pass can take 0-0.1, the encode
    0.1-1). Raises EncodeCancelled or EncodeFailed (with ffmpeg's stderr tail).
    """
    started = time.monotonic()
    tail: deque[str] = deque(maxlen=STDERR_LINES)
    reader = _ProgressReader(duration, on_progress, progress_scale)
    try:
        proc = subprocess.Popen(
            dying_with_parent(args),  # a killed worker leaves no ffmpeg writing the .part
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    except OSError as exc:
        raise EncodeFailed(f"cannot start {args[0]}: {exc.strerror}") from None

    def drain_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            tail.append(line.rstrip("\n"))

    cancelled = threading.Event()

    def watch_cancel() -> None:
        assert cancel is not None
        while proc.poll() is None:
            if cancel.wait(0.2):
                cancelled.set()
                # SIGTERM lets ffmpeg close files; kill only if it does not stop in time.
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(TERM_GRACE)
                except subprocess.TimeoutExpired:
                    proc.kill()
                return

    threads = [threading.Thread(target=drain_stderr, daemon=True)]
    if cancel is not None:
        threads.append(threading.Thread(target=watch_cancel, daemon=True))
    for t in threads:
        t.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            reader.feed(line)
        proc.wait()
    except BaseException:
        # The caller's thread was interrupted (Ctrl-C): never leave ffmpeg running.
        proc.kill()
        proc.wait()
        _remove(output)
        raise
    finally:
        for t in threads:
            t.join(timeout=TERM_GRACE + 1)
    stderr_tail = "\n".join(tail)
    if cancelled.is_set() or (cancel is not None and cancel.is_set()):
        _remove(output)
        raise EncodeCancelled(f"{what} cancelled; no partial file was kept")
    if proc.returncode != 0:
        _remove(output)
        last = next((line for line in reversed(tail) if line.strip()), "no message")
        raise EncodeFailed(f"{what} failed (exit code {proc.returncode}): {last}", stderr_tail)
    return RunResult(
        wall_seconds=time.monotonic() - started, speed=reader.speed, stderr_tail=stderr_tail
    )


def parse_loudnorm(stderr_tail: str) -> dict[str, str]:
    """The JSON block loudnorm prints at the end of a measure pass."""
    end = stderr_tail.rfind("}")
    start = stderr_tail.rfind("{", 0, end)
    if start < 0 or end < 0:
        raise EncodeFailed("the loudness measure pass printed no result", stderr_tail)
    try:
        data = json.loads(stderr_tail[start : end + 1])
    except json.JSONDecodeError:
        raise EncodeFailed(
            "the loudness measure pass printed an unreadable result", stderr_tail
        ) from None
    wanted = ("input_i", "input_tp", "input_lra", "input_thresh", "target_offset")
    if not all(isinstance(data.get(k), str) for k in wanted):
        raise EncodeFailed("the loudness measure pass result lacks values", stderr_tail)
    for key in wanted:
        try:
            value = float(data[key])
        except ValueError:
            value = float("nan")
        if value != value or value in (float("inf"), float("-inf")):
            # -inf loudness means the cuts are silent: normalising would amplify noise.
            raise EncodeFailed(
                "the cuts are silent (loudness cannot be measured); check the audio "
                "channels or turn normalise off for this episode",
                stderr_tail,
            )
    return {k: data[k] for k in wanted}


def render_image(svg: Path, png: Path, width: int, height: int) -> Path:
    """Rasterise an SVG to a PNG of width x height with ffmpeg's librsvg decoder."""
    args = [
        ffmpeg_path(),
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        *ffmpeg_input(svg),
        "-vf",
        f"scale={width}:{height}",
        "-frames:v",
        "1",
        "file:" + str(png),
    ]
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        raise EncodeFailed(f"{svg}: rendering the slide took over 60 s") from None
    if proc.returncode != 0 or not png.is_file():
        _remove(png)
        lines = proc.stderr.strip().splitlines()
        raise EncodeFailed(
            f"{svg}: the slide could not be rendered ({lines[-1] if lines else 'no message'}); "
            "check the template is valid SVG",
            proc.stderr[-4000:],
        )
    return png


def render_images(pairs: Sequence[tuple[Path, Path]], width: int, height: int) -> None:
    """Rasterise many SVGs (or images) to PNGs of width x height in one ffmpeg process.

    One process for a batch saves ffmpeg's start-up per slide, which costs more than
    drawing a small slide. Raises EncodeFailed when any of them fails (the caller renders
    that batch one by one to learn which); no partial PNG is left behind then.
    """
    if not pairs:
        return
    args = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    for source, _png in pairs:
        args += ffmpeg_input(source)
    for index, (_source, png) in enumerate(pairs):
        args += ["-map", f"{index}:v", "-vf", f"scale={width}:{height}", "-frames:v", "1"]
        args.append("file:" + str(png))
    try:
        proc = subprocess.run(
            args, capture_output=True, text=True, timeout=30 + 5 * len(pairs), check=False
        )
    except subprocess.TimeoutExpired:
        proc = None
    if proc is None or proc.returncode != 0 or not all(png.is_file() for _s, png in pairs):
        for _source, png in pairs:
            _remove(png)
        lines = proc.stderr.strip().splitlines() if proc is not None else ["timed out"]
        raise EncodeFailed(
            f"rendering {len(pairs)} slides failed ({lines[-1] if lines else 'no message'})",
            proc.stderr[-4000:] if proc is not None else "",
        )
