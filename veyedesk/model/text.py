"""Text from schedules, forms and the command line, made safe to store and pass to ffmpeg.

A NUL or another control character in a title breaks every encode and state command
("embedded null byte") and can hide text on screen, so they are removed at the boundary:
import, the editor's save and the CLI all call `plain_text`.
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL; tab and newline are kept only where the field is multi-line.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def plain_text(value: str, *, multiline: bool = False) -> str:
    """`value` without control characters (a one-line field also loses tabs and newlines).

    Line breaks are normalised to `\\n` first, so a Windows CRLF survives a description.
    In a one-line field every control character becomes a space, so words stay apart.
    """
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if multiline:
        return _CONTROLS.sub("", text)
    return _CONTROLS_ONE_LINE.sub(" ", text).strip()
