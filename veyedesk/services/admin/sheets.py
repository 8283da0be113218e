"""Recording sheets: photos and scans of the paper sheets volunteers fill in per room.

Importing copies each image under the show's folder (`<show raw dir>/sheets/<room>/<day>/`),
stores an ImageFile tied to the room-day, and links it to the talk whose slot holds the
time the photo was taken (file name or EXIF); anyone editing can link and unlink by hand.
When `tesseract` is installed its text is stored, so a sheet is found from the episode
filter; OCR runs after the import's transaction, so a slow OCR never holds the database.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from veyedesk.media.ocr import OCR_OFF_MESSAGE, find_ocr, read_text
from veyedesk.media.probe import MediaError
from veyedesk.media.stills import inspect_still, read_still
from veyedesk.model import Episode, ImageFile, Location, Show
from veyedesk.model.paths import safe_join, safe_join_relative
from veyedesk.model.recording import SheetOcr
from veyedesk.model.text import plain_text
from veyedesk.safe_files import new_temp, place_new
from veyedesk.services.catalog import require_room_of
from veyedesk.services.episodes import talks_of_room_day
from veyedesk.services.errors import InvalidInput, NotFound
from veyedesk.services.identity import Identity
from veyedesk.services.ingest import show_raw_root

SHEETS_FOLDER = "sheets"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".gif"})
# A photo taken this long before a talk starts or after it ends still belongs to it
# (volunteers photograph the sheet at the break).
LINK_SLACK = timedelta(minutes=30)


@dataclass(frozen=True)
class SheetInfo:
    """Plain data for one sheet (safe to hand across threads)."""

    id: int
    room: str  # slug
    room_name: str
    day: date | None
    taken: datetime | None
    taken_source: str
    filename: str  # relative to the show's folder
    path: Path  # where it is on this machine
    original_name: str
    ocr: str
    text: str
    episodes: tuple[tuple[int, str], ...]  # (id, name) of the linked talks

    @property
    def label(self) -> str:
        when = self.taken.strftime("%H:%M") if self.taken else "no time"
        return f"{self.room_name} {self.day or ''} {when} · {self.original_name}".strip()


@dataclass
class SheetImport:
    """What an import did; `lines()` for the CLI and the status bar."""

    added: list[SheetInfo] = field(default_factory=list)
    duplicates: list[tuple[str, SheetInfo]] = field(default_factory=list)  # (name, stored)
    ocr_note: str = ""

    def lines(self) -> list[str]:
        out = []
        for sheet in self.added:
            talks = ", ".join(f"#{i} {name}" for i, name in sheet.episodes)
            when = (
                f"taken {sheet.taken:%Y-%m-%d %H:%M:%S} ({sheet.taken_source})"
                if sheet.taken
                else "no time found"
            )
            linked = f"linked to {talks}" if talks else "not linked to a talk (link it by hand)"
            out.append(f"sheet {sheet.id}: {sheet.filename}: {when}; {linked}")
        for name, stored in self.duplicates:
            out.append(f"{name}: already imported as sheet {stored.id} ({stored.filename})")
        if self.ocr_note:
            out.append(self.ocr_note)
        return out


@dataclass(frozen=True)
class OcrOutcome:
    sheet_id: int
    status: SheetOcr
    text: str = ""
    error: str = ""


def sheet_path(sheet: ImageFile, raw_root: str) -> Path:
    """Where a stored sheet is on this machine (its filename is relative to the show folder)."""
    return safe_join_relative(sheet.show.raw_dir(raw_root), sheet.filename, "sheet file name")


def sheet_info(sheet: ImageFile, raw_root: str) -> SheetInfo:
    """Plain data of a loaded sheet (its show, room and episodes loaded)."""
    room = sheet.location
    return SheetInfo(
        id=sheet.id,
        room=room.slug if room else "",
        room_name=room.name if room else "",
        day=sheet.day,
        taken=sheet.taken,
        taken_source=sheet.taken_source,
        filename=sheet.filename,
        path=sheet_path(sheet, raw_root),
        original_name=sheet.original_name,
        ocr=sheet.ocr,
        text=sheet.text,
        episodes=tuple((e.id, e.name) for e in sorted(sheet.episodes, key=_talk_order)),
    )


def _talk_order(e: Episode) -> tuple[datetime, int]:
    return (e.start or datetime.min, e.id)


def _load(session: Session, stmt: Select[ImageFile]) -> list[ImageFile]:
    stmt = stmt.options(
        selectinload(ImageFile.location),
        selectinload(ImageFile.episodes),
        selectinload(ImageFile.show).selectinload(Show.client),
    )
    return list(session.scalars(stmt))


def _safe_name(name: str) -> str:
    # The name lands in a path: no separators, no hidden files, no control characters.
    cleaned = plain_text(name).replace("/", "_").replace("\\", "_").strip().lstrip(".")
    stem, suffix = os.path.splitext(cleaned or "sheet")
    return f"{stem[:150] or 'sheet'}{suffix.lower()[:10]}"


def _store_new(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` as a new file `name` in `folder` (`name-2`, `-3`… when taken)."""
    stem, suffix = os.path.splitext(name)
    partial = new_temp(folder / name)
    try:
        with partial.open("r+b") as f:
            f.write(data)
        n = 1
        while True:
            target = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
            try:
                place_new(partial, target)  # never over an existing sheet
                return target
            except FileExistsError:
                n += 1
    finally:
        partial.unlink(missing_ok=True)


