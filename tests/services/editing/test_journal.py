import json
import os
import stat
from datetime import datetime
from pathlib import Path

import pytest

from veyedesk.services.editing.draft import CutDraft, EpisodeDraft, RawFileInfo
from veyedesk.services.editing.journal import (
    discard_journal,
    journal_path,
    pending_journals,
    read_journal,
    write_journal,
)

DB = "postgresql+psycopg://ed:secret@venue/veyedesk"


def draft() -> EpisodeDraft:
    raw = RawFileInfo(
        7, "2026-02-01/10_00_00.dv", Path("/raw/a.dv"), datetime(2026, 2, 1, 10), 600.0, 25.0
    )
    return EpisodeDraft(
        episode_id=3,
        serial=4,
        fields={
            "name": "Talk",
            "released": None,
            "start": datetime(2026, 2, 1, 10, 5),
            "av_offset_ms": 0,
        },
        cuts=[CutDraft(raw_file_id=7, sequence=1, start=12.0, end=None, id=11)],
        raw_files={7: raw},
    )


def test_roundtrip_restores_edits_on_their_base() -> None:
    base = draft()
    mine = base.copy()
    mine.fields["name"] = 'Keynote: "Why?" \\ 100% 🎥\nsecond line'
    mine.fields["released"] = True
    mine.fields["start"] = datetime(2026, 2, 1, 10, 7, 30)
    mine.cuts[0].end = 321.44
    mine.cuts.append(CutDraft(raw_file_id=7, sequence=2, start=400.0, end=410.0, apply=False))
    path = write_journal(DB, mine, base, "ed@laptop")
    assert path == journal_path(DB, 3) and path.exists()
    assert "secret" not in path.read_text(encoding="utf-8")
    [entry] = pending_journals(DB)
    assert entry.user == "ed@laptop" and entry.serial == 4 and entry.name.startswith("Keynote")
    restored, restored_base = entry.restore(draft())
    assert restored.fields == mine.fields
    assert [c.values() for c in restored.cuts] == [c.values() for c in mine.cuts]
    assert restored_base.fields == base.fields and restored_base.serial == 4
    assert restored.changed_fields(restored_base) == ["name", "released", "start", "cuts"]
    assert restored.raw_files[7].filename.endswith("10_00_00.dv")
    discard_journal(DB, 3)
    assert pending_journals(DB) == []
    discard_journal(DB, 3)  # discarding twice is harmless


def test_other_databases_journals_are_not_offered() -> None:
    write_journal(DB, draft(), draft(), "ed")
    assert pending_journals("sqlite:///elsewhere.db") == []
    assert len(pending_journals(DB)) == 1


def test_a_relative_sqlite_file_is_keyed_by_the_folder_it_is_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20: `sqlite:///x.db` in two folders are two databases, one journal each."""
    first, second = tmp_path / "show_a", tmp_path / "show_b"
    first.mkdir()
    second.mkdir()
    monkeypatch.chdir(first)
    write_journal("sqlite:///x.db", draft(), draft(), "ed")
    assert len(pending_journals("sqlite:///x.db")) == 1
    # The same file by its absolute path is the same database.
    assert len(pending_journals(f"sqlite:///{first / 'x.db'}")) == 1
    monkeypatch.chdir(second)
    assert pending_journals("sqlite:///x.db") == []


def test_an_unreadable_journal_is_skipped_and_named(tmp_path: Path) -> None:
    path = write_journal(DB, draft(), draft(), "ed")
    path.write_text("{ not json", encoding="utf-8")
    assert pending_journals(DB) == []
    with pytest.raises(ValueError, match="unreadable edit journal"):
        read_journal(path)
    assert path.exists()  # left for a person to look at


def test_rewrites_replace_the_file_whole_and_leave_no_temporaries() -> None:
    base = draft()
    for n in range(20):
        mine = base.copy()
        mine.fields["name"] = f"Take {n}"
        path = write_journal(DB, mine, base, "ed")
    assert json.loads(path.read_text(encoding="utf-8"))["draft"]["fields"]["name"] == "Take 19"
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_writes_and_discards_reach_the_disk_folder_included(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """fsync of the file alone leaves the rename in the cache: a power cut loses it."""
    synced: list[tuple[str, bool]] = []
    real_fsync = os.fsync

    def record(fd: int) -> None:
        synced.append((os.readlink(f"/proc/self/fd/{fd}"), stat.S_ISDIR(os.fstat(fd).st_mode)))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", record)
    base = draft()
    path = write_journal(DB, base.copy(), base, "ed")
    assert any(is_dir and name == str(path.parent) for name, is_dir in synced), synced
    assert any(not is_dir and name.startswith(str(path.parent)) for name, is_dir in synced)
    synced.clear()
    discard_journal(DB, base.episode_id)
    assert synced == [(str(path.parent), True)]
