"""The player: python-mpv driving one `Timeline`, with frame-exact seeks, shuttle and loops.

Qt-free on purpose. mpv reports property changes on its own threads; they are handed to the
`on_event(name, value)` callback *on that thread*. A GUI must turn them into queued signals
(see gui/widgets/video.py) and never touch widgets from the callback. Event names:
`position` (timeline seconds), `pause` (bool), `speed` (float), `shuttle` (signed speed,
0 = stopped), `duration`, `eof` (bool), `loaded` (None), `error` (message), and `image`
after `open()`: "keyframe" when the nearest keyframe's picture is up while the exact frame
is still being decoded (long-GOP files only), then "exact" when the frame at the position is.
"""

from __future__ import annotations

import locale
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from veyedesk.model.cuts import CHANNELCOPY_PAN
from veyedesk.player.libmpv import PlayerError, mpv
from veyedesk.player.timeline import Location, Timeline

EventSink = Callable[[str, Any], None]

SHUTTLE_SPEEDS = (1.0, 2.0, 4.0, 8.0)
DEINTERLACE = "lavfi=[bwdif=deint=interlaced]"
TARGET_PATIENCE = 1.0  # seconds an exact seek may take before reports from elsewhere count


def _ignore(_name: str, _value: Any) -> None:
    return None


