"""The edit journal: unsaved edits written to a local file as they happen, restored after a crash.

One JSON file per (database, episode) under `<data dir>/journal/`. Each write goes to a
temporary file that is flushed, fsynced and renamed over the old one, then the folder is
fsynced, so a process killed or a machine losing power at any moment leaves either the
previous journal or the new one, never half a file and never a rename still in the cache. The
journal keeps the base the edits started from (its `serial`), so a restored draft is saved
with the usual conflict detection.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from veyedesk.config import data_dir, mask_url
from veyedesk.services.editing.draft import CUT_FIELDS, CutDraft, EpisodeDraft

VERSION = 1


def journal_dir() -> Path:
    """Folder holding the journals of this user."""
    return data_dir() / "journal"


def _db_key(db_url: str) -> str:
    # The URL without its password names the database; a hash keeps the file name safe.
    return hashlib.sha256(mask_url(_absolute(db_url)).encode()).hexdigest()[:12]


def _absolute(db_url: str) -> str:
    """`sqlite:///x.db` as the file it is from here: two folders' x.db are two databases.

    The same file reached through a relative or an absolute path (or a link) gets one key.
    """
    try:
        parsed = make_url(db_url)
    except (ArgumentError, ValueError):
        return db_url
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return db_url
    if database.startswith("file:"):
        return db_url  # a URI filename: left as written
    return parsed.set(database=os.path.realpath(Path(database).expanduser())).render_as_string(
        hide_password=False
    )


def journal_path(db_url: str, episode_id: int) -> Path:
    """Where the journal of one episode on one database lives."""
    return journal_dir() / f"{_db_key(db_url)}-episode-{episode_id}.json"


def _fsync_dir(folder: Path) -> None:
    # A rename or unlink is durable only once the folder holding it is written out.
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$datetime"}:
        return datetime.fromisoformat(value["$datetime"])
    return value


def _pack(draft: EpisodeDraft) -> dict[str, Any]:
    return {
        "fields": {k: _encode(v) for k, v in draft.fields.items()},
        "cuts": [{n: getattr(c, n) for n in (*CUT_FIELDS, "id")} for c in draft.cuts],
    }


def _unpack(data: dict[str, Any]) -> tuple[dict[str, Any], list[CutDraft]]:
    fields = {k: _decode(v) for k, v in data["fields"].items()}
    cuts = [CutDraft(**{n: c.get(n) for n in (*CUT_FIELDS, "id")}) for c in data["cuts"]]
    return fields, cuts


@dataclass(frozen=True)
class JournalEntry:
    """Unsaved edits of one episode found on disk."""

    path: Path
    database: str
    episode_id: int
    user: str
    written: datetime
    serial: int
    base: dict[str, Any]
    draft: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.draft["fields"].get("name") or f"episode {self.episode_id}")

    def restore(self, fresh: EpisodeDraft) -> tuple[EpisodeDraft, EpisodeDraft]:
        """(draft, base) to edit: the journaled edits on top of the base they started from.

        `fresh` is the episode as loaded now; it supplies the raw files on this machine.
        """
        base_fields, base_cuts = _unpack(self.base)
        fields, cuts = _unpack(self.draft)
        # Fields this journal does not know (an older version) come from the fresh load.
        base_fields = {**fresh.fields, **base_fields}
        fields = {**fresh.fields, **fields}
        base = EpisodeDraft(self.episode_id, self.serial, base_fields, base_cuts, fresh.raw_files)
        draft = EpisodeDraft(self.episode_id, self.serial, fields, cuts, fresh.raw_files)
        return draft, base


def write_journal(db_url: str, draft: EpisodeDraft, base: EpisodeDraft, user: str) -> Path:
    """Atomically write the unsaved edits of `draft` (made on top of `base`)."""
    path = journal_path(db_url, draft.episode_id)
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        _fsync_dir(path.parent.parent)  # the new journal folder itself
    payload = {
        "version": VERSION,
        "database": mask_url(db_url),
        "episode_id": draft.episode_id,
        "user": user,
        "written": datetime.now().isoformat(timespec="seconds"),
        "serial": base.serial,
        "base": _pack(base),
        "draft": _pack(draft),
    }
    fd, tmp = tempfile.mkstemp(prefix=path.stem, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(payload, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def discard_journal(db_url: str, episode_id: int) -> None:
    """Forget the journal of an episode (after a save, or when the editor discards)."""
    path = journal_path(db_url, episode_id)
    try:
        path.unlink()
    except FileNotFoundError:
        return
    # Else a power cut could bring the journal back and offer edits already saved.
    _fsync_dir(path.parent)


def read_journal(path: Path) -> JournalEntry:
    """One journal file; ValueError naming the file when it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return JournalEntry(
            path=path,
            database=data["database"],
            episode_id=int(data["episode_id"]),
            user=data.get("user", ""),
            written=datetime.fromisoformat(data["written"]),
            serial=int(data["serial"]),
            base=data["base"],
            draft=data["draft"],
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: unreadable edit journal ({exc}); move it aside") from None


def pending_journals(db_url: str) -> list[JournalEntry]:
    """Unsaved edits left on this machine for this database, newest first.

    Unreadable files are skipped (left in place for a person to look at).
    """
    folder = journal_dir()
    if not folder.is_dir():
        return []
    entries = []
    for path in folder.glob(f"{_db_key(db_url)}-episode-*.json"):
        try:
            entries.append(read_journal(path))
        except ValueError:
            continue
    entries.sort(key=lambda e: e.written, reverse=True)
    return entries