def talks_at(talks: Sequence[Episode], taken: datetime) -> list[Episode]:
    """The talk a sheet photographed at `taken` is about: the one running then, else the
    nearest within `LINK_SLACK` of its slot; none when the time is far from every talk."""
    running = [e for e in talks if e.start and e.end and e.start <= taken <= e.end]
    if running:
        return running[:1]
    best: tuple[timedelta, Episode] | None = None
    for e in talks:
        if e.start is None:
            continue
        end = e.end or e.start
        gap = e.start - taken if taken < e.start else taken - end
        if gap <= LINK_SLACK and (best is None or gap < best[0]):
            best = (gap, e)
    return [best[1]] if best else []


def import_sheets(
    session: Session,
    who: Identity,
    show: Show,
    room: Location,
    day: date,
    files: Sequence[Path],
    raw_root: str,
    *,
    episode_id: int | None = None,
) -> SheetImport:
    """Copy images in as sheets of `room` on `day`, linked to their talks.

    Every file is checked before anything is copied or written: one that is not a
    readable image refuses the whole import, naming it. The same image imported again
    (same SHA-256 in this show) is reported, not stored twice. `episode_id` links every
    new sheet to that talk as well (a sheet dropped on an open episode).
    """
    who.require("edit")
    if not files:
        raise InvalidInput("no files given: name the photos or scans of the recording sheets")
    require_room_of(show, room)
    extra: Episode | None = None
    if episode_id is not None:
        extra = session.get(Episode, episode_id)
        if extra is None or extra.show_id != show.id:
            raise NotFound(f"episode {episode_id} is not in show {show.slug!r}")
    checked = []
    for path in files:
        path = Path(path)
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            raise InvalidInput(
                f"{path}: not an image file name (expected {', '.join(sorted(IMAGE_SUFFIXES))})"
            )
        try:
            # Read once (a regular file, no symlink followed): what is checked is what
            # is stored.
            data = read_still(path)
            info = inspect_still(path, day, data)
        except MediaError as exc:
            raise InvalidInput(str(exc)) from None
        checked.append((path, info, data))

    result = SheetImport()
    known = {
        s.checksum: s
        for s in _load(
            session,
            select(ImageFile).where(
                ImageFile.show_id == show.id,
                ImageFile.checksum.in_([hashlib.sha256(d).hexdigest() for _, _, d in checked]),
            ),
        )
    }
    folder_rel = safe_join(SHEETS_FOLDER, room.folder, day.isoformat(), what="room folder")
    # The show's own folder (refused, with what to do, when neither it nor the settings
    # name one: never a folder relative to wherever veyedesk was started).
    folder = show_raw_root(show, raw_root) / folder_rel
    talks = talks_of_room_day(session, show.id, room.id, day)
    # Without an OCR program the sheets say so at once ("off"), and are read when one is
    # installed and `veyedesk sheets ocr` runs.
    ocr_state = SheetOcr.PENDING if find_ocr() is not None else SheetOcr.OFF
    copied: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, info, data in checked:
            checksum = hashlib.sha256(data).hexdigest()
            if checksum in known:
                result.duplicates.append((path.name, sheet_info(known[checksum], raw_root)))
                continue
            target = _store_new(folder, _safe_name(path.name), data)
            copied.append(target)
            sheet = ImageFile(
                show_id=show.id,
                location_id=room.id,
                filename=(folder_rel / target.name).as_posix(),
                day=day,
                taken=info.taken,
                taken_source=info.taken_source,
                original_name=plain_text(path.name)[:500],
                checksum=checksum,
                ocr=ocr_state,
            )
            sheet.location, sheet.show = room, show
            if info.taken is not None and info.taken.date() == day:
                sheet.episodes.extend(talks_at(talks, info.taken))
            if extra is not None and extra not in sheet.episodes:
                sheet.episodes.append(extra)
            session.add(sheet)
            session.flush()
            known[checksum] = sheet
            result.added.append(sheet_info(sheet, raw_root))
    except OSError as exc:
        for done in copied:  # the rows roll back with the caller's transaction
            done.unlink(missing_ok=True)
        raise InvalidInput(f"{folder}: cannot copy the sheets there ({exc.strerror})") from None
    if result.added and ocr_state is SheetOcr.OFF:
        result.ocr_note = OCR_OFF_MESSAGE
    return result


