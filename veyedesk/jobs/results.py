"""Results a state command writes back: `veyedesk: public_url=…` lines on its stdout.

The protocol (docs/architecture.md, "Results written back"): a command may print, on
lines of their own, anywhere in its output,

    veyedesk: host_url=https://host.example/watch?v=abc
    veyedesk: public_url=https://videos.example.org/pycon26/my-talk.mp4
    veyedesk: thumbnail=https://videos.example.org/pycon26/my-talk.jpg

When the command succeeds, the worker stores each value on the talk (the Episode field of
the same name) in the transaction that marks the job done, with one Log row (kind RESULT)
listing what changed. URLs must be http(s); a value that is not allowed, an unknown key
or a malformed line is not stored and the Log row says so. Values are plain text (control
characters stripped) and at most 500 characters, the columns' size. A failed command's
results are ignored: nothing half-published is written back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from veyedesk.model import Episode, Log, State
from veyedesk.model.kinds import LogKind
from veyedesk.model.text import plain_text

RESULT_PREFIX = "veyedesk: "
# Field -> whether it must be an http(s) URL.
RESULT_FIELDS: dict[str, bool] = {"host_url": True, "public_url": True, "thumbnail": False}
MAX_VALUE = 500
MAX_RESULT_LINES = 50  # a command printing thousands of result lines keeps the first ones


@dataclass
class CommandResults:
    """What a command's result lines said: values to store, and lines refused (why)."""

    values: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.values or self.problems)


def _check(key: str, value: str) -> str:
    """Why `value` cannot be stored as `key` ("" when it can)."""
    if not value:
        return f"{key} is empty"
    if len(value) > MAX_VALUE:
        return f"{key} is longer than {MAX_VALUE} characters"
    if RESULT_FIELDS[key]:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
            return f"{key} {value[:80]!r} is not an http(s) URL"
    return ""


def parse_results(lines: Iterable[str]) -> CommandResults:
    """The results in a command's output lines (other lines are ignored)."""
    results = CommandResults()
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.startswith(RESULT_PREFIX):
            continue
        key, sep, value = line[len(RESULT_PREFIX) :].partition("=")
        key, value = key.strip(), plain_text(value.strip())
        if not sep or key not in RESULT_FIELDS:
            known = ", ".join(RESULT_FIELDS)
            results.problems.append(f"unknown result line {line[:80]!r} (known: {known})")
            continue
        problem = _check(key, value)
        if problem:
            results.problems.append(problem)
        else:
            results.values[key] = value  # the last line for a key wins
    return results


def record_results(
    session: Session, episode_id: int, results: CommandResults, state_slug: str, user: str
) -> None:
    """Store the values on the talk and write one Log row (kind RESULT) saying what changed."""
    if not results:
        return
    episode = session.get(Episode, episode_id)
    if episode is None:
        return
    changed = []
    for key, value in results.values.items():
        if getattr(episode, key) != value:
            setattr(episode, key, value)
            changed.append(f"{key}={value}")
    parts = [f"{state_slug} wrote back " + (", ".join(changed) if changed else "no changes")]
    parts += [f"ignored: {p}" for p in results.problems]
    now = datetime.now()
    state = session.scalar(select(State).where(State.slug == state_slug))
    session.add(
        Log(
            episode=episode,
            state=state,
            ready=now,
            start=now,
            end=now,
            user=user,
            result="; ".join(parts),
            kind=LogKind.RESULT,
        )
    )
    session.flush()
