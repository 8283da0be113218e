"""A talk's chapters: one per applied cut, named by the cut's comment (else "Part N").

This is the one place chapter times are computed: the encode writes them into the file
(`encode.plan.ffmetadata`), the editor's Facts tab lists them and `veyedesk chapters`
prints them, so all three agree to the frame.

Times are on the encode's frame grid (each cut lasts `whole_frames(duration, fps)` frames,
as the plan encodes it). The title slide belongs to the first chapter, which starts at 0:00,
and the credits to the last: YouTube reads chapters only when the first starts at 0:00 and
each lasts 10 s or more, so a 5-second "Title" chapter would cost the talk all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from veyedesk.model.cuts import whole_frames
from veyedesk.model.text import plain_text

TITLE_LIMIT = 100  # YouTube's own limit for a chapter title


class Chapter(NamedTuple):
    """One chapter: start and end in seconds of the encoded file, and its title."""

    start: float
    end: float
    title: str


def chapter_title(comment: str, number: int) -> str:
    """The first line of a cut's comment as a chapter title, else `Part <number>`."""
    for line in plain_text(comment or "", multiline=True).split("\n"):
        line = " ".join(line.split())
        if line:
            return line if len(line) <= TITLE_LIMIT else line[: TITLE_LIMIT - 1] + "…"
    return f"Part {number}"


def chapters(
    durations: Sequence[float],
    comments: Sequence[str],
    fps: float,
    title_seconds: float = 0.0,
    credits_seconds: float = 0.0,
) -> list[Chapter]:
    """Chapters of an encode of cuts lasting `durations` (seconds), in order.

    `comments` are the cuts' comments (same length); `title_seconds` / `credits_seconds`
    are 0 when the encode has no title / credits slide.
    """
    if len(comments) != len(durations):
        raise ValueError("one comment per cut")
    title = whole_frames(title_seconds, fps) if title_seconds > 0 else 0
    out: list[Chapter] = []
    at = 0
    for number, (seconds, comment) in enumerate(zip(durations, comments, strict=True), 1):
        frames = whole_frames(seconds, fps) + (title if number == 1 else 0)
        out.append(Chapter(at / fps, (at + frames) / fps, chapter_title(comment, number)))
        at += frames
    if out and credits_seconds > 0:
        last = out[-1]
        out[-1] = last._replace(end=(at + whole_frames(credits_seconds, fps)) / fps)
    return out


def timestamp(seconds: float) -> str:
    """`M:SS` or `H:MM:SS`, whole seconds rounded down (YouTube's chapter stamps)."""
    whole = int(seconds + 1e-6)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def youtube_text(items: Sequence[Chapter], host_url: str = "") -> str:
    """`0:00 Title` lines; with `host_url`, each line ends with the `?t=` link to it."""
    lines = []
    for chapter in items:
        line = f"{timestamp(chapter.start)} {chapter.title}"
        if host_url:
            joiner = "&" if "?" in host_url else "?"
            line += f" {host_url}{joiner}t={int(chapter.start + 1e-6)}"
        lines.append(line)
    return "\n".join(lines) + ("\n" if lines else "")