def import_for_episode(
    session: Session, who: Identity, episode_id: int, files: Sequence[Path], raw_root: str
) -> SheetImport:
    """Import sheets dropped on an open talk: its room and day, and linked to it."""
    episode = session.get(Episode, episode_id)
    if episode is None:
        raise NotFound(f"no episode {episode_id}")
    if episode.location is None or episode.start is None:
        raise InvalidInput(
            f"episode {episode_id} has no room or start time: sheets belong to a room-day; "
            "set them first, or use `veyedesk sheets import --room R --day D`"
        )
    return import_sheets(
        session,
        who,
        episode.show,
        episode.location,
        episode.start.date(),
        files,
        raw_root,
        episode_id=episode_id,
    )


def _get_sheet(session: Session, sheet_id: int) -> ImageFile:
    found = _load(session, select(ImageFile).where(ImageFile.id == sheet_id))
    if not found:
        raise NotFound(f"no sheet {sheet_id}; `veyedesk sheets list` shows them")
    return found[0]


def link_sheet(
    session: Session, who: Identity, sheet_id: int, episode_id: int, raw_root: str
) -> SheetInfo:
    """Tie a sheet to a talk of the same show (by hand)."""
    who.require("edit")
    sheet = _get_sheet(session, sheet_id)
    episode = session.get(Episode, episode_id)
    if episode is None or episode.show_id != sheet.show_id:
        raise NotFound(f"episode {episode_id} is not in the show of sheet {sheet_id}")
    if episode not in sheet.episodes:
        sheet.episodes.append(episode)
        session.flush()
    return sheet_info(sheet, raw_root)


def unlink_sheet(
    session: Session, who: Identity, sheet_id: int, episode_id: int, raw_root: str
) -> SheetInfo:
    """Untie a sheet from a talk; the sheet itself stays with its room-day."""
    who.require("edit")
    sheet = _get_sheet(session, sheet_id)
    kept = [e for e in sheet.episodes if e.id != episode_id]
    if len(kept) == len(sheet.episodes):
        raise InvalidInput(f"sheet {sheet_id} is not linked to episode {episode_id}")
    sheet.episodes[:] = kept
    session.flush()
    return sheet_info(sheet, raw_root)


def list_sheets(
    session: Session,
    show: Show,
    raw_root: str,
    *,
    room: Location | None = None,
    day: date | None = None,
) -> list[SheetInfo]:
    """A show's sheets (of one room and/or day), in room, day and time order."""
    stmt = select(ImageFile).where(ImageFile.show_id == show.id)
    if room is not None:
        stmt = stmt.where(ImageFile.location_id == room.id)
    if day is not None:
        stmt = stmt.where(ImageFile.day == day)
    infos = [sheet_info(s, raw_root) for s in _load(session, stmt)]
    infos.sort(key=lambda s: (s.room, s.day or date.min, s.taken or datetime.min, s.id))
    return infos