class Player:
    """One mpv instance playing one timeline.

    `vo="null"` (with `ao="null"`) runs without a display for tests; the Qt video widget
    passes `vo="libmpv"` and attaches a render context to `.mpv`.
    """

    def __init__(
        self, on_event: EventSink | None = None, *, vo: str = "null", ao: str | None = None
    ) -> None:
        # libmpv refuses to start unless LC_NUMERIC is "C"; a QApplication may have reset it.
        locale.setlocale(locale.LC_NUMERIC, "C")
        opts: dict[str, Any] = {
            "vo": vo,
            "pause": True,
            "keep_open": "always",
            "idle": True,
            "hr_seek": "yes",
            # Exact seeks decode from the previous keyframe; let mpv drop frames quickly.
            "hr_seek_framedrop": "yes",
            "osc": False,
            "input_default_bindings": False,
            "input_vo_keyboard": False,
            "screenshot_format": "png",
            "audio_display": "no",
            "force_seekable": "yes",
        }
        if ao is not None:
            opts["ao"] = ao
        try:
            self._mpv = mpv.MPV(**opts)
        except Exception as exc:  # libmpv raises plain errors for bad options / no library
            raise PlayerError(f"could not start mpv: {exc}") from exc
        self._sink: EventSink = on_event or _ignore
        self.timeline = Timeline([])
        self._position = 0.0
        self._paused = True
        self._shuttle = 0.0
        self._reverse_stop = threading.Event()
        self._reverse_thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._loaded = False
        self._pending_seek: tuple[float, str] | None = None
        self._target: tuple[float | None, float] = (None, 0.0)
        # What the next playback restart of an `open()` shows: "keyframe" (then the exact
        # seek follows), "exact", or None once shown or when a later seek took over.
        self._opening: str | None = None
        self._open_at = 0.0
        # mpv numbers each loadfile's playlist entry 1, 2, 3…; only ours add any. Restarts
        # count for an open only once its own entry started (START_FILE), never a
        # superseded file's late restart (a talk switched while the last one opened).
        self._loads = 0
        self._open_plan: tuple[int, str, float] | None = None  # (entry, first image, at)
        self.mpv.observe_property("time-pos", self._on_time)
        self.mpv.observe_property("pause", self._on_pause)
        self.mpv.observe_property("speed", self._on_speed)
        self.mpv.observe_property("duration", self._forward("duration"))
        self.mpv.observe_property("eof-reached", self._forward("eof"))
        self.mpv.register_event_callback(self._on_mpv_event)

    @property
    def mpv(self) -> mpv.MPV:
        """The mpv handle; PlayerError once `close()` has terminated it.

        A terminated handle is freed memory inside libmpv: any call on it (a seek from a
        window that outlived its player) would crash the process instead of raising.
        """
        if self._closed:
            raise PlayerError("the video player was closed; open the window again")
        return self._mpv

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def settled(self) -> bool:
        """True once the last `open()` showed its exact frame (or nothing is opening)."""
        with self._lock:
            return self._open_plan is None and self._opening is None

    # -- events (mpv's threads) -----------------------------------------------------
    def set_sink(self, on_event: EventSink | None) -> None:
        self._sink = on_event or _ignore

    def _emit(self, name: str, value: Any) -> None:
        if not self._closed:
            self._sink(name, value)

    def _forward(self, event: str) -> Callable[[str, Any], None]:
        def handler(_name: str, value: Any) -> None:
            self._emit(event, value)

        return handler

    def _on_time(self, _name: str, value: Any) -> None:
        if value is None:
            return
        position = float(value)
        target, since = self._target
        if target is not None:
            if abs(position - target) < 1e-6 or time.monotonic() - since > TARGET_PATIENCE:
                self._target = (None, 0.0)
            else:
                # A report from before the last seek landed: keep the target, so quick key
                # repeats (→ → →) count from where the playhead is going, not where it was.
                return
        self._position = position
        self._emit("position", position)

    def _on_pause(self, _name: str, value: Any) -> None:
        self._paused = bool(value)
        self._emit("pause", self._paused)

    def _on_speed(self, _name: str, value: Any) -> None:
        self._emit("speed", value)

    def _on_mpv_event(self, event: Any) -> None:
        # event_id is a ctypes c_int, which compares by identity: compare its value.
        kind = getattr(getattr(event, "event_id", None), "value", None)
        if kind == mpv.MpvEventID.START_FILE:
            entry = getattr(getattr(event, "data", None), "playlist_entry_id", None)
            with self._lock:
                plan = self._open_plan
                if plan is not None and plan[0] == entry:
                    self._open_plan = None
                    self._opening, self._open_at = plan[1], plan[2]
        elif kind == mpv.MpvEventID.FILE_LOADED:
            self._loaded = True
            pending, self._pending_seek = self._pending_seek, None
            if pending is not None and not self._closed:
                # A seek asked for while the files were opening: do it now (async, since
                # this is mpv's event thread).
                self._mpv.command_async("seek", f"{pending[0]:.6f}", pending[1])
            self._emit("loaded", None)
        elif kind == mpv.MpvEventID.PLAYBACK_RESTART:
            self._restarted()
        elif kind == mpv.MpvEventID.END_FILE:
            data = getattr(event, "data", None)
            reason = getattr(data, "reason", None)
            if reason == mpv.MpvEventEndFile.ERROR:
                code = getattr(data, "error", "?")
                self._emit("error", f"mpv could not play the raw files (error {code})")

    def _restarted(self) -> None:
        # mpv's event thread. The lock orders this follow-up seek against a seek the GUI
        # asks for meanwhile: whichever comes later must win.
        with self._lock:
            shown, self._opening = self._opening, None
            if shown == "keyframe" and not self._closed:
                self._opening = "exact"
                # Back to exact for the rest of this file: hr-seek=no was for its start,
                # and mpv's own seeks (loops, track switches) must stay frame-exact.
                self._mpv.command_async("set", "hr-seek", "yes")
                self._mpv.command_async("seek", f"{self._open_at:.6f}", "absolute+exact")
        if shown is not None:
            self._emit("image", shown)

    # -- loading --------------------------------------------------------------------
    def open(self, timeline: Timeline, position: float = 0.0, *, wait: bool = False) -> None:
        """Load the timeline paused at `position`; `wait` blocks until the first frame.

        Without `wait` every request to mpv is asynchronous (mpv runs them in order): while
        mpv decodes towards an exact seek in a long-GOP file (~200 ms) a synchronous call
        would hold the GUI thread that long, and switching talks would stutter.
        """
        if self._shuttle or self._reverse_thread is not None:
            self.stop_shuttle()
        self.timeline = timeline
        self._position = position
        self._loaded = False
        self._pending_seek = None
        player = self.mpv
        if not timeline:
            with self._lock:
                self._opening = self._open_plan = None
            player.command_async("stop")
            return
        player.command_async("set", "pause", "yes")
        # DV is interlaced; the deinterlacer only touches frames flagged interlaced, and is
        # left out for progressive sources where it would slow exact seeks for nothing.
        player.command_async("set", "vf", DEINTERLACE if timeline.interlaced else "")
        at = timeline.frame_position(max(0.0, position))
        loc = timeline.locate(at)
        # On long-GOP video the exact frame needs a decode from the previous keyframe
        # (~200 ms for 10-s GOPs), so the file opens on that keyframe first (hr-seek=no for
        # this file's start: a picture at once) and the exact seek follows once it is up
        # (`_restarted`). DV is intra-only: its exact frame is as cheap as a keyframe.
        two_step = loc is not None and not loc.segment.source.intra_only
        options = f"start={at:.6f}" + (",hr-seek=no" if two_step else "")
        self._position = at
        # Keyframe-image reports must not move the playhead away from where it is going.
        self._target = (at, time.monotonic())
        self._loads += 1
        with self._lock:
            self._opening = None
            self._open_plan = (self._loads, "keyframe" if two_step else "exact", at)
        # mpv 0.38 put an index before the per-file options (python-mpv's loadfile does the
        # same); loadfile itself is synchronous in python-mpv, hence the command here.
        where = ["replace", "-1"] if player.mpv_version_tuple >= (0, 38, 0) else ["replace"]
        args = ("loadfile", timeline.edl(), *where, options)
        if wait:
            cond = lambda _event: self._open_plan is None and self._opening is None  # noqa: E731
            with player.prepare_and_wait_for_event("playback_restart", cond=cond, timeout=15):
                player.command_async(*args)
        else:
            player.command_async(*args)

    def close(self) -> None:
        """Stop threads and terminate mpv (after any render context was freed)."""
        if self._closed:
            return
        self.stop_shuttle()
        self._closed = True
        self._mpv.terminate()

    # -- position ---------------------------------------------------------------------
    @property
    def position(self) -> float:
        """The timeline seconds of the frame on screen (last reported by mpv)."""
        return self._position

    @property
    def paused(self) -> bool:
        return self._paused

    def location(self) -> Location | None:
        return self.timeline.locate(self._position)

    def seek(self, position: float, *, exact: bool = True, wait: bool = False) -> None:
        """Go to a timeline position: exact (frame under it) or nearest keyframe (dragging)."""
        if not self.timeline:
            return
        target = min(max(position, 0.0), self.timeline.duration)
        if exact:
            target = self.timeline.frame_position(target)
        flags = "absolute+exact" if exact else "absolute+keyframes"
        self._position = target
        self._target = (target, time.monotonic()) if exact else (None, 0.0)
        with self._lock:
            # This seek replaces the exact seek an open would follow with.
            self._opening = self._open_plan = None
            if not self._loaded:
                self._pending_seek = (target, flags)
                return
            if not wait:
                self.mpv.command_async("seek", f"{target:.6f}", flags)
                return
        with self.mpv.prepare_and_wait_for_event("playback_restart", timeout=10):
            self.mpv.command("seek", f"{target:.6f}", flags)

    def seek_to(self, raw_file_id: int, offset: float, *, wait: bool = False) -> None:
        target = self.timeline.to_timeline(raw_file_id, offset)
        if target is not None:
            self.seek(target, wait=wait)

    def step_frames(self, frames: int, *, wait: bool = False) -> None:
        """Move exactly `frames` frames (negative = back) on the current file's frame grid."""
        self.stop_shuttle(pause=True)
        fps = self.timeline.fps_at(self._position)
        current = self.timeline.frame_position(self._position)
        target = current + frames / fps + 1e-4
        loc = self.timeline.locate(self._position)
        long_gop = loc is not None and not loc.segment.source.intra_only
        if frames == 1 and long_gop and self._target[0] is None and self._loaded:
            # One frame on inter-coded video: decoding the next frame is far cheaper than an
            # exact seek from the last keyframe. Repeats before it lands count from the
            # target (below), and go through exact seeks.
            target = self.timeline.frame_position(target)
            self._position = target
            self._target = (target, time.monotonic())
            if wait:
                cond = lambda v: v is not None and abs(v - target) < 1e-6  # noqa: E731
                with self.mpv.prepare_and_wait_for_property("time-pos", cond, timeout=10):
                    self.mpv.command("frame-step")
            else:
                self.mpv.command_async("frame-step")
            return
        self.seek(target, wait=wait)

    def step_seconds(self, seconds: float, *, wait: bool = False) -> None:
        self.stop_shuttle(pause=True)
        self.seek(self._position + seconds, wait=wait)

    def step_keyframe(self, direction: int) -> None:
        """Previous / next keyframe (mpv's keyframe seek relative to here)."""
        self.stop_shuttle(pause=True)
        self.mpv.command_async("seek", "-0.001" if direction < 0 else "0.001", "relative+keyframes")

    # -- playing ----------------------------------------------------------------------
    def play(self) -> None:
        self.stop_shuttle()
        self.mpv.speed = 1.0
        self.mpv.pause = False

    def pause(self) -> None:
        self.stop_shuttle(pause=True)

    def toggle_pause(self) -> None:
        if self._paused and self._shuttle == 0:
            self.play()
        else:
            self.pause()

    @property
    def shuttle_speed(self) -> float:
        """Signed shuttle speed: 0 stopped, 1/2/4/8 forward, negative backward."""
        return self._shuttle

    def shuttle(self, direction: int) -> float:
        """J (-1) / K (0) / L (+1): repeated presses double the speed up to 8×."""
        if direction == 0:
            self.stop_shuttle(pause=True)
            return 0.0
        current = self._shuttle
        if current * direction > 0:
            speed = min(abs(current) * 2, SHUTTLE_SPEEDS[-1])
        else:
            speed = SHUTTLE_SPEEDS[0]
        signed = speed * direction
        if direction > 0:
            self.stop_shuttle()
            self.mpv.speed = speed
            self.mpv.pause = False
        else:
            self._start_reverse()
        self._shuttle = signed
        self._emit("shuttle", signed)
        return signed

    def stop_shuttle(self, *, pause: bool = False) -> None:
        """End any shuttle (reverse thread included) and optionally pause."""
        self._reverse_stop.set()
        thread = self._reverse_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)
        self._reverse_thread = None
        was = self._shuttle
        self._shuttle = 0.0
        if not self._closed:
            if pause:
                self.mpv.pause = True
            if self.mpv.speed != 1.0:
                self.mpv.speed = 1.0
        if was:
            self._emit("shuttle", 0.0)

    def _start_reverse(self) -> None:
        if self._reverse_thread is not None:
            return  # already running: it reads the new speed on its next step
        self.mpv.pause = True
        self.mpv.speed = 1.0
        self._reverse_stop = threading.Event()
        stop = self._reverse_stop
        thread = threading.Thread(target=self._reverse_loop, args=(stop,), daemon=True)
        self._reverse_thread = thread
        thread.start()

    def _reverse_loop(self, stop: threading.Event) -> None:
        # mpv cannot decode backwards cheaply, so reverse shuttle is a series of exact seeks
        # back, each as far as the shuttle speed covers in the wall time the last one took:
        # slow seeks (long GOPs) jump further instead of falling behind.
        last = time.perf_counter()
        while not stop.is_set():
            stop.wait(1 / 25)
            now = time.perf_counter()
            speed = abs(self._shuttle) or 1.0
            target = self._position - speed * (now - last)
            last = now
            if target <= 0:
                target = 0.0
            try:
                with self.mpv.prepare_and_wait_for_event("playback_restart", timeout=2):
                    self.mpv.command("seek", f"{target:.6f}", "absolute+exact")
            except Exception:  # mpv gone or seek timed out: stop quietly
                break
            if target <= 0:
                break

    # -- loop, audio, screenshot ----------------------------------------------------------
    def loop(self, start: float, end: float) -> None:
        """Play from `start` to `end` over and over (A-B loop)."""
        self.stop_shuttle()
        self.mpv["ab-loop-a"] = f"{start:.6f}"
        self.mpv["ab-loop-b"] = f"{end:.6f}"
        self.seek(start)
        self.mpv.pause = False

    def clear_loop(self) -> None:
        self.mpv["ab-loop-a"] = "no"
        self.mpv["ab-loop-b"] = "no"

    @property
    def looping(self) -> bool:
        return self.mpv["ab-loop-a"] not in (None, "no")

    def set_channelcopy(self, code: str, *, wait: bool = True) -> None:
        """Apply Veyepar's channelcopy (m / 01 / 10; 00 or blank = as recorded) live.

        `wait=False` while opening a talk: mpv may be decoding towards a seek for ~200 ms.
        """
        pan = CHANNELCOPY_PAN.get(code or "")
        value = f"@channelcopy:lavfi=[{pan}]" if pan else ""
        if wait:
            self.mpv["af"] = value
        else:
            self.mpv.command_async("set", "af", value)

    def set_audio_delay(self, ms: int, *, wait: bool = True) -> None:
        """Shift the audio by `ms` (positive = later), as the encode's A/V offset does."""
        if wait:
            self.mpv["audio-delay"] = (ms or 0) / 1000.0
        else:
            self.mpv.command_async("set", "audio-delay", f"{(ms or 0) / 1000.0:.3f}")

    @property
    def volume(self) -> float:
        return float(self.mpv.volume or 0.0)

    @volume.setter
    def volume(self, value: float) -> None:
        self.mpv.volume = max(0.0, min(130.0, value))

    def screenshot(self, path: Path) -> Path:
        """Write the current frame (video only, full resolution) to a PNG file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.mpv.command("screenshot-to-file", str(path), "video")
        return path
