"""The player's keyboard map as data: the bindings and the Help ▸ Keyboard dialog both read it.

Industry conventions (J/K/L shuttle, I/O in/out, arrows by frame). Each entry names an
action the PlayerPanel implements; keys are QKeySequence strings.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Binding:
    """One action, its keys and how the help dialog describes it."""

    action: str
    keys: tuple[str, ...]
    text: str
    group: str


def _b(action: str, keys: str | tuple[str, ...], text: str, group: str) -> Binding:
    return Binding(action, (keys,) if isinstance(keys, str) else keys, text, group)


PLAY, MOVE, EDIT, MARKS, VIEW = "Playback", "Moving", "Cutting", "Marks", "View and history"

KEYMAP: tuple[Binding, ...] = (
    _b("play_pause", ("Space", "K"), "Play / pause (K also stops the shuttle)", PLAY),
    _b("shuttle_back", "J", "Shuttle backwards; faster on repeat (1×, 2×, 4×, 8×)", PLAY),
    _b("shuttle_forward", "L", "Shuttle forwards; faster on repeat (1×, 2×, 4×, 8×)", PLAY),
    _b("loop", "\\", "Play from in to out over and over (again to stop)", PLAY),
    _b("frame_back", ("Left", ","), "One frame back", MOVE),
    _b("frame_forward", ("Right", "."), "One frame forward", MOVE),
    _b("back_1s", "Shift+Left", "1 second back", MOVE),
    _b("forward_1s", "Shift+Right", "1 second forward", MOVE),
    _b("back_10s", "Ctrl+Left", "10 seconds back", MOVE),
    _b("forward_10s", "Ctrl+Right", "10 seconds forward", MOVE),
    _b("prev_keyframe", "Alt+Left", "Previous keyframe", MOVE),
    _b("next_keyframe", "Alt+Right", "Next keyframe", MOVE),
    _b("prev_boundary", "[", "Previous cut or raw-file boundary", MOVE),
    _b("next_boundary", "]", "Next cut or raw-file boundary", MOVE),
    _b("go_in", "Shift+I", "Go to the in point of the cut here", MOVE),
    _b("go_out", "Shift+O", "Go to the out point of the cut here", MOVE),
    _b("goto_time", "Ctrl+T", "Go to a time (file HH:MM:SS:FF, 17.68, 442f; wall HH:MM:SS)", MOVE),
    _b("set_in", "I", "Set the in point of the cut here (creates a cut if none)", EDIT),
    _b("set_out", "O", "Set the out point of the cut here (creates a cut if none)", EDIT),
    _b("clear_in", "Alt+I", "Clear the in point (back to the file start)", EDIT),
    _b("clear_out", "Alt+O", "Clear the out point (back to the file end)", EDIT),
    _b("clear_both", "X", "Clear in and out", EDIT),
    _b("split", "S", "Split the cut at the playhead", EDIT),
    _b("add_mark", "M", "Add a mark (cut here) at the playhead", MARKS),
    _b("prev_mark", "<", "Previous mark", MARKS),
    _b("next_mark", ">", "Next mark", MARKS),
    _b("zoom_in", ("+", "="), "Zoom the timeline in", VIEW),
    _b("zoom_out", "-", "Zoom the timeline out", VIEW),
    _b("zoom_fit", "0", "Fit the talk (its cuts and slot) in the timeline", VIEW),
    _b("undo", "Ctrl+Z", "Undo", VIEW),
    _b("redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo", VIEW),
)

GROUPS: tuple[str, ...] = (PLAY, MOVE, EDIT, MARKS, VIEW)


def binding(action: str) -> Binding:
    """The entry for `action` (KeyError names it if the table lacks it)."""
    for entry in KEYMAP:
        if entry.action == action:
            return entry
    raise KeyError(f"no key binding for action {action!r}")