def episode_sheets(session: Session, episode_id: int, raw_root: str) -> list[SheetInfo]:
    """The sheets linked to a talk, then the other sheets of its room-day (to link by hand)."""
    episode = session.get(Episode, episode_id)
    if episode is None:
        raise NotFound(f"no episode {episode_id}")
    linked = _load(
        session, select(ImageFile).where(ImageFile.episodes.any(Episode.id == episode_id))
    )
    others: list[ImageFile] = []
    if episode.location_id is not None and episode.start is not None:
        others = _load(
            session,
            select(ImageFile).where(
                ImageFile.show_id == episode.show_id,
                ImageFile.location_id == episode.location_id,
                ImageFile.day == episode.start.date(),
                ~ImageFile.episodes.any(Episode.id == episode_id),
            ),
        )
    key = lambda s: (s.taken or datetime.min, s.id)  # noqa: E731
    return [sheet_info(s, raw_root) for s in sorted(linked, key=key) + sorted(others, key=key)]


def sheet_text_by_episode(session: Session, show_id: int) -> dict[int, str]:
    """OCR text of the sheets linked to each talk of a show (for the episode filter)."""
    stmt = (
        select(ImageFile)
        .where(ImageFile.show_id == show_id, ImageFile.text != "")
        .options(selectinload(ImageFile.episodes))
    )
    texts: dict[int, list[str]] = {}
    for sheet in session.scalars(stmt):
        for episode in sheet.episodes:
            texts.setdefault(episode.id, []).append(sheet.text)
    return {k: "\n".join(v) for k, v in texts.items()}


def ocr_targets(
    session: Session,
    raw_root: str,
    *,
    show: Show | None = None,
    sheet_ids: Sequence[int] = (),
    redo: bool = False,
) -> list[tuple[int, Path]]:
    """Sheets still to read (pending, off or failed; all with `redo`): (id, path).

    Those of `show`, or of any show when only `sheet_ids` are given.
    """
    stmt = select(ImageFile).options(selectinload(ImageFile.show).selectinload(Show.client))
    if show is not None:
        stmt = stmt.where(ImageFile.show_id == show.id)
    if sheet_ids:
        stmt = stmt.where(ImageFile.id.in_(sheet_ids))
    elif show is None:
        return []
    if not redo:
        stmt = stmt.where(ImageFile.ocr != SheetOcr.DONE)
    return [(s.id, sheet_path(s, raw_root)) for s in session.scalars(stmt.order_by(ImageFile.id))]


def read_sheets(
    targets: Sequence[tuple[int, Path]],
    program: str | None,
    progress: Callable[[int, int], None] | None = None,
) -> list[OcrOutcome]:
    """Run OCR on each sheet (no database: call it outside any transaction)."""
    outcomes = []
    for n, (sheet_id, path) in enumerate(targets, 1):
        if program is None:
            outcomes.append(OcrOutcome(sheet_id, SheetOcr.OFF))
        else:
            try:
                text = plain_text(read_text(path, program), multiline=True).strip()
                outcomes.append(OcrOutcome(sheet_id, SheetOcr.DONE, text=text))
            except MediaError as exc:
                outcomes.append(OcrOutcome(sheet_id, SheetOcr.FAILED, error=str(exc)))
        if progress is not None:
            progress(n, len(targets))
    return outcomes


def store_ocr(session: Session, who: Identity, outcomes: Sequence[OcrOutcome]) -> None:
    """Write OCR outcomes (editors and admins); a failure keeps whatever text the sheet had."""
    who.require("edit")
    for outcome in outcomes:
        sheet = session.get(ImageFile, outcome.sheet_id)
        if sheet is None:  # deleted meanwhile
            continue
        sheet.ocr = outcome.status
        if outcome.status is SheetOcr.DONE:
            sheet.text = outcome.text
    session.flush()


def ocr_lines(outcomes: Sequence[OcrOutcome]) -> list[str]:
    """One line per sheet read, and the one 'OCR is off' notice when it did not run."""
    if outcomes and all(o.status is SheetOcr.OFF for o in outcomes):
        return [OCR_OFF_MESSAGE]
    lines = []
    for o in outcomes:
        if o.status is SheetOcr.DONE:
            first = o.text.splitlines()[0] if o.text else "(no text found)"
            lines.append(f"sheet {o.sheet_id}: OCR read {len(o.text)} characters: {first[:60]}")
        elif o.status is SheetOcr.FAILED:
            lines.append(f"sheet {o.sheet_id}: {o.error}")
    return lines
